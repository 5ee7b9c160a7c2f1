import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, TestApi } from '../support/api-harness';
import {
  LB, LB_KEYS, SUBNET_ID, TIMESTAMP, UUID, createLb, expectFault, headerOf, rowCounts, shopGraph, withDb,
} from './lb-helpers';

/** Load balancer lifecycle through the API (spec 9.1, 7.3, 7.4): create, graph create, show, update, delete, stats, status, failover, gates, quota. */

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

describe('create', () => {
  test('a minimal create answers 201 with every field, upstream defaults and timestamps without a zone', async () => {
    const res = await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID } }, { 'x-project-id': 'p-create' });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const lb = res.body.loadbalancer;
    expect(Object.keys(res.body)).toEqual(['loadbalancer']);
    expect(Object.keys(lb).sort()).toEqual(LB_KEYS);
    expect(lb).toMatchObject({
      name: '',
      description: '',
      provisioning_status: 'PENDING_CREATE',
      operating_status: 'OFFLINE',
      admin_state_up: true,
      project_id: 'p-create',
      tenant_id: 'p-create',
      updated_at: null,
      vip_subnet_id: SUBNET_ID,
      vip_qos_policy_id: null,
      vip_sg_ids: [],
      vip_vnic_type: 'normal',
      additional_vips: [],
      listeners: [],
      pools: [],
      provider: 'noop_driver',
      flavor_id: null,
      availability_zone: null,
      tags: [],
    });
    expect(lb.id).toMatch(UUID);
    expect(lb.created_at).toMatch(TIMESTAMP);
    expect(lb.vip_address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(lb.vip_port_id).toMatch(UUID);
    expect(lb.vip_network_id).toMatch(UUID);

    // the noop provider has finished by the time the POST returned
    const shown = await t.call('GET', `${LB}/${lb.id}`);
    expect(shown.status).toBe(200);
    expect(Object.keys(shown.body)).toEqual(['loadbalancer']);
    expect(shown.body.loadbalancer).toMatchObject({ id: lb.id, provisioning_status: 'ACTIVE', operating_status: 'ONLINE', name: '', description: '' });
    expect(Object.keys(shown.body.loadbalancer).sort()).toEqual(LB_KEYS);
  });

  test('project_id and its alias tenant_id in the body win over the caller project; tenant_id mirrors project_id', async () => {
    const a = await createLb(t, 'p-caller', { project_id: 'p-body' });
    expect(a).toMatchObject({ project_id: 'p-body', tenant_id: 'p-body' });
    const b = await createLb(t, 'p-caller', { tenant_id: 'p-alias' });
    expect(b).toMatchObject({ project_id: 'p-alias', tenant_id: 'p-alias' });
  });

  test('no project anywhere is a 400 and nothing is written', async () => {
    const before = await rowCounts(t.dbUrl);
    const res = await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID } }, { 'x-project-id': '' });
    expectFault(res, 400,
      'Validation failure: Missing project ID in request where one is required. An administrator should check the keystone settings in the Octavia configuration.');
    expect(await rowCounts(t.dbUrl)).toEqual(before);
  });

  test('a VIP is required', async () => {
    const res = await t.call('POST', LB, { loadbalancer: { name: 'no-vip' } });
    expectFault(res, 400, 'Validation failure: VIP must contain one of: vip_port_id, vip_network_id, vip_subnet_id.');
  });

  test.each([
    ['an unknown flavor', { flavor_id: '0f8f5c1e-6a59-4a6c-8a3b-0d1e2f3a4b5c' }, 'Validation failure: Invalid flavor_id.'],
    ['an unknown availability zone', { availability_zone: 'nowhere' }, 'Validation failure: Invalid availability zone.'],
    ['a provider that is not enabled', { provider: 'bogus' }, "Provider 'bogus' is not enabled."],
    ['the primary subnet again as an additional VIP', { additional_vips: [{ subnet_id: SUBNET_ID }] },
      'Validation failure: Duplicate VIP subnet(s) specified. Only one IP can be bound per subnet.'],
  ])('create with %s is a 400 and writes nothing', async (_label, fields, message) => {
    const before = await rowCounts(t.dbUrl);
    expectFault(await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, ...fields } }), 400, message);
    expect(await rowCounts(t.dbUrl)).toEqual(before);
  });

  test('WSME scalar coercion: fractional integers are truncated, integer booleans accepted', async () => {
    const res = await t.call('POST', LB, {
      loadbalancer: { vip_subnet_id: SUBNET_ID, admin_state_up: 0, listeners: [{ protocol: 'TCP', protocol_port: 80.7 }] },
    });
    expect(res.status).toBe(201);
    expect(res.body.loadbalancer.admin_state_up).toBe(false);
    expect(res.body.loadbalancer.listeners[0].protocol_port).toBe(80);
  });

  test('several unknown attributes are named together', async () => {
    const res = await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, foo: 1, bar: 2 } });
    expectFault(res, 400, /^Unknown attributes for argument load_balancer\.loadbalancer: (foo, bar|bar, foo)$/);
  });

  test('given name, description, address and tags are echoed; admin_state_up null means false', async () => {
    const lb = await createLb(t, 'p-echo', { name: 'web', description: 'front', vip_address: '203.0.113.7', tags: ['b', 'a'], admin_state_up: null });
    expect(lb).toMatchObject({ name: 'web', description: 'front', vip_address: '203.0.113.7', admin_state_up: false });
    expect([...lb.tags].sort()).toEqual(['a', 'b']);
    const shown = await t.call('GET', `${LB}/${lb.id}`);
    expect(shown.body.loadbalancer).toMatchObject({ admin_state_up: false, operating_status: 'OFFLINE', provisioning_status: 'ACTIVE' });
  });

  test('the fully populated create answers the expanded graph; GET afterwards answers id references', async () => {
    const res = await t.call('POST', LB, { loadbalancer: shopGraph() }, { 'x-project-id': 'p-graph' });
    expect(res.status).toBe(201);
    const lb = res.body.loadbalancer;
    expect(Object.keys(lb).sort()).toEqual(LB_KEYS);
    expect(lb).toMatchObject({ name: 'shop-lb', description: 'public entry point', provisioning_status: 'PENDING_CREATE' });
    expect([...lb.tags].sort()).toEqual(['prod', 'shop']);

    expect(lb.listeners).toHaveLength(1);
    expect(lb.pools).toHaveLength(1);
    const [listener] = lb.listeners;
    const [pool] = lb.pools;
    expect(Object.keys(listener).sort()).toEqual([
      'admin_state_up', 'allowed_cidrs', 'alpn_protocols', 'client_authentication', 'client_ca_tls_container_ref',
      'client_crl_container_ref', 'connection_limit', 'created_at', 'default_pool_id', 'default_tls_container_ref',
      'description', 'hsts_include_subdomains', 'hsts_max_age', 'hsts_preload', 'id', 'insert_headers', 'l7policies', 'name',
      'operating_status', 'project_id', 'protocol', 'protocol_port', 'provisioning_status', 'sni_container_refs', 'tags',
      'tenant_id', 'timeout_client_data', 'timeout_member_connect', 'timeout_member_data', 'timeout_tcp_inspect',
      'tls_ciphers', 'tls_versions', 'updated_at',
    ]);
    expect(listener).toMatchObject({
      name: 'shop-http', description: '', provisioning_status: 'PENDING_CREATE', operating_status: 'OFFLINE', admin_state_up: true,
      protocol: 'HTTP', protocol_port: 80, connection_limit: -1, default_tls_container_ref: null, sni_container_refs: [],
      project_id: 'p-graph', tenant_id: 'p-graph', default_pool_id: pool.id, l7policies: [],
      insert_headers: { 'X-Forwarded-For': 'true' }, updated_at: null, timeout_client_data: 50000, timeout_member_connect: 5000,
      timeout_member_data: 50000, timeout_tcp_inspect: 0, tags: [], client_ca_tls_container_ref: null,
      client_authentication: 'NONE', client_crl_container_ref: null, allowed_cidrs: null, tls_ciphers: null, tls_versions: null,
      alpn_protocols: null, hsts_max_age: null, hsts_include_subdomains: false, hsts_preload: false,
    });
    expect(listener.created_at).toMatch(TIMESTAMP);

    expect(pool).not.toHaveProperty('loadbalancers');
    expect(pool).not.toHaveProperty('healthmonitor_id');
    expect(pool).toMatchObject({
      name: 'shop-web', description: '', provisioning_status: 'PENDING_CREATE', operating_status: 'OFFLINE', admin_state_up: true,
      protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', session_persistence: null, project_id: 'p-graph', tenant_id: 'p-graph',
      listeners: [{ id: listener.id }], updated_at: null, tags: [], tls_enabled: false, tls_container_ref: null,
      ca_tls_container_ref: null, crl_container_ref: null, tls_ciphers: null, tls_versions: null, alpn_protocols: null,
    });
    expect(pool.members).toHaveLength(1);
    expect(pool.members[0]).toMatchObject({
      name: '', provisioning_status: 'PENDING_CREATE', operating_status: 'OFFLINE', admin_state_up: true, address: '192.0.2.21',
      protocol_port: 8080, weight: 1, backup: false, subnet_id: null, monitor_address: null, monitor_port: null,
      project_id: 'p-graph', tenant_id: 'p-graph', updated_at: null, tags: [],
    });
    expect(pool.members[0].id).toMatch(UUID);
    expect(pool.healthmonitor).toMatchObject({
      name: '', type: 'HTTP', delay: 5, timeout: 3, max_retries: 3, max_retries_down: 3, http_method: 'GET', url_path: '/',
      expected_codes: '200', http_version: null, domain_name: null, admin_state_up: true, provisioning_status: 'PENDING_CREATE',
      operating_status: 'OFFLINE', project_id: 'p-graph', tenant_id: 'p-graph', updated_at: null, tags: [],
    });
    expect(pool.healthmonitor).not.toHaveProperty('pools');
    expect(pool.healthmonitor.id).toMatch(UUID);

    const shown = await t.call('GET', `${LB}/${lb.id}`);
    expect(shown.body.loadbalancer.listeners).toEqual([{ id: listener.id }]);
    expect(shown.body.loadbalancer.pools).toEqual([{ id: pool.id }]);
    expect(shown.body.loadbalancer.provisioning_status).toBe('ACTIVE');
  });

  test('a graph pool without an HM answers healthmonitor null, and its members start NO_MONITOR', async () => {
    const res = await t.call('POST', LB, {
      loadbalancer: {
        vip_subnet_id: SUBNET_ID,
        pools: [{ name: 'plain', protocol: 'TCP', lb_algorithm: 'LEAST_CONNECTIONS', members: [{ address: '192.0.2.9', protocol_port: 22 }] }],
      },
    });
    expect(res.status).toBe(201);
    const [pool] = res.body.loadbalancer.pools;
    expect(pool.healthmonitor ?? null).toBeNull();
    expect(pool.listeners).toEqual([]);
    expect(pool.members[0]).toMatchObject({ operating_status: 'NO_MONITOR', provisioning_status: 'PENDING_CREATE' });
  });

  test.each([
    ['an unnamed pool', { pools: [{ protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' }] },
      'Validation failure: Pools must be named when creating a fully populated loadbalancer.'],
    ['a referenced but undefined pool', { listeners: [{ protocol: 'HTTP', protocol_port: 80, default_pool: { name: 'ghost' } }] },
      "Validation failure: Pool 'ghost' was referenced but no full definition was found."],
    ['two pools with one name', { pools: [{ name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' }, { name: 'p', protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN' }] },
      'Validation failure: Pool names must be unique when creating a fully populated loadbalancer.'],
    ['a pool definition without lb_algorithm', { pools: [{ name: 'p', protocol: 'HTTP', members: [] }] },
      "Validation failure: Pool definition for 'p' missing required attribute: lb_algorithm"],
    ['a loadbalancer_id inside a nested listener', { listeners: [{ protocol: 'HTTP', protocol_port: 80, loadbalancer_id: SUBNET_ID }] },
      /^Unknown attribute for argument load_balancer\.loadbalancer\.listeners: loadbalancer_id$/],
    ['two listeners on one port', { listeners: [{ protocol: 'HTTP', protocol_port: 80 }, { protocol: 'HTTP', protocol_port: 80, name: 'b' }] }, null],
  ])('a graph with %s is rejected and rolls back entirely', async (_label, graph, message) => {
    const before = await rowCounts(t.dbUrl);
    const res = await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, name: 'doomed', ...graph } });
    if (message === null) expectFault(res, 409, 'Another Listener on this Load Balancer is already using protocol HTTP and protocol_port 80');
    else expectFault(res, 400, message);
    expect(await rowCounts(t.dbUrl)).toEqual(before);
  });
});

