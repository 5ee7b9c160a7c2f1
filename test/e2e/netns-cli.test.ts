import { LocalLbHarness, HarnessNetwork } from '../support/lb-harness';
import { StandaloneCli } from '../support/standalone-cli';

jest.setTimeout(300_000);

/**
 * The operator's path on one machine: the real `openstack` CLI, with a clouds.yaml naming only our API,
 * drives real netns amphorae. Load balancer, listener, pool, members, health monitor and an L7 policy are
 * made with the CLI; traffic goes from a client namespace through the VIP.
 */
describe('openstack CLI against netns amphorae', () => {
  let h: LocalLbHarness;
  let net: HarnessNetwork;
  let client: string;
  let cli: StandaloneCli;

  beforeAll(async () => {
    h = await LocalLbHarness.start();
    net = await h.createNetwork('cli');
    client = await h.addHost(net, 'cli', 50);
    for (const n of [1, 2]) await h.startBackend(await h.addHost(net, `b${n}`, 10 + n), net.ip(10 + n), 8080, `backend-${n}`);
    cli = new StandaloneCli(h.api.url);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('builds a load balancer with the CLI and routes by path', async () => {
    const [subnet] = await h.ds.query(`SELECT name FROM subnet WHERE id = $1`, [net.subnetId]);
    const lb = await cli.json(['loadbalancer', 'create', '--name', 'web', '--vip-subnet-id', subnet.name, '--project', 'demo', '--wait']);
    expect(lb).toMatchObject({ provisioning_status: 'ACTIVE', operating_status: 'ONLINE', provider: 'amphora' });
    await cli.json(['loadbalancer', 'listener', 'create', '--name', 'http', '--protocol', 'HTTP', '--protocol-port', '80', '--wait', 'web']);
    await cli.json(['loadbalancer', 'pool', 'create', '--name', 'pool', '--listener', 'http', '--protocol', 'HTTP', '--lb-algorithm', 'ROUND_ROBIN', '--wait']);
    for (const n of [1, 2]) await cli.json(['loadbalancer', 'member', 'create', '--name', `m${n}`, '--address', net.ip(10 + n), '--protocol-port', '8080', '--wait', 'pool']);
    await cli.json(['loadbalancer', 'healthmonitor', 'create', '--type', 'HTTP', '--delay', '2', '--timeout', '1', '--max-retries', '2', '--url-path', '/', '--wait', 'pool']);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await h.curl(client, `http://${lb.vip_address}/`));
    expect([...seen].sort()).toEqual(['backend-1', 'backend-2']);

    const policy = await cli.json(['loadbalancer', 'l7policy', 'create', '--name', 'deny-admin', '--action', 'REJECT', '--wait', 'http']);
    // octaviaclient 3.1.0 swaps the ids in `l7rule create --wait`, so wait through the API instead.
    await cli.json(['loadbalancer', 'l7rule', 'create', '--type', 'PATH', '--compare-type', 'STARTS_WITH', '--value', '/admin', policy.id]);
    await h.waitLbStatus(lb.id, 'ACTIVE');
    const rejected = await import('../../libs/drivers/src/util/exec').then(({ run }) =>
      run(['ip', 'netns', 'exec', client, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '2', `http://${lb.vip_address}/admin/x`]),
    );
    expect(rejected).toBe('403');
    expect((await h.curl(client, `http://${lb.vip_address}/public`)).startsWith('backend-')).toBe(true);

    await cli.json(['loadbalancer', 'member', 'set', '--weight', '0', '--wait', 'pool', 'm1']).catch(async () => {
      // `member set` prints nothing; run it plainly.
      const r = await cli.run(['loadbalancer', 'member', 'set', '--weight', '0', '--wait', 'pool', 'm1']);
      if (r.code !== 0) throw new Error(r.stderr);
    });
    const after = new Set<string>();
    for (let i = 0; i < 4; i++) after.add(await h.curl(client, `http://${lb.vip_address}/`));
    expect([...after]).toEqual(['backend-2']);

    const del = await cli.run(['loadbalancer', 'delete', '--cascade', '--wait', 'web']);
    expect(del.code).toBe(0);
    expect(await h.leftovers()).toEqual({ namespaces: [], amphorae: 0, ports: 0, allocations: 0, bridgeLinks: [], flowsPending: 0, pending: 0 });
  });
});
