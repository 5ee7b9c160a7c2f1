import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { QemuComputeDriver } from '../../libs/drivers/src/compute/qemu/qemu.compute-driver';
import { AmphoraIdentity, ensureImage, IMAGE_DIR, ManagementBridge, randomMac, sh } from './vm.fixture';

/**
 * One real VM boot of the Debian image under the qemu driver (TCG here: the KVM probe says no):
 * agent over mTLS from the management bridge, NIC hot-plug onto a bridge inside a namespace (the
 * agent plugs it by MAC and the guest answers pings there), unplug, idempotent create, clean deletion.
 */
jest.setTimeout(1_800_000);

/** TCP connect from inside `ns`: 'refused' (a host answered with RST), 'connected', or the error code. */
async function tcpProbe(ns: string, ip: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'${ip}');s.on('connect',()=>{console.log('connected');process.exit(0)});` +
    `s.on('error',(e)=>{console.log(e.code==='ECONNREFUSED'?'refused':e.code);process.exit(0)});setTimeout(()=>{console.log('timeout');process.exit(0)},3000)`;
  return (await sh(['ip', 'netns', 'exec', ns, process.execPath, '-e', script])).trim();
}

describe('qemu compute driver with the Debian image', () => {
  const mgmt = new ManagementBridge();
  const sw = `vmsw-${randomBytes(3).toString('hex')}`;
  const dataPrefix = `10.${100 + (randomBytes(1)[0] % 100)}.${randomBytes(1)[0]}`;
  const dataDir = path.join(tmpdir(), `qemu-driver-test-${randomBytes(3).toString('hex')}`);
  const id = new AmphoraIdentity();
  let driver: QemuComputeDriver;
  let computeId = '';
  let createSeconds = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    const { output } = await ensureImage();
    process.stdout.write(`image ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${output.trim().split('\n').slice(-2).join(' | ')}\n`);
    await mgmt.create();
    await sh(['ip', 'netns', 'add', sw]);
    await sh(['ip', '-n', sw, 'link', 'set', 'lo', 'up']);
    await sh(['ip', '-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await sh(['ip', '-n', sw, 'addr', 'add', `${dataPrefix}.1/24`, 'dev', 'br0']);
    await sh(['ip', '-n', sw, 'link', 'set', 'br0', 'up']);
    driver = new QemuComputeDriver({ dataDir, imageDir: IMAGE_DIR, memoryMb: 512 });
  });

  afterAll(async () => {
    if (computeId) await driver.delete(computeId).catch(() => undefined);
    await sh(['ip', 'netns', 'del', sw]).catch(() => undefined);
    await mgmt.destroy();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('boots an amphora whose agent answers over mutual TLS on the management bridge', async () => {
    const req = id.createRequest({ ip: mgmt.amphoraIp(1), prefixLength: 24, controllerIp: mgmt.controllerIp, bridge: { namespace: null, bridge: mgmt.bridge }, mac: randomMac() });
    const t0 = Date.now();
    const inst = await driver.create(req);
    computeId = inst.computeId;
    expect(inst).toEqual({ computeId: `qemu-${id.amphoraId}`, managementIp: mgmt.amphoraIp(1) });
    expect(await driver.exists(computeId)).toBe(true);
    // create returns once the serial console shows the agent listening (the controller then connects at once).
    expect(await fs.readFile(driver.serialLogPath(computeId), 'utf8')).toContain('amphora-agent: agent API listening');
    // The management TAP is on the management bridge.
    const [mgmtTap] = await driver.tapsOf(computeId);
    expect(await sh(['ip', '-o', 'link', 'show', 'dev', mgmtTap.tap])).toContain(`master ${mgmt.bridge}`);

    const milestones = await driver.waitForBoot(computeId, 600_000);
    const agentSeconds = await id.waitForAgent(inst.managementIp, 300_000);
    createSeconds = (Date.now() - t0) / 1000;
    process.stdout.write(`boot milestones ${JSON.stringify(milestones)}; create → agent ready ${createSeconds.toFixed(1)} s\n`);

    const info = await id.request(inst.managementIp, 'GET', '/1.0/info');
    expect(info.status).toBe(200);
    const body = JSON.parse(info.text);
    expect(body.api_version).toBe('1.0');
    expect(body.haproxy_version).toMatch(/^2\./);
    expect(body.keepalived_version).toMatch(/^2\./);
    expect(agentSeconds).toBeGreaterThanOrEqual(0);

    // A client certificate from another CA is refused.
    const stranger = (await import('../../libs/certificates/src')).LocalCertificateAuthority.create({ commonName: 'stranger' }).issueClientCertificate('intruder');
    await expect(id.request(inst.managementIp, 'GET', '/1.0/info', { identity: { key: stranger.privateKeyPem, cert: stranger.certificatePem } })).rejects.toThrow();

    // The serial log is kept under the data dir and shows the first-boot step.
    expect(await fs.readFile(driver.serialLogPath(computeId), 'utf8')).toContain(`amphora-firstboot: amphora ${id.amphoraId}`);
  });

  it('is idempotent: a second create finds the running VM', async () => {
    const pidBefore = JSON.parse(await fs.readFile(path.join(driver.vmDir(computeId), 'state.json'), 'utf8')).pid;
    const again = await driver.create(id.createRequest({ ip: mgmt.amphoraIp(1), prefixLength: 24, controllerIp: mgmt.controllerIp, bridge: { namespace: null, bridge: mgmt.bridge }, mac: randomMac() }));
    expect(again.computeId).toBe(computeId);
    expect(JSON.parse(await fs.readFile(path.join(driver.vmDir(computeId), 'state.json'), 'utf8')).pid).toBe(pidBefore);
  });

  it('hot-plugs a NIC on a bridge inside a namespace; the agent plugs it by MAC and the guest answers there', async () => {
    const portId = randomUUID();
    const mac = randomMac();
    await driver.attachPort(computeId, { portId, networkId: randomUUID(), macAddress: mac, bridge: { namespace: sw, bridge: 'br0' } });
    await driver.attachPort(computeId, { portId, networkId: randomUUID(), macAddress: mac, bridge: { namespace: sw, bridge: 'br0' } });
    const tap = (await driver.tapsOf(computeId)).find((t) => t.portId === portId)!;
    expect(tap.namespace).toBe(sw);
    expect(await sh(['ip', '-n', sw, '-o', 'link', 'show', 'dev', tap.tap])).toMatch(/master br0.*state UP|state UP.*master br0|master br0/);
    // The TAP lives only in the namespace, not in the root namespace.
    await expect(sh(['ip', 'link', 'show', 'dev', tap.tap])).rejects.toThrow();

    // The guest needs a moment to see the hot-plugged PCI device.
    let plug = { status: 0, text: '' };
    for (let i = 0; i < 60; i++) {
      plug = await id.request(mgmt.amphoraIp(1), 'POST', '/1.0/plug/network', {
        json: { mac_address: mac, fixed_ips: [{ ip_address: `${dataPrefix}.20`, subnet_cidr: `${dataPrefix}.0/24`, host_routes: [] }], mtu: 1500 },
        timeoutMs: 60_000,
      });
      if (plug.status === 202) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    expect(plug.status).toBe(202);
    expect(plug.text).toMatch(/Plugged on interface eth\d/);
    // No ping here: a TCP SYN to a closed port answered by RST proves the guest's link in the namespace is up.
    let answer = '';
    for (let i = 0; i < 20 && answer !== 'refused'; i++) answer = await tcpProbe(sw, `${dataPrefix}.20`, 9);
    expect(answer).toBe('refused');

    await driver.detachPort(computeId, portId);
    await driver.detachPort(computeId, portId);
    expect((await driver.tapsOf(computeId)).some((t) => t.portId === portId)).toBe(false);
    await expect(sh(['ip', '-n', sw, 'link', 'show', 'dev', tap.tap])).rejects.toThrow();
    expect(await tcpProbe(sw, `${dataPrefix}.20`, 9)).not.toBe('refused');
  });

  it('deletes cleanly: QEMU gone, TAPs gone, overlay gone, serial log kept; a second delete is a no-op', async () => {
    const state = JSON.parse(await fs.readFile(path.join(driver.vmDir(computeId), 'state.json'), 'utf8'));
    const taps = await driver.tapsOf(computeId);
    await driver.delete(computeId);
    expect(existsSync(`/proc/${state.pid}`)).toBe(false);
    for (const t of taps) await expect(sh(t.namespace ? ['ip', '-n', t.namespace, 'link', 'show', 'dev', t.tap] : ['ip', 'link', 'show', 'dev', t.tap])).rejects.toThrow();
    expect(existsSync(driver.vmDir(computeId))).toBe(false);
    expect(existsSync(driver.serialLogPath(computeId))).toBe(true);
    expect(await driver.exists(computeId)).toBe(false);
    await driver.delete(computeId);
    computeId = '';
  });
});
