import { LocalLbHarness, HarnessNetwork } from '../support/lb-harness';

/** ACTIVE_STANDBY on real keepalived (VRRP between two amphora namespaces): traffic survives the MASTER's death. */
describe('ACTIVE_STANDBY load balancer in network namespaces', () => {
  let h: LocalLbHarness;
  let net: HarnessNetwork;
  let client: string;
  let lbId = '';
  let vip = '';

  beforeAll(async () => {
    h = await LocalLbHarness.start({ ini: '[controller_worker]\nloadbalancer_topology = ACTIVE_STANDBY\n' });
    net = await h.createNetwork('vip');
    client = await h.addHost(net, 'cli', 50);
    const b1 = await h.addHost(net, 'b1', 11);
    const b2 = await h.addHost(net, 'b2', 12);
    await h.startBackend(b1, net.ip(11), 8080, 'backend-1');
    await h.startBackend(b2, net.ip(12), 8080, 'backend-2');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('builds MASTER and BACKUP with keepalived, and serves through the VIP (graph create)', async () => {
    const res = await h.api.call('POST', '/v2/lbaas/loadbalancers', {
      loadbalancer: {
        name: 'ha',
        vip_subnet_id: net.subnetId,
        listeners: [
          {
            protocol: 'HTTP',
            protocol_port: 80,
            default_pool: {
              name: 'web',
              protocol: 'HTTP',
              lb_algorithm: 'ROUND_ROBIN',
              members: [
                { address: net.ip(11), protocol_port: 8080 },
                { address: net.ip(12), protocol_port: 8080 },
              ],
            },
          },
        ],
      },
    });
    expect([res.status, res.status === 201 ? '' : JSON.stringify(res.body)]).toEqual([201, '']);
    lbId = res.body.loadbalancer.id;
    vip = res.body.loadbalancer.vip_address;
    await h.waitLbStatus(lbId, 'ACTIVE');
    const amps = await h.ds.query(`SELECT role, status, vrrp_ip, vrrp_interface, vrrp_priority FROM amphora WHERE load_balancer_id = $1 ORDER BY role DESC`, [lbId]);
    expect(amps.map((a: any) => [a.role, a.status, a.vrrp_interface, a.vrrp_priority])).toEqual([
      ['MASTER', 'ALLOCATED', 'eth1', 100],
      ['BACKUP', 'ALLOCATED', 'eth1', 90],
    ]);
    const [group] = await h.ds.query(`SELECT vrrp_auth_type, length(vrrp_auth_pass) AS n FROM vrrp_group WHERE load_balancer_id = $1`, [lbId]);
    expect(group).toEqual({ vrrp_auth_type: 'PASS', n: 7 });
    // keepalived elects the MASTER and moves the VIP to it; give VRRP a few adverts.
    let body = '';
    for (let i = 0; i < 100 && !body.startsWith('backend'); i++) {
      body = await h.curl(client, `http://${vip}/`, 1);
      if (!body.startsWith('backend')) await new Promise((r) => setTimeout(r, 200));
    }
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) seen.add(await h.curl(client, `http://${vip}/`));
    expect([...seen].sort()).toEqual(['backend-1', 'backend-2']);
  });

  it('keeps the VIP answering from the BACKUP when every MASTER process is killed', async () => {
    const [master] = await h.ds.query(`SELECT id FROM amphora WHERE load_balancer_id = $1 AND role = 'MASTER'`, [lbId]);
    expect(await h.killAmphoraProcesses(master.id)).toBeGreaterThanOrEqual(3);
    const started = Date.now();
    let ok = 0;
    let failed = 0;
    while (Date.now() - started < 15_000 && ok < 5) {
      const body = await h.curl(client, `http://${vip}/`, 1);
      if (body.startsWith('backend')) ok++;
      else failed++;
    }
    expect(ok).toBe(5);
    // VRRP takeover: 3 missed adverts at 1 s plus GARP; allow generous slack on a loaded 2-core host.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('deletes both amphorae and leaves nothing behind', async () => {
    expect((await h.api.call('DELETE', `/v2/lbaas/loadbalancers/${lbId}?cascade=true`)).status).toBe(204);
    await h.waitLbGone(lbId);
    expect(await h.leftovers()).toEqual({ namespaces: [], amphorae: 0, ports: 0, allocations: 0, bridgeLinks: [], flowsPending: 0, pending: 0 });
  });
});
