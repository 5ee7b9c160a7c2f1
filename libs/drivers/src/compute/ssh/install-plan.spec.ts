import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AmphoraBootConfig } from '../qemu/amphora-config';
import {
  assessDevice,
  buildInstallPlan,
  DeviceError,
  factsScript,
  parseFacts,
  renderProcdScript,
  renderSystemdUnit,
  shq,
  uninstallScript,
  validateDevice,
} from './install-plan';

const device = validateDevice({ name: 'edge1', host: '10.0.0.2', privateKeyFile: '/etc/octavia/ssh/id_ed25519' });
const boot: AmphoraBootConfig = {
  version: 1,
  amphora_id: randomUUID(),
  topology: 'SINGLE',
  agent: { bind_port: 9443, heartbeat_key: 'k', heartbeat_interval: 10, controller_ip_port_list: ['10.0.0.1:5555'] },
  management: { mac: '02:00:00:00:00:01', address: '10.0.0.2', prefix_length: 32, controller_ip: '10.0.0.1' },
};
const facts = parseFacts(
  ['ARCH=x86_64', 'FREE_KB=500000', 'SYSTEMD=1', 'PKG=apt', 'HAVE_haproxy=/usr/sbin/haproxy', 'HAVE_keepalived=/usr/sbin/keepalived', 'HAVE_node=/usr/bin/node', 'HAVE_ip=/usr/sbin/ip', 'NODE_VERSION=v18.19.0', 'UID=0'].join('\n'),
);

describe('device validation', () => {
  it('fills defaults', () => {
    expect(device).toMatchObject({ port: 22, username: 'root', installRoot: '/', init: 'auto', installPackages: false, managementIp: '10.0.0.2' });
  });
  it.each([
    [{ name: 'a b' }, /name/],
    [{ host: '10.0.0.2; reboot' }, /host/],
    [{ port: 0 }, /port/],
    [{ username: 'root\n' }, /username/],
    [{ privateKeyFile: 'id_rsa' }, /privateKeyFile/],
    [{ hostKeyFingerprint: 'MD5:aa:bb' }, /hostKeyFingerprint/],
    [{ installRoot: '/opt/../etc' }, /installRoot/],
    [{ installRoot: "/opt/x'y" }, /installRoot/],
    [{ init: 'upstart' }, /init/],
  ])('refuses %p', (over, re) => {
    expect(() => validateDevice({ name: 'edge1', host: '10.0.0.2', privateKeyFile: '/k', ...(over as object) } as never)).toThrow(re);
  });
});

describe('device assessment', () => {
  it('picks systemd, procd or a plain process', () => {
    expect(assessDevice(device, facts).init).toBe('systemd');
    expect(assessDevice(device, { ...facts, openwrt: true }).init).toBe('procd');
    expect(assessDevice(device, { ...facts, systemd: false }).init).toBe('plain');
    expect(assessDevice({ ...device, init: 'plain' }, facts).init).toBe('plain');
  });
  it('refuses unsupported, full, non-root or incomplete devices unless packages may be installed', () => {
    expect(() => assessDevice(device, { ...facts, arch: 'sparc64' })).toThrow(/architecture/);
    expect(() => assessDevice(device, { ...facts, freeKb: 100 })).toThrow(/free/);
    expect(() => assessDevice(device, { ...facts, uid: 1000 })).toThrow(/root/);
    expect(() => assessDevice(device, { ...facts, nodeMajor: 12 })).toThrow(/too old/);
    const noHaproxy = { ...facts, tools: { ...facts.tools } };
    delete noHaproxy.tools.haproxy;
    expect(() => assessDevice(device, noHaproxy)).toThrow(/missing haproxy/);
    expect(assessDevice({ ...device, installPackages: true }, noHaproxy).packages).toEqual(['haproxy']);
    expect(assessDevice({ ...device, installPackages: true }, { ...noHaproxy, packageManager: 'opkg', openwrt: true }).packages).toEqual(['haproxy']);
    const noNode = { ...facts, packageManager: 'opkg' as const, tools: { haproxy: 'x', keepalived: 'x' } };
    expect(assessDevice({ ...device, installPackages: true }, noNode).packages).toEqual(['node', 'ip-full']);
    expect(() => assessDevice({ ...device, installPackages: true }, { ...noHaproxy, packageManager: null })).toThrow(/neither apt-get nor opkg/);
  });
  it('runs its probe script through a real shell', () => {
    const out = execFileSync('sh', ['-c', factsScript('/')], { encoding: 'utf8' });
    const f = parseFacts(out);
    expect(f.arch).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
    expect(f.freeKb).toBeGreaterThan(0);
    expect(f.tools.node).toBeDefined();
  });
});