describe('update', () => {
  test('PUT answers 200 with the new values and PENDING_UPDATE; updated_at is set afterwards', async () => {
    const lb = await createLb(t, 'p-update', { name: 'old', tags: ['x'] });
    const res = await t.call('PUT', `${LB}/${lb.id}`, { loadbalancer: { name: 'new', description: 'd', admin_state_up: false, tags: ['y', 'z'] } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.loadbalancer).sort()).toEqual(LB_KEYS);
    expect(res.body.loadbalancer).toMatchObject({ id: lb.id, name: 'new', description: 'd', admin_state_up: false, provisioning_status: 'PENDING_UPDATE' });
    expect([...res.body.loadbalancer.tags].sort()).toEqual(['y', 'z']);
    const shown = (await t.call('GET', `${LB}/${lb.id}`)).body.loadbalancer;
    expect(shown).toMatchObject({ name: 'new', provisioning_status: 'ACTIVE', operating_status: 'OFFLINE', created_at: lb.created_at });
    expect(shown.updated_at).toMatch(TIMESTAMP);
  });

  test('null name and description render as ""; tags null leaves tags alone, [] clears them; admin_state_up null is false', async () => {
    const lb = await createLb(t, 'p-update', { name: 'n', description: 'd', tags: ['keep'] });
    const a = await t.call('PUT', `${LB}/${lb.id}`, { loadbalancer: { name: null, description: null, tags: null, admin_state_up: null } });
    expect(a.status).toBe(200);
    expect(a.body.loadbalancer).toMatchObject({ name: '', description: '', tags: ['keep'], admin_state_up: false });
    const b = await t.call('PUT', `${LB}/${lb.id}`, { loadbalancer: { tags: [] } });
    expect(b.status).toBe(200);
    expect(b.body.loadbalancer.tags).toEqual([]);
  });

  test('an empty update object is a valid no-op; a body without the root key is a 400', async () => {
    const lb = await createLb(t, 'p-update', { name: 'same' });
    const ok = await t.call('PUT', `${LB}/${lb.id}`, { loadbalancer: {} });
    expect(ok.status).toBe(200);
    expect(ok.body.loadbalancer).toMatchObject({ name: 'same', provisioning_status: 'PENDING_UPDATE' });
    expectFault(await t.call('PUT', `${LB}/${lb.id}`, {}), 400);
    expectFault(await t.call('PUT', `${LB}/${lb.id}`), 400, 'Missing argument: "load_balancer"');
  });

  test.each(['vip_address', 'vip_subnet_id', 'provider', 'flavor_id', 'availability_zone', 'project_id', 'id', 'provisioning_status'])(
    'PUT refuses the create-only or read-only attribute %s',
    async (key) => {
      const lb = await createLb(t, 'p-update');
      const value = key === 'vip_address' ? '203.0.113.9' : key === 'vip_subnet_id' || key === 'flavor_id' || key === 'id' ? SUBNET_ID : 'x';
      const res = await t.call('PUT', `${LB}/${lb.id}`, { loadbalancer: { [key]: value } });
      expectFault(res, 400, `Unknown attribute for argument load_balancer.loadbalancer: ${key}`);
    },
  );

  test('PUT on an unknown load balancer is a 404', async () => {
    const res = await t.call('PUT', `${LB}/9b1f8d0e-0000-4000-8000-000000000000`, { loadbalancer: { name: 'x' } });
    expectFault(res, 404, 'Load Balancer 9b1f8d0e-0000-4000-8000-000000000000 not found.');
  });
});

