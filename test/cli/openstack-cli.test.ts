import { startTestApi, TestApi } from '../support/api-harness';
import { OpenstackCli } from '../support/cli';
import { NeutronKeystoneStandIn } from '../support/openstack-standin';

/**
 * The real client: Debian's `openstack loadbalancer ...` (python-openstackclient 6.0.0 +
 * python-octaviaclient 3.1.0) against our API, with NeutronKeystoneStandIn answering the subnet,
 * network, port and project look-ups the client makes first. The tests run in order and share one
 * load balancer tree: create, list, show, set, unset and delete of every object, with --wait.
 */

const NETWORK = { id: '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a', name: 'lb-net', project_id: '7d2f4c1bb0e34bb59a5e2c9c3d7e8f90' };
const SUBNET = {
  id: '6c1d0f6e-3a52-4a0e-9d5e-6f3bb1a2c401', name: 'lb-subnet', network_id: NETWORK.id, cidr: '203.0.113.0/24', ip_version: 4 as const,
  project_id: NETWORK.project_id, gateway_ip: '203.0.113.1',
};
const PORT = {
  id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'vip-port', network_id: NETWORK.id, project_id: NETWORK.project_id,
  fixed_ips: [{ subnet_id: SUBNET.id, ip_address: '203.0.113.30' }],
};
const PROJECT = { id: NETWORK.project_id, name: 'demo' };

let t: TestApi;
let standIn: NeutronKeystoneStandIn;
let cli: OpenstackCli;

beforeAll(async () => {
  t = await startTestApi();
  standIn = new NeutronKeystoneStandIn({ networks: [NETWORK], subnets: [SUBNET], ports: [PORT], projects: [PROJECT] });
  await standIn.start();
  cli = new OpenstackCli(t.url, standIn.url);
});
afterAll(async () => {
  cli?.cleanup();
  await standIn?.stop();
  await t?.close();
});

const api = async (path: string) => {
  const res = await t.call('GET', `/v2.0/lbaas/${path}`);
  return { status: res.status, body: res.body };
};
/** The client prints list-valued fields as newline-joined text in `-f json` output of show commands. */
const lines = (v: string) => (v === '' ? [] : v.split('\n')).sort();

const ids: Record<string, string> = {};

test('the client lists an empty API and the stand-in has seen nothing unexpected', async () => {
  expect(await cli.json(['loadbalancer', 'list'])).toEqual([]);
  expect(standIn.unexpected).toEqual([]);
});

test('openstacksdk network commands read the stand-in through network_endpoint_override', async () => {
  const subnet = await cli.json(['subnet', 'show', 'lb-subnet']);
  expect(subnet).toMatchObject({ id: SUBNET.id, name: 'lb-subnet', network_id: NETWORK.id, cidr: '203.0.113.0/24', ip_version: 4, project_id: PROJECT.id });
});

