import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalCertificateAuthority } from '../../../../../certificates/src';
import { AmphoraBootConfig, VM_LAYOUT } from '../amphora-config';
import { readConfigDriveFile, writeConfigDrive } from '../config-drive';
import { findLinkByMac, installAgentFiles, layoutFromArgs, readConfigDrive } from './firstboot';

const ca = LocalCertificateAuthority.create({ commonName: 'spec CA' });

function config(): AmphoraBootConfig {
  return {
    version: 1,
    amphora_id: randomUUID(),
    topology: 'SINGLE',
    agent: { bind_port: 9443, heartbeat_key: 'key', heartbeat_interval: 10, controller_ip_port_list: ['172.16.0.1:5555'] },
    management: { mac: 'fa:16:3e:00:00:02', address: '172.16.0.11', prefix_length: 24, controller_ip: '172.16.0.1' },
  };
}

describe('first boot', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'firstboot-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a link by MAC in a sysfs-like tree', () => {
    for (const [name, mac] of [['lo', '00:00:00:00:00:00'], ['ens3', 'fa:16:3e:00:00:02'], ['ens4', 'fa:16:3e:00:00:03']]) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'address'), `${mac}\n`);
    }
    expect(findLinkByMac('FA:16:3E:00:00:03', dir)).toBe('ens4');
    expect(findLinkByMac('fa:16:3e:00:00:09', dir)).toBeNull();
  });

  it('writes the agent files on first boot only, with private key modes', () => {
    const cfg = config();
    const server = ca.issueServerCertificate(cfg.amphora_id);
    const drive = { config: cfg, serverPem: server.bundlePem, clientCaPem: ca.certificatePem };
    expect(installAgentFiles(dir, drive)).toBe(true);
    const conf = readFileSync(dir + VM_LAYOUT.configFile, 'utf8');
    expect(conf).toContain(`amphora_id = ${cfg.amphora_id}`);
    expect(statSync(dir + VM_LAYOUT.serverCert).mode & 0o777).toBe(0o600);
    expect(statSync(dir + VM_LAYOUT.configFile).mode & 0o777).toBe(0o600);
    expect(existsSync(dir + VM_LAYOUT.basePath)).toBe(true);
    // A rotated certificate survives a reboot: the second boot keeps what is there.
    writeFileSync(dir + VM_LAYOUT.serverCert, 'rotated');
    expect(installAgentFiles(dir, drive)).toBe(false);
    expect(readFileSync(dir + VM_LAYOUT.serverCert, 'utf8')).toBe('rotated');
  });

  it('round-trips through a real vfat config drive (mkfs.vfat + mtools) and refuses a tampered one', async () => {
    const cfg = config();
    const server = ca.issueServerCertificate(cfg.amphora_id);
    const img = path.join(dir, 'config.img');
    await writeConfigDrive(img, cfg, server.bundlePem, ca.certificatePem);
    const out = path.join(dir, 'mnt');
    mkdirSync(out);
    for (const f of ['amphora.json', 'server.pem', 'client_ca.pem']) writeFileSync(path.join(out, f), await readConfigDriveFile(img, f));
    const read = readConfigDrive(out);
    expect(read.config.amphora_id).toBe(cfg.amphora_id);
    expect(read.serverPem).toBe(server.bundlePem);
    const tampered = JSON.parse(readFileSync(path.join(out, 'amphora.json'), 'utf8'));
    tampered.agent.heartbeat_key = 'x\n[amphora_agent]\nplatform = netns';
    writeFileSync(path.join(out, 'amphora.json'), JSON.stringify(tampered));
    expect(() => readConfigDrive(out)).toThrow(/heartbeat_key/);
  });

  it('takes the platform from --platform (systemd on the Debian image, procd on OpenWrt)', () => {
    expect(layoutFromArgs([]).platform).toBe('systemd');
    expect(layoutFromArgs(['--platform', 'procd'])).toEqual({ ...VM_LAYOUT, platform: 'procd' });
    expect(() => layoutFromArgs(['--platform', 'netns'])).toThrow(/--platform/);
    const cfg = config();
    installAgentFiles(dir, { config: cfg, serverPem: ca.issueServerCertificate(cfg.amphora_id).bundlePem, clientCaPem: ca.certificatePem }, layoutFromArgs(['--platform', 'procd']));
    expect(readFileSync(dir + VM_LAYOUT.configFile, 'utf8')).toContain('platform = procd');
  });

  it('refuses to write a config drive from a bad document', async () => {
    const cfg = config();
    (cfg.management as { mac: string }).mac = 'nonsense';
    await expect(writeConfigDrive(path.join(dir, 'c.img'), cfg, ca.issueServerCertificate(cfg.amphora_id).bundlePem, ca.certificatePem)).rejects.toThrow(/MAC/);
    expect(existsSync(path.join(dir, 'c.img'))).toBe(false);
  });
});