describe('show and delete', () => {
  test('unknown and malformed ids are 404 with the resource name', async () => {
    expectFault(await t.call('GET', `${LB}/0f8f5c1e-6a59-4a6c-8a3b-0d1e2f3a4b5c`), 404, 'Load Balancer 0f8f5c1e-6a59-4a6c-8a3b-0d1e2f3a4b5c not found.');
    expectFault(await t.call('GET', `${LB}/not-a-uuid`), 404, 'Load Balancer not-a-uuid not found.');
    expectFault(await t.call('DELETE', `${LB}/not-a-uuid`), 404, 'Load Balancer not-a-uuid not found.');
  });

  test('DELETE answers 204 with an empty body; the load balancer is gone afterwards', async () => {
    const lb = await createLb(t, 'p-delete');
    const res = await t.call('DELETE', `${LB}/${lb.id}`);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect(res.headers.get('content-type')).toBeNull();
    expect(res.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    expectFault(await t.call('GET', `${LB}/${lb.id}`), 404, `Load Balancer ${lb.id} not found.`);
    const listed = await t.call('GET', `${LB}?project_id=p-delete`);
    expect(listed.body.loadbalancers.map((l: { id: string }) => l.id)).not.toContain(lb.id);
    expectFault(await t.call('DELETE', `${LB}/${lb.id}`), 404);
  });

  test('a load balancer with children needs cascade; cascade removes the whole tree', async () => {
    const created = await t.call('POST', LB, { loadbalancer: shopGraph() }, { 'x-project-id': 'p-cascade' });
    expect(created.status).toBe(201);
    const lb = created.body.loadbalancer;
    const poolId = lb.pools[0].id;

    const refused = await t.call('DELETE', `${LB}/${lb.id}`);
    expectFault(refused, 400, `Validation failure: Cannot delete Load Balancer ${lb.id} - it has children`);
    expect((await t.call('GET', `${LB}/${lb.id}`)).body.loadbalancer.provisioning_status).toBe('ACTIVE');

    const res = await t.call('DELETE', `${LB}/${lb.id}?cascade=true`);
    expect(res.status).toBe(204);
    expectFault(await t.call('GET', `${LB}/${lb.id}`), 404);
    const left = await withDb(t.dbUrl, async (db) => {
      const q = async (sql: string, args: unknown[]) => (await db.query(sql, args)).rows[0].n as number;
      return {
        listeners: await q('SELECT count(*)::int AS n FROM listener WHERE load_balancer_id = $1', [lb.id]),
        pools: await q('SELECT count(*)::int AS n FROM pool WHERE load_balancer_id = $1', [lb.id]),
        members: await q('SELECT count(*)::int AS n FROM member WHERE pool_id = $1', [poolId]),
        monitors: await q('SELECT count(*)::int AS n FROM health_monitor WHERE pool_id = $1', [poolId]),
      };
    });
    expect(left).toEqual({ listeners: 0, pools: 0, members: 0, monitors: 0 });
  });

  test('cascade accepts the WSME boolean spellings (yes)', async () => {
    const created = await t.call('POST', LB, { loadbalancer: shopGraph() }, { 'x-project-id': 'p-cascade' });
    const res = await t.call('DELETE', `${LB}/${created.body.loadbalancer.id}?cascade=yes`);
    expect(res.status).toBe(204);
  });
});

describe('stats, status tree and failover', () => {
  test('stats are zeros before any traffic was reported', async () => {
    const lb = await createLb(t, 'p-stats');
    const res = await t.call('GET', `${LB}/${lb.id}/stats`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stats: { bytes_in: 0, bytes_out: 0, active_connections: 0, total_connections: 0, request_errors: 0 } });
    expectFault(await t.call('GET', `${LB}/not-there/stats`), 404, 'Load Balancer not-there not found.');
  });

  test('the status tree lists only pools reached through listeners, with health_monitor (underscore) when there is one', async () => {
    const res = await t.call('POST', LB, {
      loadbalancer: {
        name: 'tree', vip_subnet_id: SUBNET_ID,
        listeners: [
          {
            name: 'http', protocol: 'HTTP', protocol_port: 80, default_pool: { name: 'web' },
            l7policies: [
              { name: 'to-api', action: 'REDIRECT_TO_POOL', redirect_pool: { name: 'api' }, rules: [{ type: 'PATH', compare_type: 'STARTS_WITH', value: '/api' }] },
              { name: 'no-rules', action: 'REDIRECT_TO_POOL', redirect_pool: { name: 'ruleless' } },
            ],
          },
          { name: 'bare', protocol: 'TCP', protocol_port: 22 },
        ],
        pools: [
          { name: 'web', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', healthmonitor: { type: 'HTTP', delay: 5, timeout: 3, max_retries: 2 }, members: [{ name: 'w1', address: '192.0.2.1', protocol_port: 80 }] },
          { name: 'api', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', members: [{ address: '192.0.2.2', protocol_port: 8080 }] },
          { name: 'ruleless', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' },
          { name: 'orphan', protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN' },
        ],
      },
    });
    expect(res.status).toBe(201);
    const lb = res.body.loadbalancer;
    const poolId = (name: string) => lb.pools.find((p: { name: string }) => p.name === name).id;
    const listenerId = (name: string) => lb.listeners.find((l: { name: string }) => l.name === name).id;
    const hmId = lb.pools.find((p: { name: string }) => p.name === 'web').healthmonitor.id;
    const memberId = (pool: string) => lb.pools.find((p: { name: string }) => p.name === pool).members[0].id;

    const status = await t.call('GET', `${LB}/${lb.id}/status`);
    expect(status.status).toBe(200);
    const httpPools = [
      {
        id: poolId('web'), name: 'web', provisioning_status: 'ACTIVE', operating_status: 'ONLINE',
        health_monitor: { id: hmId, name: '', type: 'HTTP', provisioning_status: 'ACTIVE', operating_status: 'ONLINE' },
        members: [{ id: memberId('web'), name: 'w1', operating_status: 'OFFLINE', provisioning_status: 'ACTIVE', address: '192.0.2.1', protocol_port: 80 }],
      },
      {
        id: poolId('api'), name: 'api', provisioning_status: 'ACTIVE', operating_status: 'ONLINE',
        members: [{ id: memberId('api'), name: '', operating_status: 'NO_MONITOR', provisioning_status: 'ACTIVE', address: '192.0.2.2', protocol_port: 8080 }],
      },
    ];
    const listenersInTree = status.body.statuses.loadbalancer.listeners;
    expect(status.body).toEqual({
      statuses: {
        loadbalancer: {
          id: lb.id, name: 'tree', operating_status: 'ONLINE', provisioning_status: 'ACTIVE',
          listeners: expect.any(Array),
        },
      },
    });
    expect(listenersInTree).toHaveLength(2);
    expect(listenersInTree).toEqual(expect.arrayContaining([
      { id: listenerId('http'), name: 'http', operating_status: 'ONLINE', provisioning_status: 'ACTIVE', pools: httpPools },
      { id: listenerId('bare'), name: 'bare', operating_status: 'ONLINE', provisioning_status: 'ACTIVE', pools: [] },
    ]));

    const alias = await t.call('GET', `${LB}/${lb.id}/statuses`);
    expect(alias.status).toBe(200);
    expect(alias.body).toEqual(status.body);
  });

  test('the status of an unknown load balancer is a 404', async () => {
    expectFault(await t.call('GET', `${LB}/0f8f5c1e-6a59-4a6c-8a3b-0d1e2f3a4b5c/status`), 404);
  });

  test('failover answers 202 with an empty body, with or without {}', async () => {
    const lb = await createLb(t, 'p-failover');
    const a = await t.call('PUT', `${LB}/${lb.id}/failover`);
    expect(a.status).toBe(202);
    expect(a.body).toBeUndefined();
    expect(a.headers.get('content-type')).toBeNull();
    expect(a.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    const b = await t.call('PUT', `${LB}/${lb.id}/failover`, {});
    expect(b.status).toBe(202);
    expect(b.body).toBeUndefined();
    expect((await t.call('GET', `${LB}/${lb.id}`)).body.loadbalancer.provisioning_status).toBe('ACTIVE');
    expectFault(await t.call('PUT', `${LB}/0f8f5c1e-6a59-4a6c-8a3b-0d1e2f3a4b5c/failover`), 404);
  });
});

describe('a load balancer whose provider has not finished (amphora provider, nothing consumes the flows)', () => {
  let busy: TestApi;
  beforeAll(async () => {
    busy = await startTestApi({ OCTAVIA_TS_DEFAULT_PROVIDER: 'amphora' });
  });
  afterAll(async () => {
    await busy?.close();
  });

  test('create writes the flow record in the same transaction as the load balancer', async () => {
    const res = await busy.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, name: 'slow' } });
    expect(res.status).toBe(201);
    const lb = res.body.loadbalancer;
    expect(lb).toMatchObject({ provider: 'amphora', provisioning_status: 'PENDING_CREATE' });
    await withDb(busy.dbUrl, async (db) => {
      const flows = (await db.query(`SELECT kind, status, target_id, xmin::text AS tx FROM flow WHERE load_balancer_id = $1`, [lb.id])).rows;
      expect(flows).toEqual([{ kind: 'loadbalancer.create', status: 'PENDING', target_id: lb.id, tx: expect.any(String) }]);
      const [{ tx }] = (await db.query(`SELECT xmin::text AS tx FROM load_balancer WHERE id = $1`, [lb.id])).rows;
      // xmin is the id of the inserting transaction
      expect(flows[0].tx).toBe(tx);
    });
  });

  test('PUT, DELETE and failover are 409 while the load balancer is PENDING_CREATE, and write nothing', async () => {
    const lb = (await busy.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, name: 'stuck' } })).body.loadbalancer;
    const before = await rowCounts(busy.dbUrl);
    const message = `Invalid state PENDING_CREATE of loadbalancer resource ${lb.id}`;
    expectFault(await busy.call('PUT', `${LB}/${lb.id}`, { loadbalancer: { name: 'changed' } }), 409, message);
    expectFault(await busy.call('DELETE', `${LB}/${lb.id}`), 409, message);
    expectFault(await busy.call('DELETE', `${LB}/${lb.id}?cascade=true`), 409, message);
    expectFault(await busy.call('PUT', `${LB}/${lb.id}/failover`), 409, message);
    expect(await rowCounts(busy.dbUrl)).toEqual(before);
    const shown = (await busy.call('GET', `${LB}/${lb.id}`)).body.loadbalancer;
    expect(shown).toMatchObject({ name: 'stuck', provisioning_status: 'PENDING_CREATE' });
  });

  test('the has-children check comes before the state gate', async () => {
    const lb = (await busy.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, listeners: [{ protocol: 'TCP', protocol_port: 22 }] } })).body.loadbalancer;
    expect(lb.provisioning_status).toBe('PENDING_CREATE');
    expectFault(await busy.call('DELETE', `${LB}/${lb.id}`), 400, `Validation failure: Cannot delete Load Balancer ${lb.id} - it has children`);
    expectFault(await busy.call('DELETE', `${LB}/${lb.id}?cascade=true`), 409, `Invalid state PENDING_CREATE of loadbalancer resource ${lb.id}`);
  });

  test('a rejected graph create leaves neither a load balancer nor a flow behind', async () => {
    const before = await rowCounts(busy.dbUrl);
    const res = await busy.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, pools: [{ name: 'p', protocol: 'HTTP' }] } });
    expectFault(res, 400, "Validation failure: Pool definition for 'p' missing required attribute: lb_algorithm");
    expect(await rowCounts(busy.dbUrl)).toEqual(before);
  });
});

