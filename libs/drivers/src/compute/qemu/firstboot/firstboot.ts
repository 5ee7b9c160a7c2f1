import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import {
  AgentFileLayout,
  AmphoraBootConfig,
  CONFIG_DRIVE_LABEL,
  renderAgentConf,
  validateBootConfig,
  validatePem,
  VM_LAYOUT,
} from '../amphora-config';

/**
 * The image's first-boot step, run on every boot before the agent starts: inside the agent's own process on the
 * Debian image (`vm-agent.ts`, `--firstboot`), as its own command elsewhere (`firstboot-cli.ts`, the OpenWrt image):
 *  1. mounts the config drive (vfat, label AMPHORA-CFG) read-only,
 *  2. validates amphora.json, server.pem and client_ca.pem,
 *  3. configures the management link found by MAC (every boot),
 *  4. writes amphora-agent.conf and the certificates only if they do not exist yet, so that a
 *     rotation (PUT /1.0/certificate) or PUT /1.0/config survives a reboot.
 */

export interface FirstBootIo {
  run(argv: string[]): string;
  log(msg: string): void;
  sleep(ms: number): void;
}

/** Interface name for a MAC, from /sys/class/net (or the given root, for tests). */
export function findLinkByMac(mac: string, sysClassNet = '/sys/class/net'): string | null {
  for (const name of readdirSync(sysClassNet)) {
    try {
      if (readFileSync(path.join(sysClassNet, name, 'address'), 'utf8').trim().toLowerCase() === mac.toLowerCase()) return name;
    } catch {
      // links can vanish while we look
    }
  }
  return null;
}

function writeAtomic(file: string, data: string, mode: number): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, file);
}

/** Reads the three files of a mounted config drive and validates them. */
export function readConfigDrive(dir: string): { config: AmphoraBootConfig; serverPem: string; clientCaPem: string } {
  const config = validateBootConfig(JSON.parse(readFileSync(path.join(dir, 'amphora.json'), 'utf8')));
  const serverPem = validatePem(readFileSync(path.join(dir, 'server.pem'), 'utf8'), 'server.pem', true);
  const clientCaPem = validatePem(readFileSync(path.join(dir, 'client_ca.pem'), 'utf8'), 'client_ca.pem', false);
  return { config, serverPem, clientCaPem };
}

/** Writes the agent's files (first boot only) under `root` ('' on the amphora). Returns whether it wrote them. */
export function installAgentFiles(
  root: string,
  drive: { config: AmphoraBootConfig; serverPem: string; clientCaPem: string },
  layout: AgentFileLayout = VM_LAYOUT,
): boolean {
  const conf = root + layout.configFile;
  if (existsSync(conf)) return false;
  writeAtomic(root + layout.serverCert, drive.serverPem, 0o600);
  writeAtomic(root + layout.clientCa, drive.clientCaPem, 0o644);
  mkdirSync(root + layout.basePath, { recursive: true });
  mkdirSync(root + layout.networkDir, { recursive: true });
  writeAtomic(conf, renderAgentConf(drive.config, layout), 0o600);
  return true;
}

/** `--platform systemd|procd` (default systemd, the Debian image; the OpenWrt image passes procd). */
export function layoutFromArgs(argv: string[]): AgentFileLayout {
  const at = argv.indexOf('--platform');
  if (at < 0) return VM_LAYOUT;
  const platform = argv[at + 1];
  if (platform !== 'systemd' && platform !== 'procd') throw new Error(`--platform must be systemd or procd, got "${platform}"`);
  return { ...VM_LAYOUT, platform };
}

export function firstBoot(io: FirstBootIo, layout: AgentFileLayout = VM_LAYOUT): void {
  const mountPoint = '/run/amphora-config';
  let device = '';
  for (let i = 0; i < 120 && !device; i++) {
    try {
      device = io.run(['blkid', '-L', CONFIG_DRIVE_LABEL]).trim();
    } catch {
      io.sleep(500);
    }
  }
  if (!device) throw new Error(`no config drive labelled ${CONFIG_DRIVE_LABEL} after 60 s`);
  mkdirSync(mountPoint, { recursive: true });
  io.run(['mount', '-o', 'ro,nodev,nosuid,noexec', '-t', 'vfat', device, mountPoint]);
  let drive;
  try {
    drive = readConfigDrive(mountPoint);
  } finally {
    io.run(['umount', mountPoint]);
  }
  const m = drive.config.management;
  let link: string | null = null;
  for (let i = 0; i < 60 && !link; i++) {
    link = findLinkByMac(m.mac);
    if (!link) io.sleep(500);
  }
  if (!link) throw new Error(`no link with the management MAC ${m.mac}`);
  io.run(['ip', 'link', 'set', 'dev', link, 'up']);
  io.run(['ip', 'addr', 'replace', `${m.address}/${m.prefix_length}`, 'dev', link]);
  const wrote = installAgentFiles('', drive, layout);
  io.log(
    `amphora-firstboot: amphora ${drive.config.amphora_id}, management ${m.address}/${m.prefix_length} on ${link}` +
      (wrote ? ', agent configuration written' : ', agent configuration kept'),
  );
}

/** Real I/O for the amphora: commands run synchronously, sleeps block (nothing else runs yet). */
export const NODE_FIRSTBOOT_IO: FirstBootIo = {
  run: (argv) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  log: (msg) => process.stdout.write(`${msg}\n`),
  sleep: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
};

/**
 * The first-boot step as a command (`firstboot-cli.ts`) or inside the agent's process (`vm-agent.ts`):
 * exits with status 1 and a message on stderr when it fails.
 */
export function runFirstBoot(argv: string[], io: FirstBootIo = NODE_FIRSTBOOT_IO): void {
  try {
    firstBoot(io, layoutFromArgs(argv));
  } catch (err) {
    process.stderr.write(`amphora-firstboot: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