describe('install plans', () => {
  it('installs a systemd unit on systemd devices', () => {
    const plan = buildInstallPlan(device, 'systemd', boot, { serverPem: 'S', clientCaPem: 'C' }, Buffer.from('agent'));
    const unit = plan.files.find((f) => f.path === '/etc/systemd/system/octavia-amphora-agent.service')!;
    expect(unit.content).toContain('ExecStart=/usr/bin/env node /opt/octavia-ts/amphora-agent.js --config-file /etc/octavia/amphora-agent.conf --platform systemd');
    expect(plan.start).toContain('systemctl enable --now octavia-amphora-agent.service');
    expect(plan.files.find((f) => f.path === '/etc/octavia/certs/server.pem')!.mode).toBe(0o600);
    expect(String(plan.files.find((f) => f.path === '/etc/octavia/amphora-agent.conf')!.content)).toContain('platform = systemd');
  });

  it('writes a procd init script that sh -n accepts', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'procd-'));
    try {
      const script = renderProcdScript('/opt/octavia-ts/amphora-agent.js', '/etc/octavia/amphora-agent.conf');
      expect(script.startsWith('#!/bin/sh /etc/rc.common\n')).toBe(true);
      expect(script).toContain("procd_set_param command /usr/bin/node '/opt/octavia-ts/amphora-agent.js' --config-file '/etc/octavia/amphora-agent.conf' --platform procd");
      writeFileSync(path.join(dir, 'agent'), script);
      execFileSync('sh', ['-n', path.join(dir, 'agent')]);
      const plan = buildInstallPlan(device, 'procd', boot, { serverPem: 'S', clientCaPem: 'C' }, Buffer.from('agent'));
      expect(plan.files.some((f) => f.path === '/etc/init.d/octavia-amphora-agent' && f.mode === 0o755)).toBe(true);
      expect(String(plan.files.find((f) => f.path.endsWith('amphora-agent.conf'))!.content)).toContain('platform = procd');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders a systemd unit', () => {
    expect(renderSystemdUnit('/a.js', '/b.conf')).toContain('Restart=always');
  });

  it('quotes every remote value; the uninstall script is valid sh and removes only what the manifest lists', () => {
    expect(shq("it's")).toBe(`'it'\\''s'`);
    expect(execFileSync('sh', ['-c', `printf %s ${shq("a'b $(x) \\n")}`], { encoding: 'utf8' })).toBe("a'b $(x) \\n");
    const root = mkdtempSync(path.join(tmpdir(), 'uninstall-'));
    try {
      const d = validateDevice({ ...device, installRoot: root });
      const plan = buildInstallPlan(d, 'plain', boot, { serverPem: 'S', clientCaPem: 'C' }, Buffer.from('agent'));
      const script = uninstallScript(
        { amphoraId: boot.amphora_id, init: 'plain', createdDirs: [`${root}/opt`, `${root}/opt/octavia-ts`], files: plan.files.map((f) => f.path), packages: ['haproxy'], packageManager: 'apt', extraFiles: [] },
        plan.stop,
        root,
      );
      writeFileSync(path.join(root, 's.sh'), script);
      execFileSync('sh', ['-n', path.join(root, 's.sh')]);
      expect(script).toContain(`rm -f '${root}/opt/octavia-ts/amphora-agent.js'`);
      expect(script).toContain('apt-get -o DPkg::Lock::Timeout=300 remove -y \'haproxy\'');
      expect(script.indexOf(`rmdir '${root}/opt/octavia-ts'`)).toBeLessThan(script.indexOf(`rmdir '${root}/opt'`));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses to build a plan from a bad boot config', () => {
    expect(() => buildInstallPlan(device, 'plain', { ...boot, agent: { ...boot.agent, heartbeat_key: 'a\nb' } }, { serverPem: 'S', clientCaPem: 'C' }, Buffer.alloc(0))).toThrow(/heartbeat_key/);
    expect(DeviceError).toBeDefined();
  });
});
