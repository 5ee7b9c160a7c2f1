import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SshComputeDriver } from '../../libs/drivers/src/compute/ssh/ssh.compute-driver';
import { AmphoraIdentity, randomMac, ROOT } from '../vm/vm.fixture';
import { SshdDevice } from './sshd.fixture';
import { randomUUID } from 'node:crypto';
import { AmphoraClient } from '../../libs/drivers/src/amphora/amphora-client';
import { run } from '../../libs/drivers/src/util/exec';
import { renderHaproxyConfig } from '../../libs/renderers/src';
import { startBackend } from '../agent/agent.fixture';

/**
 * The ssh compute driver against a real OpenSSH server in a namespace: adoption (device checks, files,
 * a detached agent process since this host runs no systemd), the agent answering over mutual TLS, host
 * keys that do not match refused before anything is installed, and removal of exactly what was installed.
 */
jest.setTimeout(300_000);

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      out.push(path.relative(dir, p) + (e.isDirectory() ? '/' : ''));
      if (e.isDirectory()) await walk(p);
    }
  }
  await walk(dir);
  return out.sort();
}

describe('ssh compute driver', () => {
  const dev = new SshdDevice();
  const dataDir = path.join(tmpdir(), `ssh-driver-test-${randomBytes(3).toString('hex')}`);
  const bundle = path.join(dataDir, 'amphora-agent.js');
  let fingerprint = '';

  beforeAll(async () => {
    await dev.start();
    fingerprint = await dev.fingerprint();
    await fs.mkdir(dataDir, { recursive: true });
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { bundleAgent } = require(path.join(ROOT, 'scripts/bundle-agent.js')) as { bundleAgent(o: { outfile: string }): Promise<string> };
    await bundleAgent({ outfile: bundle });
  });

  afterAll(async () => {
    await dev.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  function driverWith(device: Record<string, unknown> = {}, opts: { agentBundle?: string; readyTimeoutMs?: number } = {}): SshComputeDriver {
    return new SshComputeDriver({
      dataDir,
      agentBundle: opts.agentBundle ?? bundle,
      readyTimeoutMs: opts.readyTimeoutMs,
      knownHostsFile: dev.knownHostsFile,
      devices: [
        {
          name: 'edge1',
          host: dev.deviceIp,
          port: dev.port,
          username: 'root',
          privateKeyFile: dev.clientKeyFile,
          installRoot: dev.installRoot,
          ...device,
        },
      ],
    });
  }

  function request(id: AmphoraIdentity) {
    return id.createRequest({ ip: dev.deviceIp, prefixLength: 30, controllerIp: dev.controllerIp, bridge: null, mac: randomMac() });
  }

  it('refuses a pinned fingerprint that does not match, before installing anything', async () => {
    const other = await dev.otherKey();
    const wrong = (await import('node:child_process')).execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', other], { encoding: 'utf8' }).split(' ')[1];
    const driver = driverWith({ hostKeyFingerprint: wrong });
    await expect(driver.create(request(new AmphoraIdentity()))).rejects.toThrow(/host key mismatch/);
    expect(await listTree(dev.installRoot)).toEqual([]);
    // The device was given back: nothing allocated.
    expect(await driver.exists('ssh-edge1')).toBe(false);
  });

  it('refuses a known_hosts entry with another key, and an unknown host', async () => {
    await dev.writeKnownHosts(await dev.otherKey());
    await expect(driverWith().create(request(new AmphoraIdentity()))).rejects.toThrow(/host key mismatch/);
    await fs.writeFile(dev.knownHostsFile, '');
    await expect(driverWith().create(request(new AmphoraIdentity()))).rejects.toThrow(/no known_hosts entry/);
    expect(await listTree(dev.installRoot)).toEqual([]);
  });

  it('adopts the device (known_hosts), the agent answers over mTLS, and delete removes exactly what was installed', async () => {
    await dev.writeKnownHosts();
    // Something of the device's own that must survive adoption and removal.
    await fs.mkdir(path.join(dev.installRoot, 'etc'), { recursive: true });
    await fs.writeFile(path.join(dev.installRoot, 'etc', 'hostname'), 'edge1\n');
    const before = await listTree(dev.installRoot);

    const driver = driverWith();
    const id = new AmphoraIdentity();
    const t0 = Date.now();
    const inst = await driver.create(request(id));
    expect(inst).toEqual({ computeId: 'ssh-edge1', managementIp: dev.deviceIp });
    const seconds = await id.waitForAgent(dev.deviceIp, 30_000);
    process.stdout.write(`adoption → agent answering over mTLS: ${((Date.now() - t0) / 1000).toFixed(1)} s (${seconds.toFixed(1)} s after create returned)\n`);
    const info = await id.request(dev.deviceIp, 'GET', '/1.0/info');
    expect(info.status).toBe(200);
    expect(JSON.parse(info.text).api_version).toBe('1.0');
    expect(JSON.parse(info.text).haproxy_version).toMatch(/\d+\.\d+/);
    // mTLS: a client certificate from another CA gets no answer.
    const stranger = (await import('../../libs/certificates/src')).LocalCertificateAuthority.create({ commonName: 'x' }).issueClientCertificate('intruder');
    await expect(id.request(dev.deviceIp, 'GET', '/1.0/info', { identity: { key: stranger.privateKeyPem, cert: stranger.certificatePem } })).rejects.toThrow();

    const conf = await fs.readFile(path.join(dev.installRoot, 'etc/octavia/amphora-agent.conf'), 'utf8');
    expect(conf).toContain(`amphora_id = ${id.amphoraId}`);
    expect(conf).toContain('platform = netns');
    expect((await fs.stat(path.join(dev.installRoot, 'etc/octavia/certs/server.pem'))).mode & 0o777).toBe(0o600);
    expect(await driver.exists('ssh-edge1')).toBe(true);
    // The worker renders HAProxy configs and PUT /1.0/config with the device's own paths.
    expect(driver.agentPathsFor(id.amphoraId, dev.deviceIp)).toEqual({
      basePath: path.join(dev.installRoot, 'var/lib/octavia'),
      certDir: path.join(dev.installRoot, 'var/lib/octavia/certs'),
      serverCert: path.join(dev.installRoot, 'etc/octavia/certs/server.pem'),
      clientCa: path.join(dev.installRoot, 'etc/octavia/certs/client_ca.pem'),
      networkDir: path.join(dev.installRoot, 'etc/octavia/interfaces'),
      bindHost: dev.deviceIp,
      platform: 'netns',
    });

    // Idempotent: a second create for the same amphora re-installs in place, the agent keeps running.
    await driver.create(request(id));
    expect((await id.request(dev.deviceIp, 'GET', '/')).status).toBe(200);
    // Another amphora gets no device: the only one is taken.
    await expect(driver.create(request(new AmphoraIdentity()))).rejects.toThrow(/no free ssh device/);
    // attachPort only accepts MACs the device really has.
    await expect(driver.attachPort('ssh-edge1', { portId: 'p', networkId: 'n', macAddress: 'fa:16:3e:de:ad:01', bridge: { namespace: null, bridge: 'x' } })).rejects.toThrow(/no link with MAC/);

    const agentPid = Number(await fs.readFile(path.join(dev.installRoot, 'var/lib/octavia/agent.pid'), 'utf8'));
    expect(existsSync(`/proc/${agentPid}`)).toBe(true);
    await driver.delete('ssh-edge1');
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(`/proc/${agentPid}`)).toBe(false);
    expect(await listTree(dev.installRoot)).toEqual(before);
    await expect(id.request(dev.deviceIp, 'GET', '/', { timeoutMs: 3000 })).rejects.toThrow();
    expect(await driver.exists('ssh-edge1')).toBe(false);
    await driver.delete('ssh-edge1');
    await driver.delete('ssh-unknown');
  });

  it('serves HTTP through the adopted device: the controller renders, uploads and reloads HAProxy over mTLS', async () => {
    await dev.writeKnownHosts();
    const driver = driverWith();
    const id = new AmphoraIdentity();
    await driver.create(request(id));
    await id.waitForAgent(dev.deviceIp, 30_000);
    const backend = await startBackend(dev.ns, '127.0.0.1', 8080, 'edge-backend');
    const client = new AmphoraClient({ clientCertPem: id.controller.certificatePem, clientKeyPem: id.controller.privateKeyPem, serverCaPem: id.serverCa.certificatePem });
    try {
      const amp = { id: id.amphoraId, managementIp: dev.deviceIp };
      const lbId = randomUUID();
      const poolId = randomUUID();
      const paths = driver.agentPathsFor(id.amphoraId, dev.deviceIp);
      const config = renderHaproxyConfig(
        {
          id: lbId,
          vip_address: dev.deviceIp,
          listeners: [{ id: randomUUID(), protocol: 'HTTP', protocol_port: 8081, default_pool_id: poolId }],
          pools: [{ id: poolId, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', members: [{ id: randomUUID(), address: '127.0.0.1', protocol_port: 8080 }] }],
        },
        { amphoraId: id.amphoraId, topology: 'SINGLE', basePath: paths.basePath, certDir: paths.certDir, haproxyVersion: (await client.waitForAgent(amp)).haproxy_version },
      );
      expect((await client.uploadHaproxyConfig(amp, lbId, config)).status).toBe(202);
      expect((await client.loadBalancerAction(amp, lbId, 'reload')).status).toBe(202);
      const bodies = new Set<string>();
      for (let i = 0; i < 3; i++) bodies.add(await run(['curl', '-s', '--max-time', '3', `http://${dev.deviceIp}:8081/`]));
      expect([...bodies]).toEqual(['edge-backend']);
      expect((await client.deleteListeners(amp, lbId)).status).toBe(200);
      await expect(run(['curl', '-s', '--max-time', '2', `http://${dev.deviceIp}:8081/`])).rejects.toThrow();
    } finally {
      client.close();
      await backend.stop();
      await driver.delete('ssh-edge1');
    }
  });

  it('undoes a half-done adoption when the agent never listens, and frees the device', async () => {
    await dev.writeKnownHosts();
    const before = await listTree(dev.installRoot);
    const broken = path.join(dataDir, 'broken-agent.js');
    await fs.writeFile(broken, 'process.exit(3);\n');
    await expect(driverWith({}, { agentBundle: broken, readyTimeoutMs: 4000 }).create(request(new AmphoraIdentity()))).rejects.toThrow(/did not listen/);
    expect(await listTree(dev.installRoot)).toEqual(before);
    expect(await driverWith().exists('ssh-edge1')).toBe(false);
  });

  it('adopts with a pinned fingerprint and no known_hosts file', async () => {
    await fs.rm(dev.knownHostsFile, { force: true });
    const driver = driverWith({ hostKeyFingerprint: fingerprint });
    const id = new AmphoraIdentity();
    await driver.create(request(id));
    expect((await id.request(dev.deviceIp, 'GET', '/1.0/info')).status).toBe(200);
    await driver.delete('ssh-edge1');
    expect(await listTree(dev.installRoot)).toEqual(['etc/', 'etc/hostname']);
  });
});
