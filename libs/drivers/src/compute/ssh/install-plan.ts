import * as path from 'node:path';
import { AgentFileLayout, AmphoraBootConfig, renderAgentConf } from '../qemu/amphora-config';

/** One device the ssh driver may adopt ([ssh] devices_file, a JSON array of these). */
export interface SshDevice {
  /** [A-Za-z0-9_.-]; the compute id is `ssh-<name>`. */
  name: string;
  host: string;
  port?: number;
  username?: string;
  /** PEM/OpenSSH private key file on the controller. */
  privateKeyFile: string;
  /** Pinned `SHA256:…` host key fingerprint; without it the known_hosts file must know the host. */
  hostKeyFingerprint?: string;
  /** Where the controller reaches the agent (default: host). */
  managementIp?: string;
  /** Prefix of everything installed (default "/"); lets several agents share a host, and tests adopt into a directory. */
  installRoot?: string;
  /** Service manager (default auto: procd on OpenWrt, systemd when running, else a plain background process). */
  init?: 'auto' | 'systemd' | 'procd' | 'plain';
  /** Install missing haproxy/keepalived/node/ip with apt-get or opkg (default false: refuse the device). */
  installPackages?: boolean;
}

export type InitKind = 'systemd' | 'procd' | 'plain';

export class DeviceError extends Error {}

const NAME = /^[A-Za-z0-9_.-]{1,40}$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/+-]*$/;
export const SERVICE_NAME = 'octavia-amphora-agent';

export function validateDevice(d: SshDevice): Required<Omit<SshDevice, 'hostKeyFingerprint'>> & { hostKeyFingerprint?: string } {
  if (!d || typeof d !== 'object') throw new DeviceError('device must be an object');
  if (typeof d.name !== 'string' || !NAME.test(d.name)) throw new DeviceError(`device name "${String(d.name)}" must match ${NAME}`);
  if (typeof d.host !== 'string' || !/^[A-Za-z0-9.:-]{1,253}$/.test(d.host)) throw new DeviceError(`device ${d.name}: host "${String(d.host)}" is not valid`);
  const port = d.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DeviceError(`device ${d.name}: port must be 1..65535`);
  const username = d.username ?? 'root';
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(username)) throw new DeviceError(`device ${d.name}: username "${username}" is not valid`);
  if (typeof d.privateKeyFile !== 'string' || !SAFE_PATH.test(d.privateKeyFile)) throw new DeviceError(`device ${d.name}: privateKeyFile must be an absolute path`);
  if (d.hostKeyFingerprint !== undefined && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(d.hostKeyFingerprint)) {
    throw new DeviceError(`device ${d.name}: hostKeyFingerprint must look like SHA256:<43 base64 characters>`);
  }
  const managementIp = d.managementIp ?? d.host;
  if (!/^[0-9a-fA-F.:]+$/.test(managementIp)) throw new DeviceError(`device ${d.name}: managementIp must be an IP address`);
  const installRoot = d.installRoot ?? '/';
  if (!SAFE_PATH.test(installRoot) || installRoot.includes('..')) throw new DeviceError(`device ${d.name}: installRoot must be an absolute path of [A-Za-z0-9._/+-]`);
  const init = d.init ?? 'auto';
  if (!['auto', 'systemd', 'procd', 'plain'].includes(init)) throw new DeviceError(`device ${d.name}: init must be auto, systemd, procd or plain`);
  return { ...d, port, username, managementIp, installRoot, init, installPackages: d.installPackages === true };
}

