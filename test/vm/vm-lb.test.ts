import { mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalLbHarness } from '../support/lb-harness';
import { ensureImage, IMAGE_DIR } from './vm.fixture';

/**
 * Load balancers on VM amphorae through the API: the worker's flows with compute_driver = qemu and the
 * local network driver (management bridge in the root namespace, tenant bridges in a namespace).
 * SINGLE (one VM) and ACTIVE_STANDBY (two VMs): create → ACTIVE, traffic through the VIP to a backend,
 * cascade delete → every VM, TAP and overlay gone. Three VM boots.
 */
jest.setTimeout(2_400_000);


describe('load balancers on qemu amphorae', () => {
  let h: LocalLbHarness;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vm-lb-'));

  beforeAll(async () => {
    await ensureImage();
    h = await LocalLbHarness.start({
      // VM state under a data dir of this test's own; images shared (built once).
      env: { OCTAVIA_TS_COMPUTE_DRIVER: 'qemu', OCTAVIA_TS_IMAGE_DIR: IMAGE_DIR, OCTAVIA_TS_DATA_DIR: dataDir },
      // keepalived's VRRP check runs at its 1 s default: the HAProxy check passes from pid files without starting Node.
      ini: '[haproxy_amphora]\nconnection_max_retries = 180\nconnection_retry_interval = 5\n',
    });
  });

  afterAll(async () => {
    if (!h) {
      // beforeAll failed (e.g. the image build): nothing was started.
      await fs.rm(dataDir, { recursive: true, force: true });
      return;
    }
    // Anything a failed test left: delete the VMs through the driver before the harness removes the rest.
    const { QemuComputeDriver } = await import('../../libs/drivers/src/compute/qemu/qemu.compute-driver');
    const driver = new QemuComputeDriver({ dataDir: h.config.dataDir, imageDir: IMAGE_DIR, installMissing: false });
    const ids: Array<{ compute_id: string | null }> = await h.ds.query(`SELECT compute_id FROM amphora`).catch(() => []);
    for (const r of ids) if (r.compute_id?.startsWith('qemu-')) await driver.delete(r.compute_id).catch(() => undefined);
    await h.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  async function vmsRunning(): Promise<string[]> {
    const dir = path.join(h.config.dataDir, 'qemu', 'vms');
    return (await fs.readdir(dir).catch(() => [])).filter((n) => n.startsWith('qemu-'));
  }

  for (const topology of ['SINGLE', 'ACTIVE_STANDBY'] as const) {
    it(`${topology}: create → ACTIVE on VMs, traffic through the VIP, cascade delete removes the VMs`, async () => {
      const net = await h.createNetwork(`vm${topology === 'SINGLE' ? 's' : 'a'}`);
      const client = await h.addHost(net, `c${topology === 'SINGLE' ? 's' : 'a'}`, 50);
      const backend = await h.addHost(net, `b${topology === 'SINGLE' ? 's' : 'a'}`, 11);
      await h.startBackend(backend, net.ip(11), 8080, `backend-${topology}`);
      let flavorId: string | undefined;
      if (topology === 'ACTIVE_STANDBY') {
        const fp = await h.api.call('POST', '/v2/lbaas/flavorprofiles', {
          flavorprofile: { name: 'vm-act-stby', provider_name: 'amphora', flavor_data: JSON.stringify({ loadbalancer_topology: 'ACTIVE_STANDBY' }) },
        });
        expect(fp.status).toBe(201);
        const fl = await h.api.call('POST', '/v2/lbaas/flavors', { flavor: { name: 'vm-act-stby', flavor_profile_id: fp.body.flavorprofile.id, enabled: true } });
        expect(fl.status).toBe(201);
        flavorId = fl.body.flavor.id;
      }
      const t0 = Date.now();
      const res = await h.api.call('POST', '/v2/lbaas/loadbalancers', {
        loadbalancer: {
          name: `vm-${topology}`,
          vip_subnet_id: net.subnetId,
          ...(flavorId ? { flavor_id: flavorId } : {}),
          listeners: [{ protocol: 'HTTP', protocol_port: 80, default_pool: { name: 'pool1', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', members: [{ address: net.ip(11), protocol_port: 8080 }] } }],
        },
      });
      expect({ status: res.status, body: res.status === 201 ? null : res.body }).toEqual({ status: 201, body: null });
      const lbId = res.body.loadbalancer.id;
      const vip = res.body.loadbalancer.vip_address;
      await h.waitLbStatus(lbId, 'ACTIVE', 1_500_000);
      const activeSeconds = (Date.now() - t0) / 1000;
      let body = '';
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && !(body = await h.curl(client, `http://${vip}/`, 3)).startsWith('backend')) await new Promise((r) => setTimeout(r, 500));
      if (body !== `backend-${topology}`) {
        // What the amphorae said (their journal goes to the serial console): printed before failing.
        const logs = path.join(h.config.dataDir, 'qemu', 'logs');
        for (const f of await fs.readdir(logs).catch(() => [])) {
          process.stdout.write(`==== ${f}\n${(await fs.readFile(path.join(logs, f), 'utf8')).split('\n').slice(-80).join('\n')}\n`);
        }
      }
      expect(body).toBe(`backend-${topology}`);
      process.stdout.write(`${topology}: create → ACTIVE ${activeSeconds.toFixed(1)} s, first byte via VIP ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

      const amps: Array<{ compute_id: string; role: string }> = await h.ds.query(`SELECT compute_id, role FROM amphora WHERE load_balancer_id = $1 AND status <> 'DELETED'`, [lbId]);
      expect(amps.length).toBe(topology === 'SINGLE' ? 1 : 2);
      for (const a of amps) expect(a.compute_id).toMatch(/^qemu-/);
      expect((await vmsRunning()).length).toBe(amps.length);

      if (topology === 'ACTIVE_STANDBY') {
        // The VM holding the VIP dies (QEMU SIGKILLed by its pid): the other takes the VIP over and traffic
        // continues. The holder is the one whose keepalived last said "Entering MASTER STATE" on its serial console:
        // usually the MASTER, but the BACKUP wins the first election when the MASTER's check passes later (nopreempt).
        const vrrpState = async (computeId: string) => {
          const log = await fs.readFile(path.join(h.config.dataDir, 'qemu', 'logs', `${computeId}.serial.log`), 'utf8');
          return [...log.matchAll(/Entering (MASTER|BACKUP|FAULT) STATE/g)].pop()?.[1] ?? 'none';
        };
        const states = await Promise.all(amps.map(async (a) => ({ ...a, state: await vrrpState(a.compute_id) })));
        const master = states.find((a) => a.state === 'MASTER');
        expect({ holders: states.filter((a) => a.state === 'MASTER').length, states: states.map((a) => `${a.role}:${a.state}`) }).toMatchObject({ holders: 1 });
        process.stdout.write(`ACTIVE_STANDBY: VRRP states ${states.map((a) => `${a.role}=${a.state}`).join(', ')}\n`);
        const state = JSON.parse(await fs.readFile(path.join(h.config.dataDir, 'qemu', 'vms', master!.compute_id, 'state.json'), 'utf8')) as { pid: number };
        const cmdline = await fs.readFile(`/proc/${state.pid}/cmdline`, 'utf8');
        expect(cmdline).toContain(master!.compute_id);
        process.kill(state.pid, 'SIGKILL');
        const killedAt = Date.now();
        let after = '';
        while (Date.now() - killedAt < 120_000 && !(after = await h.curl(client, `http://${vip}/`, 2)).startsWith('backend')) await new Promise((r) => setTimeout(r, 250));
        expect(after).toBe(`backend-${topology}`);
        process.stdout.write(`ACTIVE_STANDBY: VIP holder (${master!.role}) killed, traffic from its peer after ${((Date.now() - killedAt) / 1000).toFixed(1)} s\n`);
        for (let i = 0; i < 3; i++) expect(await h.curl(client, `http://${vip}/`, 3)).toBe(`backend-${topology}`);
      }

      await h.api.call('DELETE', `/v2/lbaas/loadbalancers/${lbId}?cascade=true`);
      await h.waitLbGone(lbId, 300_000);
      expect(await vmsRunning()).toEqual([]);
      const left = await h.leftovers();
      expect(left.amphorae).toBe(0);
      expect(left.bridgeLinks).toEqual([]);
    });
  }
});
