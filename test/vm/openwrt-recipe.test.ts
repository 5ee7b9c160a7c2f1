import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { renderLoadBalancer } from '../agent/haproxy-config.fixture';
import { AmphoraIdentity, ROOT, sh } from './vm.fixture';

/**
 * The OpenWrt recipe, as far as it can be checked without the ImageBuilder (which cannot be downloaded
 * here): the FILES= overlay it generates, the procd init script and uci-defaults under `sh -n` and with
 * procd's functions stubbed, the package list, and the agent bundle itself running with `--platform procd`
 * (agent API over mTLS; an uploaded HAProxy config becomes a procd init script that `sh -n` accepts).
 */
jest.setTimeout(120_000);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

describe('OpenWrt recipe', () => {
  const dir = mkdtempSync(path.join(existsSync('/run') ? '/run' : '/tmp', 'owrt-'));
  const files = path.join(dir, 'files');
  let agent: ChildProcess | null = null;

  beforeAll(async () => {
    await sh(['bash', path.join(ROOT, 'images/openwrt/build.sh'), '--files-only', files], { timeoutMs: 120_000 });
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
    }
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('generates the overlay: agent, first-boot step, procd script, uci-defaults', async () => {
    for (const f of ['opt/octavia-ts/amphora-agent.js', 'opt/octavia-ts/amphora-firstboot.js', 'etc/init.d/octavia-amphora-agent', 'etc/uci-defaults/90-octavia-amphora']) {
      expect(existsSync(path.join(files, f))).toBe(true);
    }
    expect((await fs.stat(path.join(files, 'etc/init.d/octavia-amphora-agent'))).mode & 0o111).toBeTruthy();
    const pkgs = (await fs.readFile(path.join(files, 'etc/octavia/image-packages.txt'), 'utf8')).split(' ');
    for (const p of ['node', 'haproxy', 'keepalived', 'ip-full', 'kmod-fs-vfat', 'blkid']) expect(pkgs).toContain(p);
    expect(pkgs).toContain('-dnsmasq');
    // Neither bundle may need npm packages: plain node -c parses them.
    execFileSync(process.execPath, ['--check', path.join(files, 'opt/octavia-ts/amphora-agent.js')]);
    execFileSync(process.execPath, ['--check', path.join(files, 'opt/octavia-ts/amphora-firstboot.js')]);
  });

  it('has a procd init script that runs the first-boot step, then the agent under procd', async () => {
    const script = path.join(files, 'etc/init.d/octavia-amphora-agent');
    execFileSync('sh', ['-n', script]);
    // procd's helpers stubbed; NODE replaced by echo: what start_service would hand to procd.
    const out = execFileSync('sh', ['-c', `. ${script}; NODE=echo; procd_open_instance() { echo "open $*"; }; procd_set_param() { echo "param $*"; }; procd_close_instance() { echo close; }; start_service`], { encoding: 'utf8' });
    expect(out.split('\n')).toEqual([
      '/opt/octavia-ts/amphora-firstboot.js --platform procd',
      'open amphora-agent',
      'param command echo /opt/octavia-ts/amphora-agent.js --config-file /etc/octavia/amphora-agent.conf --platform procd',
      'param respawn 3600 5 0',
      'param stdout 1',
      'param stderr 1',
      'close',
      '',
    ]);
    // A failing first-boot step means no agent instance.
    const failed = execFileSync('sh', ['-c', `. ${script}; NODE=false; procd_open_instance() { echo open; }; start_service; echo "rc=$?"`], { encoding: 'utf8' });
    expect(failed.trim()).toBe('rc=1');
  });

  it('has uci-defaults that sh accepts and that drop the LAN/WAN, disable dropbear and enable the agent', async () => {
    const f = path.join(files, 'etc/uci-defaults/90-octavia-amphora');
    execFileSync('sh', ['-n', f]);
    const text = await fs.readFile(f, 'utf8');
    expect(text).toContain('uci -q delete network.lan');
    expect(text).toContain('/etc/init.d/dropbear disable');
    expect(text).toContain('/etc/init.d/octavia-amphora-agent enable');
    expect(text.trimEnd().endsWith('exit 0')).toBe(true);
  });

  it('runs the bundled agent with --platform procd: mTLS API, HAProxy configs become procd init scripts', async () => {
    const id = new AmphoraIdentity();
    const port = await freePort();
    const state = path.join(dir, 'state');
    const initDir = path.join(dir, 'init.d');
    await fs.mkdir(initDir, { recursive: true });
    await fs.writeFile(path.join(dir, 'server.pem'), id.server.bundlePem, { mode: 0o600 });
    await fs.writeFile(path.join(dir, 'client_ca.pem'), id.controllerCa.certificatePem);
    const conf = path.join(dir, 'amphora-agent.conf');
    await fs.writeFile(
      conf,
      [
        '[haproxy_amphora]', `base_path = ${state}`, `base_cert_dir = ${state}/certs`, 'bind_host = 127.0.0.1', `bind_port = ${port}`,
        '[health_manager]', 'controller_ip_port_list = 127.0.0.1:9', 'heartbeat_interval = 60', 'heartbeat_key = k',
        '[amphora_agent]', `amphora_id = ${id.amphoraId}`, `agent_server_cert = ${dir}/server.pem`, `agent_server_ca = ${dir}/client_ca.pem`,
        `agent_server_network_dir = ${dir}/interfaces`, `procd_init_dir = ${initDir}`, '',
      ].join('\n'),
    );
    agent = spawn(process.execPath, [path.join(files, 'opt/octavia-ts/amphora-agent.js'), '--config-file', conf, '--platform', 'procd'], { stdio: 'ignore', cwd: '/' });
    await id.waitForAgent('127.0.0.1', 20_000, port);
    expect(JSON.parse((await id.request('127.0.0.1', 'GET', '/1.0/info', { port })).text).api_version).toBe('1.0');

    const lbId = randomUUID();
    const cfg = renderLoadBalancer({ statePath: state, lbId, listenerId: randomUUID(), poolId: randomUUID(), vip: '127.0.0.1', port: await freePort(), members: [] });
    const put = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = require('node:https').request(
        { host: '127.0.0.1', port, method: 'PUT', path: `/1.0/loadbalancer/${id.amphoraId}/${lbId}/haproxy`, key: id.controller.privateKeyPem, cert: id.controller.certificatePem, ca: id.serverCa.certificatePem, servername: id.amphoraId, headers: { 'Content-Length': Buffer.byteLength(cfg) } },
        (res: import('node:http').IncomingMessage) => {
          let t = '';
          res.on('data', (c: Buffer) => (t += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
        },
      );
      req.on('error', reject);
      req.end(cfg);
    });
    // This host has no procd (/etc/rc.common), so starting the service cannot succeed here; the script must be written and valid.
    const scripts = await fs.readdir(initDir);
    process.stdout.write(`procd init scripts written: ${scripts.join(", ")}\n`);
    expect(scripts).toContain(`haproxy-${lbId}`);
    const initScript = path.join(initDir, `haproxy-${lbId}`);
    const text = await fs.readFile(initScript, 'utf8');
    expect(text.startsWith('#!/bin/sh /etc/rc.common')).toBe(true);
    expect(text).toContain('USE_PROCD=1');
    expect(text).toContain('procd_set_param command');
    execFileSync('sh', ['-n', initScript]);
    process.stdout.write(`haproxy upload under --platform procd on a host without procd: HTTP ${put.status} ${put.text.slice(0, 200)}\n`);
  });
});