/** POSIX shell single-quoting; used for every value that reaches a remote command line. */
export function shq(s: string): string {
  if (s.includes('\0')) throw new DeviceError('NUL in a shell argument');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const REMOTE_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH;';

/** What the device must have: command → package (apt, opkg). */
export const REQUIRED_TOOLS: Array<{ cmd: string; apt: string; opkg: string }> = [
  { cmd: 'haproxy', apt: 'haproxy', opkg: 'haproxy' },
  { cmd: 'keepalived', apt: 'keepalived', opkg: 'keepalived' },
  { cmd: 'node', apt: 'nodejs', opkg: 'node' },
  { cmd: 'ip', apt: 'iproute2', opkg: 'ip-full' },
];

/** Shell probe whose output parseFacts reads (one KEY=value per line). */
export function factsScript(installRoot: string): string {
  return [
    REMOTE_PATH,
    'echo "ARCH=$(uname -m)"',
    `echo "FREE_KB=$(df -Pk ${shq(installRoot)} 2>/dev/null | awk 'NR==2{print $4}')"`,
    'if [ -f /etc/openwrt_release ]; then echo OPENWRT=1; fi',
    'if [ -d /run/systemd/system ]; then echo SYSTEMD=1; fi',
    'if command -v apt-get >/dev/null 2>&1; then echo PKG=apt; elif command -v opkg >/dev/null 2>&1; then echo PKG=opkg; fi',
    ...REQUIRED_TOOLS.map((t) => `if command -v ${t.cmd} >/dev/null 2>&1; then echo "HAVE_${t.cmd}=$(command -v ${t.cmd})"; fi`),
    'echo "NODE_VERSION=$(node --version 2>/dev/null)"',
    'echo "UID=$(id -u)"',
  ].join('\n');
}

export interface DeviceFacts {
  arch: string;
  freeKb: number;
  openwrt: boolean;
  systemd: boolean;
  packageManager: 'apt' | 'opkg' | null;
  tools: Record<string, string>;
  nodeMajor: number | null;
  uid: number;
}

export function parseFacts(out: string): DeviceFacts {
  const kv: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  const tools: Record<string, string> = {};
  for (const t of REQUIRED_TOOLS) if (kv[`HAVE_${t.cmd}`]) tools[t.cmd] = kv[`HAVE_${t.cmd}`];
  const nm = /^v(\d+)\./.exec(kv.NODE_VERSION ?? '');
  return {
    arch: kv.ARCH ?? '',
    freeKb: Number(kv.FREE_KB ?? 0) || 0,
    openwrt: kv.OPENWRT === '1',
    systemd: kv.SYSTEMD === '1',
    packageManager: kv.PKG === 'apt' || kv.PKG === 'opkg' ? kv.PKG : null,
    tools,
    nodeMajor: nm ? Number(nm[1]) : null,
    uid: Number(kv.UID ?? -1),
  };
}

export const SUPPORTED_ARCHES = ['x86_64', 'aarch64', 'armv7l', 'mips', 'mipsel', 'riscv64'];
export const MIN_FREE_KB = 20 * 1024;

/** Checks the device can run an amphora; returns the init kind and the packages to install. */
export function assessDevice(
  device: ReturnType<typeof validateDevice>,
  facts: DeviceFacts,
): { init: InitKind; missing: string[]; packages: string[] } {
  if (!SUPPORTED_ARCHES.includes(facts.arch)) throw new DeviceError(`device ${device.name}: architecture "${facts.arch}" is not supported`);
  if (facts.uid !== 0) throw new DeviceError(`device ${device.name}: must be adopted as root (uid ${facts.uid})`);
  if (facts.freeKb < MIN_FREE_KB) throw new DeviceError(`device ${device.name}: only ${facts.freeKb} KiB free under ${device.installRoot}, need ${MIN_FREE_KB}`);
  if (facts.tools.node && facts.nodeMajor !== null && facts.nodeMajor < 18) throw new DeviceError(`device ${device.name}: Node.js ${facts.nodeMajor} is too old (need 18+)`);
  const missing = REQUIRED_TOOLS.filter((t) => !facts.tools[t.cmd]).map((t) => t.cmd);
  let packages: string[] = [];
  if (missing.length > 0) {
    if (!device.installPackages) throw new DeviceError(`device ${device.name}: missing ${missing.join(', ')} (set installPackages to install them)`);
    if (!facts.packageManager) throw new DeviceError(`device ${device.name}: missing ${missing.join(', ')} and neither apt-get nor opkg is available`);
    packages = REQUIRED_TOOLS.filter((t) => missing.includes(t.cmd)).map((t) => (facts.packageManager === 'apt' ? t.apt : t.opkg));
  }
  const init: InitKind = device.init !== 'auto' ? device.init : facts.openwrt ? 'procd' : facts.systemd ? 'systemd' : 'plain';
  return { init, missing, packages };
}

export interface PlannedFile {
  path: string;
  mode: number;
  content: string | Buffer;
}

export interface InstallPlan {
  init: InitKind;
  layout: AgentFileLayout;
  agentPath: string;
  /** Directories to create (recorded, removed on delete when empty). */
  dirs: string[];
  files: PlannedFile[];
  start: string;
  stop: string;
  isRunning: string;
  pidFile: string;
  logFile: string;
}

export function layoutFor(installRoot: string, init: InitKind): AgentFileLayout {
  const r = (p: string) => path.posix.join(installRoot, p);
  return {
    configFile: r('/etc/octavia/amphora-agent.conf'),
    basePath: r('/var/lib/octavia'),
    certDir: r('/var/lib/octavia/certs'),
    serverCert: r('/etc/octavia/certs/server.pem'),
    clientCa: r('/etc/octavia/certs/client_ca.pem'),
    networkDir: r('/etc/octavia/interfaces'),
    platform: init === 'plain' ? 'netns' : init,
  };
}

export function renderSystemdUnit(agentPath: string, configFile: string): string {
  return [
    '[Unit]',
    'Description=octavia-ts amphora agent (adopted device)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    `ExecStart=/usr/bin/env node ${agentPath} --config-file ${configFile} --platform systemd`,
    'Restart=always',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function renderProcdScript(agentPath: string, configFile: string): string {
  return [
    '#!/bin/sh /etc/rc.common',
    '# octavia-ts amphora agent; installed by the octavia-ts ssh compute driver.',
    'USE_PROCD=1',
    'START=99',
    'STOP=01',
    '',
    'start_service() {',
    '\tprocd_open_instance',
    `\tprocd_set_param command /usr/bin/node ${shq(agentPath)} --config-file ${shq(configFile)} --platform procd`,
    '\tprocd_set_param respawn 3600 5 0',
    '\tprocd_set_param stdout 1',
    '\tprocd_set_param stderr 1',
    '\tprocd_close_instance',
    '}',
    '',
  ].join('\n');
}

/** Everything the driver puts on a device for one amphora, and the commands that start and stop it. */
export function buildInstallPlan(
  device: ReturnType<typeof validateDevice>,
  init: InitKind,
  boot: AmphoraBootConfig,
  pems: { serverPem: string; clientCaPem: string },
  agentBundle: Buffer,
): InstallPlan {
  const root = device.installRoot;
  const r = (p: string) => path.posix.join(root, p);
  const layout = layoutFor(root, init);
  const agentPath = r('/opt/octavia-ts/amphora-agent.js');
  const pidFile = r('/var/lib/octavia/agent.pid');
  const logFile = r('/var/lib/octavia/agent.log');
  const conf = renderAgentConf(boot, layout);
  const files: PlannedFile[] = [
    { path: agentPath, mode: 0o755, content: agentBundle },
    { path: layout.serverCert, mode: 0o600, content: pems.serverPem },
    { path: layout.clientCa, mode: 0o644, content: pems.clientCaPem },
    { path: layout.configFile, mode: 0o600, content: conf },
  ];
  const dirs = [r('/opt/octavia-ts'), r('/etc/octavia'), r('/etc/octavia/certs'), layout.networkDir, layout.basePath, layout.certDir];
  let start: string;
  let stop: string;
  let isRunning: string;
  if (init === 'systemd') {
    const unit = `/etc/systemd/system/${SERVICE_NAME}.service`;
    files.push({ path: unit, mode: 0o644, content: renderSystemdUnit(agentPath, layout.configFile) });
    start = `systemctl daemon-reload && systemctl enable --now ${SERVICE_NAME}.service`;
    stop = `systemctl disable --now ${SERVICE_NAME}.service; rm -f ${shq(unit)}; systemctl daemon-reload`;
    isRunning = `systemctl is-active --quiet ${SERVICE_NAME}.service`;
  } else if (init === 'procd') {
    const script = `/etc/init.d/${SERVICE_NAME}`;
    files.push({ path: script, mode: 0o755, content: renderProcdScript(agentPath, layout.configFile) });
    start = `${script} enable && ${script} start`;
    stop = `[ -x ${script} ] && { ${script} stop; ${script} disable; }; true`;
    isRunning = `${script} running`;
  } else {
    // No service manager (containers, minimal hosts): a detached process with a pid file.
    const alive = `[ -f ${shq(pidFile)} ] && p=$(cat ${shq(pidFile)}) && [ -r /proc/$p/cmdline ] && tr '\\0' ' ' < /proc/$p/cmdline | grep -qF ${shq(agentPath)}`;
    start =
      `if ! { ${alive}; }; then cd / && (setsid node ${shq(agentPath)} --config-file ${shq(layout.configFile)} --platform netns ` +
      `>>${shq(logFile)} 2>&1 </dev/null & echo $! > ${shq(pidFile)}); fi`;
    stop = `if ${alive}; then kill "$p"; i=0; while [ -d /proc/$p ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; [ -d /proc/$p ] && kill -9 "$p"; fi; true`;
    isRunning = alive;
  }
  return { init, layout, agentPath, dirs, files, start, stop, isRunning, pidFile, logFile };
}

/** What was installed, kept on the device next to the config, so delete removes exactly that. */
export interface Manifest {
  amphoraId: string;
  init: InitKind;
  createdDirs: string[];
  files: string[];
  packages: string[];
  packageManager: 'apt' | 'opkg' | null;
  extraFiles: string[];
}

export function manifestPath(installRoot: string): string {
  return path.posix.join(installRoot, '/etc/octavia/octavia-ts-ssh-manifest.json');
}

/** Commands that undo a manifest: stop, remove files, then the directories we created (deepest first, only if empty), then packages. */
export function uninstallScript(m: Manifest, stop: string, installRoot: string): string {
  const files = [...m.files, ...m.extraFiles, manifestPath(installRoot)];
  const dirs = [...m.createdDirs].sort((a, b) => b.length - a.length);
  const pkg =
    m.packages.length === 0
      ? []
      : m.packageManager === 'apt'
        ? [`DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 remove -y ${m.packages.map(shq).join(' ')} >/dev/null`]
        : [`opkg remove ${m.packages.map(shq).join(' ')} >/dev/null`];
  return [
    REMOTE_PATH,
    stop,
    ...files.map((f) => `rm -f ${shq(f)}`),
    // State the agent wrote below our own directories (HAProxy configs, pid files, logs).
    ...dirs.filter((d) => d.endsWith('/var/lib/octavia') || d.endsWith('/etc/octavia/interfaces')).map((d) => `rm -rf ${shq(d)}`),
    ...dirs.map((d) => `rmdir ${shq(d)} 2>/dev/null`),
    ...pkg,
    'true',
  ].join('\n');
}