describe('load balancer', () => {
  test('create --wait resolves the subnet and project by name and answers ACTIVE', async () => {
    standIn.requests.length = 0;
    const lb = await cli.json([
      'loadbalancer', 'create', '--name', 'web-lb', '--description', 'front door', '--vip-subnet-id', 'lb-subnet',
      '--project', 'demo', '--tag', 'shop', '--tag', 'prod', '--wait',
    ]);
    expect(lb).toMatchObject({
      name: 'web-lb', description: 'front door', vip_subnet_id: SUBNET.id, project_id: PROJECT.id, provisioning_status: 'ACTIVE',
      operating_status: 'ONLINE', admin_state_up: true, provider: 'noop_driver', listeners: '', pools: '',
    });
    expect(lines(lb.tags)).toEqual(['prod', 'shop']);
    ids.lb = lb.id;
    expect(standIn.requests).toEqual(expect.arrayContaining([
      { method: 'GET', path: '/v2.0/subnets', query: { name: ['lb-subnet'] } },
      { method: 'GET', path: '/projects', query: { name: ['demo'] } },
    ]));
    expect(standIn.unexpected).toEqual([]);
    expect((await api(`loadbalancers/${lb.id}`)).body.loadbalancer).toMatchObject({ name: 'web-lb', project_id: PROJECT.id, provisioning_status: 'ACTIVE' });
  });

  test('create by network id with an address, without --wait, shows the create response', async () => {
    const lb = await cli.json(['loadbalancer', 'create', '--name', 'net-lb', '--vip-network-id', NETWORK.id, '--vip-address', '203.0.113.20', '--project', PROJECT.id]);
    expect(lb).toMatchObject({ name: 'net-lb', vip_network_id: NETWORK.id, vip_address: '203.0.113.20', provisioning_status: 'PENDING_CREATE', project_id: PROJECT.id });
    ids.netLb = lb.id;
    expect(standIn.requests).toEqual(expect.arrayContaining([{ method: 'GET', path: '/v2.0/networks', query: { id: [NETWORK.id] } }]));
  });

  test('create by port name takes the port from the stand-in', async () => {
    const lb = await cli.json(['loadbalancer', 'create', '--name', 'port-lb', '--vip-port-id', 'vip-port', '--project', 'demo', '--wait']);
    expect(lb).toMatchObject({ name: 'port-lb', vip_port_id: PORT.id, provisioning_status: 'ACTIVE' });
    ids.portLb = lb.id;
    expect(standIn.unexpected).toEqual([]);
  });

  test('list, list with filters and show', async () => {
    const all = await cli.json(['loadbalancer', 'list']);
    expect(all.map((l: { name: string }) => l.name).sort()).toEqual(['net-lb', 'port-lb', 'web-lb']);
    expect(Object.keys(all[0]).sort()).toEqual(['id', 'name', 'operating_status', 'project_id', 'provider', 'provisioning_status', 'vip_address']);
    const tagged = await cli.json(['loadbalancer', 'list', '--tags', 'shop', '--name', 'web-lb']);
    expect(tagged).toEqual([expect.objectContaining({ id: ids.lb, name: 'web-lb', provisioning_status: 'ACTIVE' })]);
    const shown = await cli.json(['loadbalancer', 'show', 'web-lb']);
    expect(shown).toMatchObject({ id: ids.lb, name: 'web-lb', description: 'front door', vip_subnet_id: SUBNET.id, created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/) });
  });

  test('set and unset change name, description and tags', async () => {
    await cli.ok(['loadbalancer', 'set', '--name', 'edge-lb', '--description', 'edge', '--tag', 'blue', '--wait', 'web-lb']);
    let lb = (await api(`loadbalancers/${ids.lb}`)).body.loadbalancer;
    expect(lb).toMatchObject({ name: 'edge-lb', description: 'edge', provisioning_status: 'ACTIVE' });
    expect([...lb.tags].sort()).toEqual(['blue', 'prod', 'shop']);
    await cli.ok(['loadbalancer', 'unset', '--description', '--tag', 'shop', '--wait', 'edge-lb']);
    lb = (await api(`loadbalancers/${ids.lb}`)).body.loadbalancer;
    expect(lb).toMatchObject({ name: 'edge-lb', description: '' });
    expect([...lb.tags].sort()).toEqual(['blue', 'prod']);
  });
});