describe('quota (auth strategy testing)', () => {
  let q: TestApi;
  let dir: string;
  const member = (project: string) => ({ 'x-project-id': project, 'x-roles': 'member' });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'octavia-ts-quota-'));
    const ini = join(dir, 'octavia.conf');
    writeFileSync(ini, '[api_settings]\nauth_strategy = testing\n[quotas]\ndefault_load_balancer_quota = 2\n');
    q = await startTestApi({ OCTAVIA_TS_CONFIG_FILE: ini, OCTAVIA_TS_AUTH_STRATEGY: '' });
  });
  afterAll(async () => {
    await q?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the third load balancer of a project is refused with 403 and not written; other projects are unaffected', async () => {
    const body = { loadbalancer: { vip_subnet_id: SUBNET_ID } };
    expect((await q.call('POST', LB, body, member('quota-a'))).status).toBe(201);
    expect((await q.call('POST', LB, body, member('quota-a'))).status).toBe(201);
    const before = await rowCounts(q.dbUrl);
    const third = await q.call('POST', LB, body, member('quota-a'));
    expectFault(third, 403, 'Quota has been met for resources: Load Balancer');
    expect(await rowCounts(q.dbUrl)).toEqual(before);
    const listed = await q.call('GET', LB, undefined, member('quota-a'));
    expect(listed.status).toBe(200);
    expect(listed.body.loadbalancers).toHaveLength(2);

    expect((await q.call('POST', LB, body, member('quota-b'))).status).toBe(201);
  });

  test('deleting a load balancer gives its quota back', async () => {
    const body = { loadbalancer: { vip_subnet_id: SUBNET_ID } };
    const first = await q.call('POST', LB, body, member('quota-c'));
    await q.call('POST', LB, body, member('quota-c'));
    expectFault(await q.call('POST', LB, body, member('quota-c')), 403);
    expect((await q.call('DELETE', `${LB}/${first.body.loadbalancer.id}`, undefined, member('quota-c'))).status).toBe(204);
    expect((await q.call('POST', LB, body, member('quota-c'))).status).toBe(201);
  });

  test('failover is for admins only', async () => {
    const lb = (await q.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID } }, member('quota-f'))).body.loadbalancer;
    expectFault(await q.call('PUT', `${LB}/${lb.id}/failover`, undefined, member('quota-f')), 403, 'Policy does not allow this request to be performed.');
    expect((await q.call('PUT', `${LB}/${lb.id}/failover`, undefined, { 'x-project-id': 'quota-f', 'x-roles': 'admin' })).status).toBe(202);
  });

  test('a member lists only its own project; asking for another project is a 403', async () => {
    await q.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, name: 'mine' } }, member('quota-g'));
    await q.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, name: 'theirs' } }, member('quota-h'));
    const own = await q.call('GET', LB, undefined, member('quota-g'));
    expect(own.body.loadbalancers.map((l: { name: string; project_id: string }) => [l.name, l.project_id])).toEqual([['mine', 'quota-g']]);
    expectFault(await q.call('GET', `${LB}?project_id=quota-h`, undefined, member('quota-g')), 403);
    const admin = await q.call('GET', `${LB}?project_id=quota-h`, undefined, { 'x-project-id': 'quota-g', 'x-roles': 'admin' });
    expect(admin.body.loadbalancers.map((l: { name: string }) => l.name)).toEqual(['theirs']);
  });

  test('policy is enforced in testing mode: a reader may not create, another project may not read', async () => {
    const reader = await q.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID } }, { 'x-project-id': 'quota-d', 'x-roles': 'reader' });
    expectFault(reader, 403, 'Policy does not allow this request to be performed.');
    const lb = (await q.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID } }, member('quota-d'))).body.loadbalancer;
    expectFault(await q.call('GET', `${LB}/${lb.id}`, undefined, member('quota-e')), 403, 'Policy does not allow this request to be performed.');
    expect(headerOf(await q.call('GET', `${LB}/${lb.id}`, undefined, member('quota-d')), 'content-type')).toMatch(/json/);
  });
});