describe('listener', () => {
  test('create --wait, list by load balancer, show', async () => {
    const listener = await cli.json([
      'loadbalancer', 'listener', 'create', '--name', 'http', '--protocol', 'HTTP', '--protocol-port', '80',
      '--insert-headers', 'X-Forwarded-For=true', '--wait', 'edge-lb',
    ]);
    expect(listener).toMatchObject({ name: 'http', protocol: 'HTTP', protocol_port: 80, loadbalancers: ids.lb, provisioning_status: 'ACTIVE', connection_limit: -1 });
    ids.listener = listener.id;
    const listed = await cli.json(['loadbalancer', 'listener', 'list', '--loadbalancer', 'edge-lb']);
    expect(listed).toEqual([expect.objectContaining({ id: listener.id, name: 'http', protocol: 'HTTP', protocol_port: 80, default_pool_id: null })]);
    const shown = await cli.json(['loadbalancer', 'listener', 'show', 'http']);
    expect(shown).toMatchObject({ id: listener.id, timeout_client_data: 50000, client_authentication: 'NONE' });
    expect((await api(`listeners/${listener.id}`)).body.listener.insert_headers).toEqual({ 'X-Forwarded-For': 'true' });
  });

  test('set and unset connection limit and timeouts', async () => {
    await cli.ok(['loadbalancer', 'listener', 'set', '--connection-limit', '100', '--timeout-client-data', '1000', '--description', 'web', '--wait', 'http']);
    expect((await api(`listeners/${ids.listener}`)).body.listener).toMatchObject({ connection_limit: 100, timeout_client_data: 1000, description: 'web', provisioning_status: 'ACTIVE' });
    await cli.ok(['loadbalancer', 'listener', 'unset', '--connection-limit', '--timeout-client-data', '--description', '--wait', 'http']);
    expect((await api(`listeners/${ids.listener}`)).body.listener).toMatchObject({ connection_limit: -1, timeout_client_data: 50000, description: '' });
  });
});

describe('pool', () => {
  test('create on the listener --wait becomes its default pool; list and show', async () => {
    const pool = await cli.json([
      'loadbalancer', 'pool', 'create', '--name', 'web-pool', '--protocol', 'HTTP', '--lb-algorithm', 'ROUND_ROBIN',
      '--listener', 'http', '--session-persistence', 'type=APP_COOKIE,cookie_name=sess', '--wait',
    ]);
    expect(pool).toMatchObject({ name: 'web-pool', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', listeners: ids.listener, loadbalancers: ids.lb, provisioning_status: 'ACTIVE' });
    ids.pool = pool.id;
    expect((await api(`listeners/${ids.listener}`)).body.listener.default_pool_id).toBe(pool.id);
    const listed = await cli.json(['loadbalancer', 'pool', 'list', '--loadbalancer', 'edge-lb']);
    expect(listed).toEqual([expect.objectContaining({ id: pool.id, name: 'web-pool', lb_algorithm: 'ROUND_ROBIN' })]);
    const shown = await cli.json(['loadbalancer', 'pool', 'show', 'web-pool']);
    expect(shown.session_persistence).toMatch(/type=APP_COOKIE/);
    expect((await api(`pools/${pool.id}`)).body.pool.session_persistence).toMatchObject({ type: 'APP_COOKIE', cookie_name: 'sess' });
  });

  test('set and unset algorithm, description and session persistence', async () => {
    await cli.ok(['loadbalancer', 'pool', 'set', '--lb-algorithm', 'LEAST_CONNECTIONS', '--description', 'pool', '--wait', 'web-pool']);
    expect((await api(`pools/${ids.pool}`)).body.pool).toMatchObject({ lb_algorithm: 'LEAST_CONNECTIONS', description: 'pool', provisioning_status: 'ACTIVE' });
    await cli.ok(['loadbalancer', 'pool', 'unset', '--description', '--session-persistence', '--wait', 'web-pool']);
    expect((await api(`pools/${ids.pool}`)).body.pool).toMatchObject({ description: '', session_persistence: null, lb_algorithm: 'LEAST_CONNECTIONS' });
  });
});

describe('member', () => {
  test('create --wait with a subnet looked up by name; member list', async () => {
    const m1 = await cli.json([
      'loadbalancer', 'member', 'create', '--name', 'm1', '--address', '192.0.2.10', '--protocol-port', '8080',
      '--subnet-id', 'lb-subnet', '--weight', '3', '--wait', 'web-pool',
    ]);
    expect(m1).toMatchObject({ name: 'm1', address: '192.0.2.10', protocol_port: 8080, subnet_id: SUBNET.id, weight: 3, provisioning_status: 'ACTIVE', operating_status: 'NO_MONITOR' });
    ids.m1 = m1.id;
    const m2 = await cli.json(['loadbalancer', 'member', 'create', '--name', 'm2', '--address', '2001:db8::10', '--protocol-port', '8080', '--wait', 'web-pool']);
    expect(m2).toMatchObject({ name: 'm2', address: '2001:db8::10', subnet_id: null });
    ids.m2 = m2.id;
    const members = await cli.json(['loadbalancer', 'member', 'list', 'web-pool']);
    expect(members.map((m: { name: string }) => m.name).sort()).toEqual(['m1', 'm2']);
    expect(members.find((m: { name: string }) => m.name === 'm1')).toMatchObject({ id: m1.id, address: '192.0.2.10', protocol_port: 8080, weight: 3, provisioning_status: 'ACTIVE' });
  });

  test('show, set and unset weight, backup and monitor port', async () => {
    expect(await cli.json(['loadbalancer', 'member', 'show', 'web-pool', 'm1'])).toMatchObject({ id: ids.m1, backup: false, monitor_port: null });
    await cli.ok(['loadbalancer', 'member', 'set', '--weight', '5', '--enable-backup', '--monitor-port', '9000', '--wait', 'web-pool', 'm1']);
    expect((await api(`pools/${ids.pool}/members/${ids.m1}`)).body.member).toMatchObject({ weight: 5, backup: true, monitor_port: 9000, provisioning_status: 'ACTIVE' });
    await cli.ok(['loadbalancer', 'member', 'unset', '--weight', '--backup', '--monitor-port', '--wait', 'web-pool', 'm1']);
    expect((await api(`pools/${ids.pool}/members/${ids.m1}`)).body.member).toMatchObject({ weight: 1, backup: false, monitor_port: null });
  });
});

describe('health monitor', () => {
  test('create --wait, list and show', async () => {
    const hm = await cli.json([
      'loadbalancer', 'healthmonitor', 'create', '--name', 'hm', '--delay', '5', '--timeout', '3', '--max-retries', '2',
      '--type', 'HTTP', '--url-path', '/health', '--wait', 'web-pool',
    ]);
    expect(hm).toMatchObject({ name: 'hm', type: 'HTTP', delay: 5, timeout: 3, max_retries: 2, max_retries_down: 3, url_path: '/health', http_method: 'GET', expected_codes: '200', pools: ids.pool, provisioning_status: 'ACTIVE' });
    ids.hm = hm.id;
    expect(await cli.json(['loadbalancer', 'healthmonitor', 'list'])).toEqual([expect.objectContaining({ id: hm.id, name: 'hm', type: 'HTTP' })]);
    expect(await cli.json(['loadbalancer', 'healthmonitor', 'show', 'hm'])).toMatchObject({ id: hm.id, url_path: '/health' });
    expect((await api(`pools/${ids.pool}`)).body.pool.healthmonitor_id).toBe(hm.id);
  });

  test('set and unset delay, HTTP version, domain name and expected codes', async () => {
    await cli.ok(['loadbalancer', 'healthmonitor', 'set', '--delay', '10', '--http-version', '1.1', '--domain-name', 'example.com', '--expected-codes', '200-204', '--wait', 'hm']);
    expect((await api(`healthmonitors/${ids.hm}`)).body.healthmonitor).toMatchObject({ delay: 10, http_version: 1.1, domain_name: 'example.com', expected_codes: '200-204', provisioning_status: 'ACTIVE' });
    await cli.ok(['loadbalancer', 'healthmonitor', 'unset', '--http-version', '--domain-name', '--expected-codes', '--wait', 'hm']);
    expect((await api(`healthmonitors/${ids.hm}`)).body.healthmonitor).toMatchObject({ delay: 10, http_version: null, domain_name: null, expected_codes: '200' });
  });
});

describe('status and statistics', () => {
  test('status show prints the tree with health_monitor and members under the listener', async () => {
    const out = await cli.ok(['loadbalancer', 'status', 'show', 'edge-lb']);
    const tree = JSON.parse(out.stdout);
    expect(tree).toEqual({
      loadbalancer: {
        id: ids.lb, name: 'edge-lb', operating_status: 'ONLINE', provisioning_status: 'ACTIVE',
        listeners: [{
          id: ids.listener, name: 'http', operating_status: 'ONLINE', provisioning_status: 'ACTIVE',
          pools: [{
            id: ids.pool, name: 'web-pool', provisioning_status: 'ACTIVE', operating_status: 'ONLINE',
            health_monitor: { id: ids.hm, name: 'hm', type: 'HTTP', provisioning_status: 'ACTIVE', operating_status: 'ONLINE' },
            members: expect.arrayContaining([
              expect.objectContaining({ id: ids.m1, name: 'm1', address: '192.0.2.10', protocol_port: 8080, provisioning_status: 'ACTIVE' }),
              expect.objectContaining({ id: ids.m2, name: 'm2', address: '2001:db8::10', protocol_port: 8080, provisioning_status: 'ACTIVE' }),
            ]),
          }],
        }],
      },
    });
  });

  test('stats show for the load balancer and the listener are zeros', async () => {
    const zeros = { active_connections: 0, bytes_in: 0, bytes_out: 0, request_errors: 0, total_connections: 0 };
    expect(await cli.json(['loadbalancer', 'stats', 'show', 'edge-lb'])).toEqual(zeros);
    expect(await cli.json(['loadbalancer', 'listener', 'stats', 'show', 'http'])).toEqual(zeros);
  });
});

describe('errors reach the user', () => {
  test('the API faultstring is shown when a delete is refused', async () => {
    const res = await cli.run(['loadbalancer', 'delete', 'edge-lb']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`Validation failure: Cannot delete Load Balancer ${ids.lb} - it has children (HTTP 400)`);
    expect(res.stderr).toMatch(/Request-ID: req-[0-9a-f-]{36}/);
  });

  test('an unknown name cannot be resolved', async () => {
    const res = await cli.run(['loadbalancer', 'show', 'no-such-lb']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('Unable to locate no-such-lb in loadbalancers');
  });
});

describe('delete', () => {
  test('health monitor, member, pool and listener deletes --wait until each is gone', async () => {
    await cli.ok(['loadbalancer', 'healthmonitor', 'delete', '--wait', 'hm']);
    expect((await api(`healthmonitors/${ids.hm}`)).status).toBe(404);
    await cli.ok(['loadbalancer', 'member', 'delete', '--wait', 'web-pool', 'm2']);
    expect((await api(`pools/${ids.pool}/members/${ids.m2}`)).status).toBe(404);
    await cli.ok(['loadbalancer', 'pool', 'delete', '--wait', 'web-pool']);
    expect((await api(`pools/${ids.pool}`)).status).toBe(404);
    expect((await api(`pools/${ids.pool}/members/${ids.m1}`)).status).toBe(404);
    await cli.ok(['loadbalancer', 'listener', 'delete', '--wait', 'http']);
    expect((await api(`listeners/${ids.listener}`)).status).toBe(404);
  });

  test('load balancer delete --wait, and delete --cascade of a load balancer with children', async () => {
    await cli.ok(['loadbalancer', 'delete', '--wait', 'edge-lb']);
    expect((await api(`loadbalancers/${ids.lb}`)).status).toBe(404);

    const listener = await t.call('POST', '/v2.0/lbaas/listeners', { listener: { loadbalancer_id: ids.portLb, protocol: 'TCP', protocol_port: 443 } });
    expect(listener.status).toBe(201);
    await cli.ok(['loadbalancer', 'delete', '--cascade', '--wait', 'port-lb']);
    expect((await api(`loadbalancers/${ids.portLb}`)).status).toBe(404);
    expect((await api(`listeners/${listener.body.listener.id}`)).status).toBe(404);

    await cli.ok(['loadbalancer', 'delete', '--wait', ids.netLb]);
    expect(await cli.json(['loadbalancer', 'list'])).toEqual([]);
    expect(standIn.unexpected).toEqual([]);
  });
});
