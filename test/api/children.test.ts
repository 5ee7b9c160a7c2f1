/**
 * Listener, pool, member and health-monitor routes (spec 9.2-9.5) against a real API on a throw-away
 * PostgreSQL database. The noop provider settles every write at once; a second API on the amphora
 * provider (whose dispatcher does nothing) keeps objects PENDING_* so the gates and the status machine
 * of spec 7.3/7.4 can be observed; a third runs the `testing` auth strategy with quotas.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import { settleLoadBalancerTree } from '../../libs/database/src';
import { TestApi, startTestApi } from '../support/api-harness';

jest.setTimeout(120000);

type Body = Record<string, any>;

async function sql(t: TestApi, text: string, params: unknown[] = []): Promise<any[]> {
  const c = new Client({ connectionString: t.dbUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** What a provider reports on success, applied directly to the database of an API whose provider does nothing. */
async function settle(t: TestApi, lbId: string): Promise<void> {
  const c = new Client({ connectionString: t.dbUrl });
  await c.connect();
  try {
    const em = { query: async (q: string, p?: unknown[]) => (await c.query(q, p)).rows } as unknown as EntityManager;
    await settleLoadBalancerTree(em, lbId);
  } finally {
    await c.end();
  }
}

async function createLb(t: TestApi, headers?: Record<string, string>): Promise<Body> {
  const r = await t.call('POST', '/v2.0/lbaas/loadbalancers', { loadbalancer: { name: 'lb', vip_subnet_id: randomUUID() } }, headers);
  expect(r.status).toBe(201);
  return r.body.loadbalancer;
}

async function created(t: TestApi, path: string, body: Body, root: string, headers?: Record<string, string>): Promise<Body> {
  const r = await t.call('POST', path, body, headers);
  if (r.status !== 201) throw new Error(`POST ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
  return r.body[root];
}

const listener = (t: TestApi, lbId: string, extra: Body = {}) =>
  created(t, '/v2.0/lbaas/listeners', { listener: { loadbalancer_id: lbId, protocol: 'HTTP', protocol_port: 80, ...extra } }, 'listener');
const pool = (t: TestApi, extra: Body) => created(t, '/v2.0/lbaas/pools', { pool: { protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', ...extra } }, 'pool');
const member = (t: TestApi, poolId: string, extra: Body = {}) =>
  created(t, `/v2.0/lbaas/pools/${poolId}/members`, { member: { address: '192.0.2.10', protocol_port: 80, ...extra } }, 'member');
const monitor = (t: TestApi, poolId: string, extra: Body = {}) =>
  created(t, '/v2.0/lbaas/healthmonitors', { healthmonitor: { pool_id: poolId, type: 'HTTP', delay: 5, timeout: 3, max_retries: 2, ...extra } }, 'healthmonitor');

function expectFault(r: { status: number; body: any }, status: number, message?: string | RegExp): void {
  expect({ status: r.status, faultcode: r.body?.faultcode }).toEqual({ status, faultcode: status >= 500 ? 'Server' : 'Client' });
  if (typeof message === 'string') expect(r.body.faultstring).toBe(message);
  else if (message) expect(r.body.faultstring).toMatch(message);
}

describe('child resources on the noop provider', () => {
  let t: TestApi;
  beforeAll(async () => {
    // These tests use placeholder TLS references ('ref-1'); fetching real ones is covered in tls-refs.test.ts.
    t = await startTestApi({ OCTAVIA_TS_CERT_MANAGER: 'noop_cert_manager' });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('listeners', () => {
    it('creates with upstream defaults, settles to ACTIVE, shows and deletes', async () => {
      const lb = await createLb(t);
      const l = await listener(t, lb.id);
      expect(l).toMatchObject({
        name: '', description: '', protocol: 'HTTP', protocol_port: 80, connection_limit: -1, admin_state_up: true,
        provisioning_status: 'PENDING_CREATE', operating_status: 'OFFLINE', default_pool_id: null, insert_headers: {},
        allowed_cidrs: null, tls_ciphers: null, tls_versions: null, alpn_protocols: null, sni_container_refs: [],
        timeout_client_data: 50000, timeout_member_connect: 5000, timeout_member_data: 50000, timeout_tcp_inspect: 0,
        loadbalancers: [{ id: lb.id }], l7policies: [], tags: [], project_id: 'project-a', tenant_id: 'project-a',
        client_authentication: 'NONE', hsts_max_age: null, hsts_include_subdomains: false, hsts_preload: false, updated_at: null,
      });
      expect(l.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      const shown = await t.call('GET', `/v2/lbaas/listeners/${l.id}`);
      expect(shown.status).toBe(200);
      expect(shown.body.listener).toMatchObject({ id: l.id, provisioning_status: 'ACTIVE', operating_status: 'ONLINE' });
      expect((await t.call('GET', `/v2/loadbalancers/${lb.id}`)).body.loadbalancer.listeners).toEqual([{ id: l.id }]);

      const del = await t.call('DELETE', `/v2.0/lbaas/listeners/${l.id}`);
      expect(del.status).toBe(204);
      expect(del.body).toBeUndefined();
      expectFault(await t.call('GET', `/v2.0/lbaas/listeners/${l.id}`), 404, `Listener ${l.id} not found.`);
    });

    it('fills TLS defaults for TERMINATED_HTTPS and requires a certificate there', async () => {
      const lb = await createLb(t);
      const l = await listener(t, lb.id, { protocol: 'TERMINATED_HTTPS', protocol_port: 443, default_tls_container_ref: 'ref-1', insert_headers: { 'X-SSL-Client-CN': 'true' } });
      expect(l.tls_versions).toEqual(['TLSv1.2', 'TLSv1.3']);
      expect(l.alpn_protocols).toEqual(['h2', 'http/1.1', 'http/1.0']);
      expect(l.tls_ciphers).toBe(t.config.api.defaultListenerCiphers);
      expect(l.insert_headers).toEqual({ 'X-SSL-Client-CN': 'true' });
      expectFault(await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'TERMINATED_HTTPS', protocol_port: 8443 } }), 400,
        'Validation failure: An SNI or default certificate container reference must be provided for TERMINATED_HTTPS protocol listeners.');
    });

    it('answers 400 for bad bodies and semantic problems', async () => {
      const lb = await createLb(t);
      const post = (body: Body) => t.call('POST', '/v2/lbaas/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 81, ...body } });
      expectFault(await post({ protocol_port: 0 }), 400, /protocol_port.*greater or equal to 1/);
      expectFault(await post({ protocol_port: 65536 }), 400, /lower or equal to 65535/);
      expectFault(await post({ protocol_port: 'abc' }), 400, /protocol_port/);
      expectFault(await post({ protocol: 'FTP' }), 400, /Value should be one of/);
      expectFault(await post({ bogus: 1 }), 400, 'Unknown attribute for argument listener.listener: bogus');
      expectFault(await post({ loadbalancer_id: 'not-a-uuid' }), 400, /Value should be UUID format/);
      expectFault(await post({ name: 'a\nb' }), 400, /control characters/);
      expectFault(await post({ description: 'x'.repeat(256) }), 400, /maximum character requirement of 255/);
      expectFault(await post({ connection_limit: -2 }), 400, /greater or equal to -1/);
      expectFault(await post({ timeout_client_data: 2073600001 }), 400, /lower or equal to 2073600000/);
      expectFault(await post({ admin_state_up: 'maybe' }), 400, /Value not an unambiguous boolean: maybe/);
      expectFault(await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol_port: 81 } }), 400, /protocol.*Mandatory field missing/);
      expectFault(await t.call('POST', '/v2/listeners', { listner: {} }), 400, 'Unknown attribute for argument listener: listner');
      expectFault(await post({ protocol: 'TCP', insert_headers: { 'X-Forwarded-For': 'true' } }), 400, 'insert-headers is not a valid option for a TCP protocol listener.');
      expectFault(await post({ insert_headers: { 'X-Bogus': 'true' } }), 400, "['X-Bogus'] is not a valid option for insert_headers");
      expectFault(await post({ insert_headers: { 'X-SSL-Client-CN': 'true' } }), 400, "['X-SSL-Client-CN'] is not a valid option for HTTP protocol listener.");
      expectFault(await post({ insert_headers: { 'X-Forwarded-For': 'a\r\nb' } }), 400, /insert_headers/);
      expectFault(await post({ protocol: 'UDP', insert_headers: { 'X-Forwarded-For': 'true' } }), 400, 'Validation failure: UDP protocol listener does not support TLS.');
      expectFault(await post({ default_tls_container_ref: 'ref' }), 400, 'Validation failure: Certificate container references are not allowed on HTTP protocol listeners.');
      expectFault(await post({ hsts_max_age: 10 }), 400, 'Validation failure: The HSTS feature can only be used for listeners using the TERMINATED_HTTPS protocol.');
      expectFault(await post({ allowed_cidrs: ['2001:db8::/64'] }), 400, /Validation failure: CIDR 2001:db8::\/64 IP version incompatible with all VIPs/);
      expectFault(await post({ allowed_cidrs: ['300.1.1.1/8'] }), 400, /CIDR format/);
      expectFault(await post({ default_pool: { name: 'p' } }), 400, /only accepted when creating a fully populated load balancer/);

      const udpPool = await pool(t, { loadbalancer_id: lb.id, protocol: 'UDP' });
      expectFault(await post({ default_pool_id: udpPool.id }), 400, "Validation failure: The pool protocol 'UDP' is invalid while the listener protocol is 'HTTP'.");
      expectFault(await post({ protocol: 'PROMETHEUS', default_pool_id: udpPool.id }), 400, 'Protocol PROMETHEUS listeners cannot have child objects.');
      const otherLb = await createLb(t);
      const foreign = await pool(t, { loadbalancer_id: otherLb.id });
      expectFault(await post({ default_pool_id: foreign.id }), 404, `Pool ${foreign.id} not found.`);

      const ok = await listener(t, lb.id, { protocol_port: 82, allowed_cidrs: ['192.0.2.1/24', '192.0.2.0/24', '10.0.0.0/8'] });
      expect(ok.allowed_cidrs).toEqual(['192.0.2.0/24', '10.0.0.0/8']);
      expect(ok.protocol_port).toBe(82);
      const coerced = await listener(t, lb.id, { protocol_port: '83', admin_state_up: 'no' });
      expect(coerced).toMatchObject({ protocol_port: 83, admin_state_up: false });
    });

    it('answers 404 for unknown load balancers and listeners', async () => {
      const missing = randomUUID();
      expectFault(await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: missing, protocol: 'HTTP', protocol_port: 80 } }), 404, `Load Balancer ${missing} not found.`);
      expectFault(await t.call('GET', `/v2/listeners/${missing}`), 404, `Listener ${missing} not found.`);
      expectFault(await t.call('GET', '/v2/listeners/not-a-uuid'), 404, 'Listener not-a-uuid not found.');
      expectFault(await t.call('PUT', `/v2/listeners/${missing}`, { listener: { name: 'x' } }), 404, `Listener ${missing} not found.`);
      expectFault(await t.call('DELETE', `/v2/listeners/${missing}`), 404, `Listener ${missing} not found.`);
      expectFault(await t.call('GET', `/v2/listeners/${missing}/stats`), 404, `Listener ${missing} not found.`);
    });

    it('keeps ports unique per L4 family', async () => {
      const lb = await createLb(t);
      await listener(t, lb.id, { protocol: 'HTTP', protocol_port: 80 });
      expectFault(await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'TCP', protocol_port: 80 } }), 409,
        'Another Listener on this Load Balancer is already using protocol HTTP and protocol_port 80');
      await listener(t, lb.id, { protocol: 'UDP', protocol_port: 80 });
      await listener(t, lb.id, { protocol: 'SCTP', protocol_port: 80 });
      expectFault(await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'UDP', protocol_port: 80 } }), 409, /already using protocol UDP and protocol_port 80/);
      const lbs = (await t.call('GET', `/v2/loadbalancers/${lb.id}`)).body.loadbalancer;
      expect(lbs.provisioning_status).toBe('ACTIVE');
      expect(lbs.listeners).toHaveLength(3);
    });

    it('updates with PUT null-out semantics', async () => {
      const lb = await createLb(t);
      const l = await listener(t, lb.id, { name: 'web', description: 'd', connection_limit: 100, timeout_client_data: 7, tags: ['a', 'b'], insert_headers: { 'X-Forwarded-For': 'true' } });
      const put = (body: Body) => t.call('PUT', `/v2/lbaas/listeners/${l.id}`, { listener: body });
      let r = await put({ name: 'web2', tags: null });
      expect(r.status).toBe(200);
      expect(r.body.listener).toMatchObject({ name: 'web2', description: 'd', tags: ['a', 'b'], provisioning_status: 'PENDING_UPDATE' });
      expect(r.body.listener.updated_at).toMatch(/^\d{4}-.*\d$/);
      r = await put({ name: null, description: null, connection_limit: null, timeout_client_data: null, admin_state_up: null, insert_headers: null, tags: [] });
      expect(r.body.listener).toMatchObject({ name: '', description: '', connection_limit: -1, timeout_client_data: 50000, admin_state_up: false, insert_headers: {}, tags: [] });
      r = await put({ allowed_cidrs: ['198.51.100.7/24'] });
      expect(r.body.listener.allowed_cidrs).toEqual(['198.51.100.0/24']);
      r = await put({ allowed_cidrs: [] });
      expect(r.body.listener.allowed_cidrs).toBeNull();
      r = await put({ tls_ciphers: null });
      expect(r.body.listener.tls_ciphers).toBe(t.config.api.defaultListenerCiphers);
      r = await put({});
      expect(r.status).toBe(200);
      expect((await t.call('GET', `/v2/listeners/${l.id}`)).body.listener).toMatchObject({ provisioning_status: 'ACTIVE', operating_status: 'OFFLINE', name: '' });

      expectFault(await t.call('PUT', `/v2/listeners/${l.id}`, {}), 400, 'Validation failure: No listener object supplied.');
      expectFault(await put({ protocol: 'TCP' }), 400, 'Unknown attribute for argument listener.listener: protocol');
      expectFault(await put({ protocol_port: 81 }), 400, /Unknown attribute.*protocol_port/);
      expectFault(await put({ insert_headers: { 'X-SSL-Issuer': 'true' } }), 400, "['X-SSL-Issuer'] is not a valid option for HTTP protocol listener.");
      expectFault(await put({ hsts_preload: true }), 400, /hsts_preload/);
      expectFault(await put({ client_authentication: 'MANDATORY' }), 400, 'Validation failure: Client authentication setting MANDATORY requires a client CA container reference.');

      const p = await pool(t, { loadbalancer_id: lb.id });
      r = await put({ default_pool_id: p.id });
      expect(r.body.listener.default_pool_id).toBe(p.id);
      expect((await t.call('GET', `/v2/pools/${p.id}`)).body.pool.listeners).toEqual([{ id: l.id }]);
      r = await put({ default_pool_id: null });
      expect(r.body.listener.default_pool_id).toBeNull();
      expect((await t.call('GET', `/v2/pools/${p.id}`)).body.pool).toMatchObject({ id: p.id, listeners: [] });
      const udp = await pool(t, { loadbalancer_id: lb.id, protocol: 'UDP' });
      expectFault(await put({ default_pool_id: udp.id }), 400, "Validation failure: The pool protocol 'UDP' is invalid while the listener protocol is 'HTTP'.");
    });

    it('uses the stored protocol on update for UDP listeners', async () => {
      const lb = await createLb(t);
      const l = await listener(t, lb.id, { protocol: 'UDP', protocol_port: 53 });
      expectFault(await t.call('PUT', `/v2/listeners/${l.id}`, { listener: { insert_headers: { 'X-Forwarded-For': 'true' } } }), 400,
        'Validation failure: UDP protocol listener does not support TLS or header insertion.');
    });

    it('reports statistics summed over amphorae', async () => {
      const lb = await createLb(t);
      const l = await listener(t, lb.id);
      let r = await t.call('GET', `/v2/lbaas/listeners/${l.id}/stats`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ stats: { bytes_in: 0, bytes_out: 0, active_connections: 0, total_connections: 0, request_errors: 0 } });
      for (const n of [1, 2]) {
        await sql(t, `INSERT INTO listener_statistics (listener_id, amphora_id, bytes_in, bytes_out, active_connections, total_connections, request_errors)
                      VALUES ($1, $2, $3::bigint, $3::bigint, $3::int, $3::bigint, $3::bigint)`, [l.id, randomUUID(), n * 10]);
      }
      r = await t.call('GET', `/v2/lbaas/listeners/${l.id}/stats`);
      expect(r.body.stats).toEqual({ bytes_in: 30, bytes_out: 30, active_connections: 30, total_connections: 30, request_errors: 30 });
    });

    it('deleting a listener leaves its default pool', async () => {
      const lb = await createLb(t);
      const l = await listener(t, lb.id);
      const p = await pool(t, { listener_id: l.id });
      expect((await t.call('DELETE', `/v2/listeners/${l.id}`)).status).toBe(204);
      const shown = await t.call('GET', `/v2/pools/${p.id}`);
      expect(shown.status).toBe(200);
      expect(shown.body.pool).toMatchObject({ listeners: [], loadbalancers: [{ id: lb.id }], provisioning_status: 'ACTIVE' });
    });

    it('lists with filters, sorting, pagination, fields and tags', async () => {
      const lb = await createLb(t);
      const a = await listener(t, lb.id, { protocol_port: 1001, name: 'a', tags: ['red', 'big'] });
      const b = await listener(t, lb.id, { protocol_port: 1002, name: 'b', tags: ['red'] });
      const c = await listener(t, lb.id, { protocol: 'UDP', protocol_port: 1003, name: 'c', tags: ['blue'] });
      const base = `/v2.0/lbaas/listeners?loadbalancer_id=${lb.id}`;
      const ids = async (q: string) => {
        const r = await t.call('GET', `${base}${q}`);
        expect(r.status).toBe(200);
        return r.body.listeners.map((l: Body) => l.id);
      };
      expect(await ids('')).toEqual([a.id, b.id, c.id]);
      expect(await ids('&sort=protocol_port:desc')).toEqual([c.id, b.id, a.id]);
      expect(await ids('&protocol=UDP')).toEqual([c.id]);
      expect(await ids('&protocol_port=1002')).toEqual([b.id]);
      expect(await ids('&tags=red,big')).toEqual([a.id]);
      expect(await ids('&tags-any=big,blue')).toEqual([a.id, c.id]);
      expect(await ids('&not-tags=red')).toEqual([c.id]);
      expect(await ids('&not-tags-any=big,blue')).toEqual([b.id]);
      expect(await ids(`&load_balancer_id=${lb.id}`)).toEqual([a.id, b.id, c.id]);

      const page1 = await t.call('GET', `${base}&limit=2`);
      expect(page1.body.listeners.map((l: Body) => l.id)).toEqual([a.id, b.id]);
      const next = page1.body.listeners_links.find((l: Body) => l.rel === 'next');
      expect(next.href).toContain(`marker=${b.id}`);
      const page2 = await t.call('GET', new URL(next.href).pathname + new URL(next.href).search);
      expect(page2.body.listeners.map((l: Body) => l.id)).toEqual([c.id]);
      expect(page2.body.listeners_links.map((l: Body) => l.rel)).toEqual(['previous']);

      const fields = await t.call('GET', `${base}&fields=id&fields=name`);
      expect(fields.body.listeners[0]).toEqual({ id: a.id, name: 'a' });
      expect((await t.call('GET', `/v2/listeners/${a.id}?fields=id&fields=protocol_port`)).body).toEqual({ listener: { id: a.id, protocol_port: 1001 } });
      expectFault(await t.call('GET', `${base}&bogus=1`), 400, 'One or more arguments are either duplicate or invalid');
      expectFault(await t.call('GET', `${base}&sort=nope`), 400, "Supplied sort key 'nope' is not valid.");
      expectFault(await t.call('GET', `${base}&marker=${randomUUID()}`), 400, /Supplied pagination marker/);
    });
  });

  describe('pools', () => {
    it('creates on a load balancer or a listener with defaults', async () => {
      const lb = await createLb(t);
      const p = await pool(t, { loadbalancer_id: lb.id, tags: ['x'] });
      expect(p).toMatchObject({
        name: '', description: '', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', admin_state_up: true, session_persistence: null,
        provisioning_status: 'PENDING_CREATE', operating_status: 'OFFLINE', loadbalancers: [{ id: lb.id }], listeners: [], members: [],
        healthmonitor_id: null, tls_enabled: false, tls_container_ref: null, ca_tls_container_ref: null, crl_container_ref: null,
        tls_ciphers: null, tls_versions: null, alpn_protocols: null, tags: ['x'], project_id: 'project-a', tenant_id: 'project-a',
      });
      const l = await listener(t, lb.id);
      const dp = await pool(t, { listener_id: l.id, session_persistence: { type: 'APP_COOKIE', cookie_name: 'sid' } });
      expect(dp).toMatchObject({ listeners: [{ id: l.id }], loadbalancers: [{ id: lb.id }] });
      expect(dp.session_persistence).toEqual({ type: 'APP_COOKIE', cookie_name: 'sid', persistence_timeout: null, persistence_granularity: null });
      expect((await t.call('GET', `/v2/listeners/${l.id}`)).body.listener.default_pool_id).toBe(dp.id);
      expectFault(await t.call('POST', '/v2/pools', { pool: { listener_id: l.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } }), 409, 'This listener already has a default pool');
      const tls = await pool(t, { loadbalancer_id: lb.id, tls_enabled: true });
      expect(tls).toMatchObject({ tls_versions: ['TLSv1.2', 'TLSv1.3'], alpn_protocols: ['h2', 'http/1.1', 'http/1.0'], tls_ciphers: t.config.api.defaultPoolCiphers });
      expect((await t.call('GET', `/v2/lbaas/pools/${p.id}`)).body.pool).toMatchObject({ provisioning_status: 'ACTIVE', operating_status: 'ONLINE' });
    });

    it('answers 400 and 404 per the spec', async () => {
      const lb = await createLb(t);
      const l = await listener(t, lb.id);
      const post = (body: Body) => t.call('POST', '/v2/pools', { pool: { protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', loadbalancer_id: lb.id, ...body } });
      expectFault(await t.call('POST', '/v2/pools', { pool: { protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } }), 400,
        'Validation failure: Must provide at least one of: loadbalancer_id, listener_id');
      expectFault(await post({ lb_algorithm: 'RANDOM' }), 400, /lb_algorithm.*Value should be one of/);
      expectFault(await post({ protocol: 'TERMINATED_HTTPS' }), 400, /protocol/);
      expectFault(await post({ loadbalancer_id: 'abc' }), 400, /UUID format/);
      expectFault(await post({ foo: 'bar' }), 400, 'Unknown attribute for argument pool.pool: foo');
      expectFault(await post({ name: 'tab\there' }), 400, /control characters/);
      expectFault(await post({ loadbalancer_id: undefined, listener_id: l.id, protocol: 'UDP' }), 400,
        "Validation failure: The pool protocol 'UDP' is invalid while the listener protocol is 'HTTP'.");
      expectFault(await post({ session_persistence: { type: 'APP_COOKIE' } }), 400,
        'Validation failure: Field "cookie_name" must be specified when using the "APP_COOKIE" session persistence type.');
      expectFault(await post({ session_persistence: { type: 'SOURCE_IP', cookie_name: 'x' } }), 400,
        'Validation failure: Field "cookie_name" can only be specified with session persistence of type "APP_COOKIE".');
      expectFault(await post({ session_persistence: { type: 'APP_COOKIE', cookie_name: 'a;b' } }), 400, 'Validation failure: Supplied "cookie_name" is invalid.');
      expectFault(await post({ protocol: 'UDP', session_persistence: { type: 'HTTP_COOKIE' } }), 400,
        'Validation failure: Session persistence of type HTTP_COOKIE is not supported for UDP/SCTP protocol pools.');
      expectFault(await post({ session_persistence: { type: 'SOURCE_IP', persistence_timeout: 5 } }), 400,
        'Validation failure: persistence_timeout and persistence_granularity is only for UDP and SCTP protocol pools.');
      expectFault(await post({ session_persistence: { type: 'SOURCE_IP', bogus: 1 } }), 400, /Unknown attribute.*bogus/);
      expectFault(await post({ crl_container_ref: 'crl' }), 400, 'Validation failure: A CA certificate reference is required to specify a revocation list.');
      expectFault(await post({ tls_enabled: true, tls_versions: [] }), 400, /Empty TLS version list/);
      const missing = randomUUID();
      expectFault(await post({ loadbalancer_id: missing }), 404, `Load Balancer ${missing} not found.`);
      expectFault(await post({ loadbalancer_id: undefined, listener_id: missing }), 404, `Listener ${missing} not found.`);
      expectFault(await t.call('GET', `/v2/pools/${missing}`), 404, `Pool ${missing} not found.`);
      expectFault(await t.call('PUT', `/v2/pools/${missing}`, { pool: {} }), 404, `Pool ${missing} not found.`);
      expectFault(await t.call('DELETE', `/v2/pools/${missing}`), 404, `Pool ${missing} not found.`);

      const udp = await pool(t, { loadbalancer_id: lb.id, protocol: 'UDP', session_persistence: { type: 'SOURCE_IP', persistence_timeout: 60, persistence_granularity: '255.255.255.0' } });
      expect(udp.session_persistence).toEqual({ type: 'SOURCE_IP', cookie_name: null, persistence_timeout: 60, persistence_granularity: '255.255.255.0' });
    });

    it('updates with PUT null-out semantics', async () => {
      const lb = await createLb(t);
      const p = await pool(t, { loadbalancer_id: lb.id, name: 'p', description: 'd', tags: ['t'], session_persistence: { type: 'APP_COOKIE', cookie_name: 'c' } });
      const put = (body: Body) => t.call('PUT', `/v2/lbaas/pools/${p.id}`, { pool: body });
      let r = await put({ name: null, lb_algorithm: 'LEAST_CONNECTIONS', tags: null, session_persistence: { cookie_name: 'd' } });
      expect(r.status).toBe(200);
      expect(r.body.pool).toMatchObject({ name: '', description: 'd', lb_algorithm: 'LEAST_CONNECTIONS', tags: ['t'], provisioning_status: 'PENDING_UPDATE' });
      expect(r.body.pool.session_persistence).toMatchObject({ type: 'APP_COOKIE', cookie_name: 'd' });
      r = await put({ session_persistence: { type: 'SOURCE_IP' } });
      expect(r.body.pool.session_persistence).toEqual({ type: 'SOURCE_IP', cookie_name: null, persistence_timeout: null, persistence_granularity: null });
      r = await put({ session_persistence: null, admin_state_up: null, tls_ciphers: null, tls_versions: null });
      expect(r.body.pool).toMatchObject({ session_persistence: null, admin_state_up: false, tls_ciphers: t.config.api.defaultPoolCiphers, tls_versions: ['TLSv1.2', 'TLSv1.3'] });
      r = await put({ ca_tls_container_ref: 'ca', crl_container_ref: 'crl' });
      expect(r.body.pool).toMatchObject({ ca_tls_container_ref: 'ca', crl_container_ref: 'crl' });
      expectFault(await put({ ca_tls_container_ref: null }), 400, 'Validation failure: A CA reference cannot be removed when a certificate revocation list is present.');
      expectFault(await put({ lb_algorithm: null }), 400, 'None is not a valid option for lb_algorithm');
      expectFault(await put({ protocol: 'TCP' }), 400, /Unknown attribute.*protocol/);
      expectFault(await put({ loadbalancer_id: lb.id }), 400, /Unknown attribute.*loadbalancer_id/);
      expectFault(await put({ session_persistence: { type: 'SOURCE_IP', persistence_timeout: 3 } }), 400,
        'Validation failure: persistence_timeout and persistence_granularity is only for UDP protocol pools.');
      expectFault(await put({ alpn_protocols: ['h3'] }), 400, /valid ALPN protocol ID/);
      expect((await t.call('GET', `/v2/pools/${p.id}`)).body.pool.provisioning_status).toBe('ACTIVE');
    });

    it('deletes with its members and health monitor; refuses while an L7 policy redirects to it', async () => {
      const lb = await createLb(t);
      const l = await listener(t, lb.id);
      const p = await pool(t, { listener_id: l.id });
      const m = await member(t, p.id);
      const hm = await monitor(t, p.id);
      const policyId = randomUUID();
      await sql(t, `INSERT INTO l7policy (id, project_id, listener_id, action, redirect_pool_id, position, enabled, provisioning_status, operating_status, created_at)
                    VALUES ($1, 'project-a', $2, 'REDIRECT_TO_POOL', $3, 1, true, 'ACTIVE', 'ONLINE', now())`, [policyId, l.id, p.id]);
      expectFault(await t.call('DELETE', `/v2/pools/${p.id}`), 409, `Pool ${p.id} is in use by L7 policy ${policyId}`);
      await sql(t, `DELETE FROM l7policy WHERE id = $1`, [policyId]);

      expect((await t.call('DELETE', `/v2/pools/${p.id}`)).status).toBe(204);
      expectFault(await t.call('GET', `/v2/pools/${p.id}`), 404, `Pool ${p.id} not found.`);
      expectFault(await t.call('GET', `/v2/pools/${p.id}/members/${m.id}`), 404, `Pool ${p.id} not found.`);
      expectFault(await t.call('GET', `/v2/healthmonitors/${hm.id}`), 404, `Health Monitor ${hm.id} not found.`);
      expect(await sql(t, `SELECT id FROM member WHERE id = $1`, [m.id])).toEqual([]);
      expect((await t.call('GET', `/v2/listeners/${l.id}`)).body.listener.default_pool_id).toBeNull();
    });

    it('lists with loadbalancer_id and healthmonitor_id filters', async () => {
      const lb = await createLb(t);
      const p1 = await pool(t, { loadbalancer_id: lb.id, name: 'one' });
      const p2 = await pool(t, { loadbalancer_id: lb.id, name: 'two', protocol: 'TCP' });
      const hm = await monitor(t, p2.id, { type: 'TCP' });
      const r = await t.call('GET', `/v2/lbaas/pools?loadbalancer_id=${lb.id}`);
      expect(r.body.pools.map((p: Body) => p.id)).toEqual([p1.id, p2.id]);
      expect(r.body.pools_links).toEqual([]);
      expect(r.body.pools[1].healthmonitor_id).toBe(hm.id);
      const byHm = await t.call('GET', `/v2/lbaas/pools?healthmonitor_id=${hm.id}`);
      expect(byHm.body.pools.map((p: Body) => p.id)).toEqual([p2.id]);
      const sorted = await t.call('GET', `/v2/lbaas/pools?loadbalancer_id=${lb.id}&sort=name:desc`);
      expect(sorted.body.pools.map((p: Body) => p.name)).toEqual(['two', 'one']);
      expectFault(await t.call('GET', `/v2/lbaas/pools?listener_id=${randomUUID()}`), 400, 'One or more arguments are either duplicate or invalid');
    });
  });

  describe('members', () => {
    it('creates, shows, updates and deletes within the pool', async () => {
      const lb = await createLb(t);
      const p = await pool(t, { loadbalancer_id: lb.id });
      const m = await member(t, p.id, { name: 'm1', tags: ['k'] });
      expect(m).toMatchObject({
        name: 'm1', address: '192.0.2.10', protocol_port: 80, weight: 1, backup: false, admin_state_up: true, subnet_id: null,
        monitor_address: null, monitor_port: null, provisioning_status: 'PENDING_CREATE', operating_status: 'NO_MONITOR',
        tags: ['k'], vnic_type: 'normal', project_id: 'project-a', tenant_id: 'project-a',
      });
      expect(m).not.toHaveProperty('description');
      const shown = await t.call('GET', `/v2.0/lbaas/pools/${p.id}/members/${m.id}`);
      expect(shown.body.member).toMatchObject({ id: m.id, provisioning_status: 'ACTIVE', operating_status: 'NO_MONITOR' });
      expect((await t.call('GET', `/v2/pools/${p.id}`)).body.pool.members).toEqual([{ id: m.id }]);

      const put = (body: Body) => t.call('PUT', `/v2/pools/${p.id}/members/${m.id}`, { member: body });
      let r = await put({ weight: 0, backup: true, monitor_address: '192.0.2.99', monitor_port: 8080, name: 'x' });
      expect(r.status).toBe(200);
      expect(r.body.member).toMatchObject({ weight: 0, backup: true, monitor_address: '192.0.2.99', monitor_port: 8080, name: 'x', provisioning_status: 'PENDING_UPDATE' });
      r = await put({ weight: null, backup: null, monitor_address: null, monitor_port: null, name: null, tags: null, admin_state_up: null });
      expect(r.body.member).toMatchObject({ weight: 1, backup: false, monitor_address: null, monitor_port: null, name: '', tags: ['k'], admin_state_up: false });
      expectFault(await put({ address: '192.0.2.11' }), 400, 'Unknown attribute for argument member.member: address');
      expectFault(await put({ weight: 257 }), 400, /lower or equal to 256/);
      expectFault(await put({ subnet_id: randomUUID() }), 400, /Unknown attribute.*subnet_id/);

      expect((await t.call('DELETE', `/v2/pools/${p.id}/members/${m.id}`)).status).toBe(204);
      expectFault(await t.call('GET', `/v2/pools/${p.id}/members/${m.id}`), 404, `Member ${m.id} not found.`);
    });

    it('answers 400, 404 and 409 per the spec', async () => {
      const lb = await createLb(t);
      const p = await pool(t, { loadbalancer_id: lb.id });
      const other = await pool(t, { loadbalancer_id: lb.id });
      const post = (body: Body, poolId = p.id) => t.call('POST', `/v2/pools/${poolId}/members`, { member: { address: '192.0.2.20', protocol_port: 80, ...body } });
      expectFault(await post({ address: '999.0.0.1' }), 400, /Value should be IPv4 or IPv6 format/);
      expectFault(await post({ protocol_port: 0 }), 400, /greater or equal to 1/);
      expectFault(await post({ weight: -1 }), 400, /greater or equal to 0/);
      expectFault(await post({ monitor_port: 70000 }), 400, /lower or equal to 65535/);
      expectFault(await post({ subnet_id: 'nope' }), 400, /UUID format/);
      expectFault(await post({ name: 'a\u0000b' }), 400, /control characters/);
      expectFault(await post({ id: randomUUID() }), 400, 'Unknown attribute for argument member.member: id');
      expectFault(await post({ address: '169.254.169.254' }), 400, '169.254.169.254 is not a valid option for member address');
      expectFault(await post({ request_sriov: true }), 400, 'The load balancer flavor does not allow SR-IOV member ports.');
      expectFault(await t.call('POST', `/v2/pools/${p.id}/members`, { member: { protocol_port: 80 } }), 400, /address.*Mandatory field missing/);

      const missing = randomUUID();
      // The pool in the URL is checked before the body (a routing error upstream).
      expectFault(await t.call('POST', `/v2/pools/${missing}/members`, { member: { bogus: 1 } }), 404, `Pool ${missing} not found.`);
      expectFault(await t.call('GET', `/v2/pools/${missing}/members`), 404, `Pool ${missing} not found.`);
      expectFault(await t.call('PUT', `/v2/pools/${missing}/members`, { members: [] }), 404, `Pool ${missing} not found.`);
      expectFault(await t.call('GET', `/v2/pools/${missing}/members/${randomUUID()}`), 404, `Pool ${missing} not found.`);
      expectFault(await t.call('DELETE', `/v2/pools/${missing}/members/${randomUUID()}`), 404, `Pool ${missing} not found.`);

      const m = await member(t, p.id, { address: '192.0.2.20' });
      expectFault(await post({}), 409, 'Another member on this pool is already using ip 192.0.2.20 on protocol_port 80');
      expect((await post({ protocol_port: 81 })).status).toBe(201);
      expect((await post({}, other.id)).status).toBe(201);
      expectFault(await t.call('GET', `/v2/pools/${other.id}/members/${m.id}`), 404, `Member ${m.id} not found.`);
      expectFault(await t.call('PUT', `/v2/pools/${other.id}/members/${m.id}`, { member: { weight: 2 } }), 404, `Member ${m.id} not found.`);
      expectFault(await t.call('DELETE', `/v2/pools/${other.id}/members/${m.id}`), 404, `Member ${m.id} not found.`);

      await sql(t, `UPDATE pool SET provisioning_status = 'ERROR' WHERE id = $1`, [p.id]);
      expectFault(await post({ protocol_port: 82 }), 409, `Pool ${p.id} is immutable and cannot be updated.`);
      expectFault(await t.call('PUT', `/v2/pools/${p.id}/members/${m.id}`, { member: { weight: 3 } }), 409, `Pool ${p.id} is immutable and cannot be updated.`);
      expectFault(await t.call('DELETE', `/v2/pools/${p.id}/members/${m.id}`), 409, `Pool ${p.id} is immutable and cannot be updated.`);
      expect((await t.call('GET', `/v2/loadbalancers/${lb.id}`)).body.loadbalancer.provisioning_status).toBe('ACTIVE');
    });

    it('starts OFFLINE when the pool has a health monitor', async () => {
      const lb = await createLb(t);
      const p = await pool(t, { loadbalancer_id: lb.id });
      await monitor(t, p.id);
      const m = await member(t, p.id);
      expect(m.operating_status).toBe('OFFLINE');
    });

    it('lists with pagination, sorting, filters, fields and tags', async () => {
      const lb = await createLb(t);
      const p = await pool(t, { loadbalancer_id: lb.id });
      const m1 = await member(t, p.id, { address: '10.0.0.1', protocol_port: 8080, tags: ['a', 'b'], weight: 5 });
      const m2 = await member(t, p.id, { address: '10.0.0.2', protocol_port: 8081, tags: ['a'] });
      const m3 = await member(t, p.id, { address: '10.0.0.3', protocol_port: 8082, tags: ['c'], backup: true });
      const other = await pool(t, { loadbalancer_id: lb.id });
      await member(t, other.id, { address: '10.0.0.1', protocol_port: 8080 });
      const base = `/v2.0/lbaas/pools/${p.id}/members`;
      const ids = async (q: string) => {
        const r = await t.call('GET', `${base}${q}`);
        expect(r.status).toBe(200);
        return r.body.members.map((m: Body) => m.id);
      };
      expect(await ids('')).toEqual([m1.id, m2.id, m3.id]);
      expect(await ids('?sort=protocol_port:desc')).toEqual([m3.id, m2.id, m1.id]);
      expect(await ids('?sort_key=weight&sort_dir=desc')).toEqual([m1.id, m2.id, m3.id]);
      expect(await ids('?address=10.0.0.2')).toEqual([m2.id]);
      expect(await ids('?backup=true')).toEqual([m3.id]);
      expect(await ids('?weight=5')).toEqual([m1.id]);
      expect(await ids('?tags=a')).toEqual([m1.id, m2.id]);
      expect(await ids('?tags=a&tags=b')).toEqual([m1.id]);
      expect(await ids('?tags-any=b,c')).toEqual([m1.id, m3.id]);
      expect(await ids('?not-tags-any=a')).toEqual([m3.id]);

      const page = await t.call('GET', `${base}?limit=2`);
      expect(page.body.members.map((m: Body) => m.id)).toEqual([m1.id, m2.id]);
      expect(page.body.members_links).toEqual([{ rel: 'next', href: expect.stringContaining(`limit=2&marker=${m2.id}`) }]);
      const page2 = await t.call('GET', `${base}?limit=2&marker=${m2.id}`);
      expect(page2.body.members.map((m: Body) => m.id)).toEqual([m3.id]);
      expect(page2.body.members_links).toEqual([{ rel: 'previous', href: expect.stringContaining(`marker=${m3.id}`) }]);

      const fields = await t.call('GET', `${base}?fields=id&fields=address`);
      expect(fields.body.members).toEqual([m1, m2, m3].map((m) => ({ id: m.id, address: m.address })));
      expect((await t.call('GET', `${base}/${m2.id}?fields=weight,backup`)).body).toEqual({ member: { weight: 1, backup: false } });
      expectFault(await t.call('GET', `${base}?loadbalancer_id=${lb.id}`), 400, 'One or more arguments are either duplicate or invalid');
      expectFault(await t.call('GET', `${base}?limit=abc`), 400, "Supplied pagination limit 'abc' is not valid.");
    });

    it('batch-updates: creates, updates, deletes, additive only, duplicates', async () => {
      const lb = await createLb(t);
      const p = await pool(t, { loadbalancer_id: lb.id });
      const a = await member(t, p.id, { address: '10.1.0.1', weight: 3, name: 'a' });
      const b = await member(t, p.id, { address: '10.1.0.2' });
      const batch = (members: unknown, query = '') => t.call('PUT', `/v2.0/lbaas/pools/${p.id}/members${query}`, { members });
      const state = async () => {
        const r = await t.call('GET', `/v2/pools/${p.id}/members`);
        return Object.fromEntries(r.body.members.map((m: Body) => [`${m.address}:${m.protocol_port}`, m]));
      };

      let r = await batch([{ address: '10.1.0.1', protocol_port: 80, weight: 7 }, { address: '10.1.0.3', protocol_port: 80, name: 'c' }]);
      expect(r.status).toBe(202);
      expect(r.body).toBeUndefined();
      expect(r.headers.get('content-type')).toBeNull();
      let s = await state();
      expect(Object.keys(s).sort()).toEqual(['10.1.0.1:80', '10.1.0.3:80']);
      expect(s['10.1.0.1:80']).toMatchObject({ id: a.id, weight: 7, name: 'a', provisioning_status: 'ACTIVE' });
      expect(s['10.1.0.3:80']).toMatchObject({ name: 'c', weight: 1, provisioning_status: 'ACTIVE' });
      expect(s['10.1.0.2:80']).toBeUndefined();
      expectFault(await t.call('GET', `/v2/pools/${p.id}/members/${b.id}`), 404, `Member ${b.id} not found.`);

      r = await batch([{ address: '10.1.0.4', protocol_port: 443 }], '?additive_only=true');
      expect(r.status).toBe(202);
      s = await state();
      expect(Object.keys(s).sort()).toEqual(['10.1.0.1:80', '10.1.0.3:80', '10.1.0.4:443']);

      expectFault(await batch([{ address: '10.1.0.1', protocol_port: 80 }, { address: '10.1.0.1', protocol_port: 80, weight: 2 }]), 400,
        'Validation failure: Member must be updated only once in the same request.');
      expectFault(await batch([{ address: '10.9.0.1', protocol_port: 80 }, { address: '10.9.0.1', protocol_port: 80 }]), 400,
        'Validation failure: Member must be updated only once in the same request.');
      expectFault(await batch([{ address: '10.1.0.9' }]), 400, /protocol_port.*Mandatory field missing/);
      expectFault(await batch([{ address: '10.1.0.9', protocol_port: 80, bogus: true }]), 400, /Unknown attribute.*bogus/);
      expectFault(await batch([{ address: '169.254.169.254', protocol_port: 80 }]), 400, '169.254.169.254 is not a valid option for member address');
      expectFault(await batch('nope'), 400, /Value not a valid list/);
      expectFault(await t.call('PUT', `/v2/pools/${p.id}/members`, { member: [] }), 400, 'Unknown attribute for argument members: member');
      expect(Object.keys(await state())).toHaveLength(3);

      r = await batch([]);
      expect(r.status).toBe(202);
      expect(await state()).toEqual({});
      // nothing to change: still 202
      expect((await batch([])).status).toBe(202);
      expect((await t.call('GET', `/v2/loadbalancers/${lb.id}`)).body.loadbalancer.provisioning_status).toBe('ACTIVE');
    });
  });

  describe('health monitors', () => {
    it('creates with per-type defaults, links the pool, updates and deletes', async () => {
      const lb = await createLb(t);
      const p = await pool(t, { loadbalancer_id: lb.id });
      const hm = await monitor(t, p.id, { name: 'hm' });
      expect(hm).toMatchObject({
        name: 'hm', type: 'HTTP', delay: 5, timeout: 3, max_retries: 2, max_retries_down: 3, http_method: 'GET', url_path: '/',
        expected_codes: '200', http_version: null, domain_name: null, admin_state_up: true, pools: [{ id: p.id }],
        provisioning_status: 'PENDING_CREATE', operating_status: 'OFFLINE', tags: [], project_id: 'project-a', tenant_id: 'project-a',
      });
      expect((await t.call('GET', `/v2/pools/${p.id}`)).body.pool.healthmonitor_id).toBe(hm.id);
      expectFault(await t.call('POST', '/v2/healthmonitors', { healthmonitor: { pool_id: p.id, type: 'TCP', delay: 1, timeout: 1, max_retries: 1 } }), 409,
        'This pool already has a health monitor');

      const put = (body: Body) => t.call('PUT', `/v2/lbaas/healthmonitors/${hm.id}`, { healthmonitor: body });
      let r = await put({ delay: 10, url_path: '/health', expected_codes: '200-204', http_method: 'HEAD', http_version: 1.1, domain_name: 'example.com' });
      expect(r.status).toBe(200);
      expect(r.body.healthmonitor).toMatchObject({ delay: 10, url_path: '/health', expected_codes: '200-204', http_method: 'HEAD', http_version: 1.1, domain_name: 'example.com', provisioning_status: 'PENDING_UPDATE' });
      r = await put({ url_path: null, expected_codes: null, http_method: null, max_retries_down: null, name: null, domain_name: null, http_version: null, admin_state_up: null });
      expect(r.body.healthmonitor).toMatchObject({ url_path: '/', expected_codes: '200', http_method: 'GET', max_retries_down: 3, name: '', domain_name: null, http_version: null, admin_state_up: false });
      expectFault(await put({ delay: null }), 400, 'None is not a valid option for delay');
      expectFault(await put({ max_retries: null }), 400, 'None is not a valid option for max_retries');
      expectFault(await put({ type: 'TCP' }), 400, 'Unknown attribute for argument health_monitor.healthmonitor: type');
      expectFault(await put({ domain_name: 'example.com' }), 400, "Validation failure: 'http_version' must be specified when 'domain_name' is provided.");
      expectFault(await put({ domain_name: 'example.com', http_version: 1.0 }), 400, 'http_version 1.0 is not a valid option for health monitors HTTP 1.1 domain name health check');
      expectFault(await put({ expected_codes: '2xx' }), 400, /expected_codes/);
      expectFault(await put({ url_path: 'http://x/y' }), 400, /valid URL Path/);

      expect((await t.call('DELETE', `/v2/healthmonitors/${hm.id}`)).status).toBe(204);
      expectFault(await t.call('GET', `/v2/healthmonitors/${hm.id}`), 404, `Health Monitor ${hm.id} not found.`);
      expect((await t.call('GET', `/v2/pools/${p.id}`)).body.pool.healthmonitor_id).toBeNull();
    });

    it('answers 400 and 404 per type and pool protocol', async () => {
      const lb = await createLb(t);
      const tcp = await pool(t, { loadbalancer_id: lb.id, protocol: 'TCP' });
      const udp = await pool(t, { loadbalancer_id: lb.id, protocol: 'UDP' });
      const post = (body: Body) => t.call('POST', '/v2/healthmonitors', { healthmonitor: { pool_id: tcp.id, type: 'TCP', delay: 5, timeout: 3, max_retries: 2, ...body } });
      expectFault(await post({ url_path: '/x' }), 400, 'url_path is not a valid option for health monitors of type TCP');
      expectFault(await post({ http_method: 'GET' }), 400, 'http_method is not a valid option for health monitors of type TCP');
      expectFault(await post({ type: 'UDP-CONNECT' }), 400, 'Validation failure: The UDP-CONNECT type is only supported for pools of type UDP/SCTP.');
      expectFault(await post({ pool_id: udp.id, type: 'HTTPS' }), 400,
        'Validation failure: The associated pool protocol is UDP, so only a UDP-CONNECT/SCTP/TCP/HTTP health monitor is supported.');
      expectFault(await post({ pool_id: udp.id, type: 'UDP-CONNECT', delay: 1 }), 400,
        'Validation failure: The request delay value 1 should be larger than 3 for UDP-CONNECT health monitor type.');
      expectFault(await post({ max_retries: 11 }), 400, /lower or equal to 10/);
      expectFault(await post({ max_retries_down: 0 }), 400, /greater or equal to 1/);
      expectFault(await post({ delay: -1 }), 400, /greater or equal to 0/);
      expectFault(await post({ delay: undefined }), 400, /delay.*Mandatory field missing/);
      expectFault(await post({ type: 'ICMP' }), 400, /Value should be one of/);
      expectFault(await post({ http_version: 2 }), 400, /http_version/);
      expectFault(await post({ name: 'x\ny' }), 400, /control characters/);
      expectFault(await post({ pool_id: 'abc' }), 400, /UUID format/);
      expectFault(await post({ description: 'no such field' }), 400, /Unknown attribute.*description/);
      const missing = randomUUID();
      expectFault(await post({ pool_id: missing }), 404, `Pool ${missing} not found.`);
      expectFault(await t.call('GET', `/v2/healthmonitors/${missing}`), 404, `Health Monitor ${missing} not found.`);
      expectFault(await t.call('PUT', `/v2/healthmonitors/${missing}`, { healthmonitor: {} }), 404, `Health Monitor ${missing} not found.`);

      const udpHm = await monitor(t, udp.id, { type: 'UDP-CONNECT', delay: 3 });
      expect(udpHm).toMatchObject({ type: 'UDP-CONNECT', http_method: null, url_path: null, expected_codes: null });
      expectFault(await t.call('PUT', `/v2/healthmonitors/${udpHm.id}`, { healthmonitor: { url_path: null } }), 400,
        'url_path is not a valid option for health monitors of type UDP-CONNECT');
      const tcpHm = await monitor(t, tcp.id, { type: 'PING' });
      const list = await t.call('GET', `/v2/healthmonitors?pool_id=${tcp.id}`);
      expect(list.body.healthmonitors.map((h: Body) => h.id)).toEqual([tcpHm.id]);
      expect((await t.call('GET', `/v2/healthmonitors?type=UDP-CONNECT&fields=id`)).body.healthmonitors).toEqual([{ id: udpHm.id }]);
      expectFault(await t.call('GET', `/v2/healthmonitors?loadbalancer_id=${lb.id}`), 400, 'One or more arguments are either duplicate or invalid');
    });
  });
});

describe('status machine and gates with a provider that does not finish', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ OCTAVIA_TS_DEFAULT_PROVIDER: 'amphora' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const status = async (path: string, root: string) => (await t.call('GET', path)).body[root].provisioning_status;
  const lbStatus = (id: string) => status(`/v2/loadbalancers/${id}`, 'loadbalancer');

  it('answers 409 while the load balancer is busy, before semantic checks', async () => {
    const lb = await createLb(t);
    expect(lb.provisioning_status).toBe('PENDING_CREATE');
    const immutable = `Load Balancer ${lb.id} is immutable and cannot be updated.`;
    expectFault(await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 80 } }), 409, immutable);
    // invalid TLS settings, still 409 first (spec 6.4)
    expectFault(await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'TERMINATED_HTTPS', protocol_port: 443 } }), 409, immutable);
    expectFault(await t.call('POST', '/v2/pools', { pool: { loadbalancer_id: lb.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } }), 409, immutable);
    // but schema errors and unknown parents come first
    expectFault(await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 0 } }), 400);
    expect(await lbStatus(lb.id)).toBe('PENDING_CREATE');
  });

  it('moves the tree through PENDING_* as in spec 7.3', async () => {
    const lb = await createLb(t);
    await settle(t, lb.id);

    const l = await listener(t, lb.id);
    expect(l.provisioning_status).toBe('PENDING_CREATE');
    expect(await lbStatus(lb.id)).toBe('PENDING_UPDATE');
    expectFault(await t.call('POST', '/v2/pools', { pool: { loadbalancer_id: lb.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } }), 409,
      `Load Balancer ${lb.id} is immutable and cannot be updated.`);
    await settle(t, lb.id);

    const p = await pool(t, { listener_id: l.id });
    expect(p.provisioning_status).toBe('PENDING_CREATE');
    expect(await status(`/v2/listeners/${l.id}`, 'listener')).toBe('PENDING_UPDATE');
    expect(await lbStatus(lb.id)).toBe('PENDING_UPDATE');
    await settle(t, lb.id);

    const m = await member(t, p.id);
    expect(m.provisioning_status).toBe('PENDING_CREATE');
    expect(await status(`/v2/pools/${p.id}`, 'pool')).toBe('PENDING_UPDATE');
    expect(await status(`/v2/listeners/${l.id}`, 'listener')).toBe('PENDING_UPDATE');
    expect(await lbStatus(lb.id)).toBe('PENDING_UPDATE');
    // the load balancer is back but the pool is still busy with the previous member change
    await sql(t, `UPDATE load_balancer SET provisioning_status = 'ACTIVE' WHERE id = $1`, [lb.id]);
    expectFault(await t.call('POST', `/v2/pools/${p.id}/members`, { member: { address: '192.0.2.77', protocol_port: 80 } }), 409,
      `Pool ${p.id} is immutable and cannot be updated.`);
    expectFault(await t.call('POST', '/v2/healthmonitors', { healthmonitor: { pool_id: p.id, type: 'TCP', delay: 1, timeout: 1, max_retries: 1 } }), 409,
      `Pool ${p.id} is immutable and cannot be updated.`);
    expect(await lbStatus(lb.id)).toBe('ACTIVE');
    await settle(t, lb.id);

    const hm = await monitor(t, p.id);
    expect(hm.provisioning_status).toBe('PENDING_CREATE');
    expect(await status(`/v2/pools/${p.id}`, 'pool')).toBe('PENDING_UPDATE');
    await settle(t, lb.id);

    const upd = await t.call('PUT', `/v2/pools/${p.id}/members/${m.id}`, { member: { weight: 9 } });
    expect(upd.body.member).toMatchObject({ weight: 9, provisioning_status: 'PENDING_UPDATE' });
    await settle(t, lb.id);

    const pu = await t.call('PUT', `/v2/pools/${p.id}`, { pool: { name: 'renamed' } });
    expect(pu.body.pool.provisioning_status).toBe('PENDING_UPDATE');
    expect(await status(`/v2/listeners/${l.id}`, 'listener')).toBe('PENDING_UPDATE');
    expect(await lbStatus(lb.id)).toBe('PENDING_UPDATE');
    await settle(t, lb.id);

    const lu = await t.call('PUT', `/v2/listeners/${l.id}`, { listener: { name: 'renamed' } });
    expect(lu.body.listener.provisioning_status).toBe('PENDING_UPDATE');
    expect(await lbStatus(lb.id)).toBe('PENDING_UPDATE');
    expectFault(await t.call('PUT', `/v2/listeners/${l.id}`, { listener: { name: 'again' } }), 409, `Load Balancer ${lb.id} is immutable and cannot be updated.`);
    await settle(t, lb.id);

    expect((await t.call('DELETE', `/v2/healthmonitors/${hm.id}`)).status).toBe(204);
    expect(await status(`/v2/healthmonitors/${hm.id}`, 'healthmonitor')).toBe('PENDING_DELETE');
    expect(await status(`/v2/pools/${p.id}`, 'pool')).toBe('PENDING_UPDATE');
    await settle(t, lb.id);

    expect((await t.call('DELETE', `/v2/pools/${p.id}/members/${m.id}`)).status).toBe(204);
    expect(await status(`/v2/pools/${p.id}/members/${m.id}`, 'member')).toBe('PENDING_DELETE');
    await settle(t, lb.id);

    expect((await t.call('DELETE', `/v2/pools/${p.id}`)).status).toBe(204);
    expect(await status(`/v2/pools/${p.id}`, 'pool')).toBe('PENDING_DELETE');
    expect(await status(`/v2/listeners/${l.id}`, 'listener')).toBe('PENDING_UPDATE');
    await settle(t, lb.id);

    expect((await t.call('DELETE', `/v2/listeners/${l.id}`)).status).toBe(204);
    expect(await status(`/v2/listeners/${l.id}`, 'listener')).toBe('PENDING_DELETE');
    expect(await lbStatus(lb.id)).toBe('PENDING_UPDATE');
    await settle(t, lb.id);
    expect((await t.call('GET', `/v2/listeners/${l.id}`)).status).toBe(404);

    const flows = await sql(t, `SELECT kind FROM flow WHERE load_balancer_id = $1 ORDER BY created_at`, [lb.id]);
    expect(flows.map((f) => f.kind)).toEqual([
      'loadbalancer.create', 'listener.create', 'pool.create', 'member.create', 'healthmonitor.create', 'member.update',
      'pool.update', 'listener.update', 'healthmonitor.delete', 'member.delete', 'pool.delete', 'listener.delete',
    ]);
  });

  it('batch update marks new, matched and missing members; changes nothing when there is nothing to do', async () => {
    const lb = await createLb(t);
    await settle(t, lb.id);
    const p = await pool(t, { loadbalancer_id: lb.id });
    await settle(t, lb.id);
    expect((await t.call('PUT', `/v2/pools/${p.id}/members`, { members: [] })).status).toBe(202);
    expect(await lbStatus(lb.id)).toBe('ACTIVE');
    expect(await status(`/v2/pools/${p.id}`, 'pool')).toBe('ACTIVE');

    const keep = await member(t, p.id, { address: '10.2.0.1' });
    await settle(t, lb.id);
    const gone = await member(t, p.id, { address: '10.2.0.2' });
    await settle(t, lb.id);
    const r = await t.call('PUT', `/v2/pools/${p.id}/members`, { members: [{ address: '10.2.0.1', protocol_port: 80, weight: 4 }, { address: '10.2.0.3', protocol_port: 80 }] });
    expect(r.status).toBe(202);
    const members = (await t.call('GET', `/v2/pools/${p.id}/members`)).body.members;
    const byAddress = Object.fromEntries(members.map((m: Body) => [m.address, m]));
    expect(byAddress['10.2.0.1']).toMatchObject({ id: keep.id, provisioning_status: 'PENDING_UPDATE', weight: 4 });
    expect(byAddress['10.2.0.2']).toMatchObject({ id: gone.id, provisioning_status: 'PENDING_DELETE' });
    expect(byAddress['10.2.0.3']).toMatchObject({ provisioning_status: 'PENDING_CREATE' });
    expect(await status(`/v2/pools/${p.id}`, 'pool')).toBe('PENDING_UPDATE');
    expect(await lbStatus(lb.id)).toBe('PENDING_UPDATE');
    // a busy load balancer still answers 409 even for a batch that changes nothing
    expectFault(await t.call('PUT', `/v2/pools/${p.id}/members?additive_only=true`, { members: [] }), 409, `Load Balancer ${lb.id} is immutable and cannot be updated.`);
    const [flow] = await sql(t, `SELECT payload FROM flow WHERE kind = 'member.batch_update' AND load_balancer_id = $1`, [lb.id]);
    expect(flow.payload).toMatchObject({ updated: [keep.id], deleted: [gone.id] });
    expect(flow.payload.created).toHaveLength(1);
  });
});

describe('quotas and policy under the testing auth strategy', () => {
  let t: TestApi;
  let dir: string;
  const alice = { 'x-project-id': 'project-q', 'x-roles': 'member' };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'octavia-children-'));
    const file = join(dir, 'octavia.conf');
    writeFileSync(file, [
      '[api_settings]', 'auth_strategy = testing', '',
      '[quotas]', 'default_listener_quota = 1', 'default_pool_quota = 1', 'default_member_quota = 2', 'default_health_monitor_quota = 0', '',
    ].join('\n'));
    t = await startTestApi({ OCTAVIA_TS_AUTH_STRATEGY: 'testing', OCTAVIA_TS_CONFIG_FILE: file });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 403 when a quota is met', async () => {
    const lb = await createLb(t, alice);
    const call = (method: string, path: string, body?: unknown) => t.call(method, path, body, alice);
    expect((await call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 80 } })).status).toBe(201);
    expectFault(await call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 81 } }), 403, 'Quota has been met for resources: Listener');

    const p = await call('POST', '/v2/pools', { pool: { loadbalancer_id: lb.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } });
    expect(p.status).toBe(201);
    const poolId = p.body.pool.id;
    expectFault(await call('POST', '/v2/pools', { pool: { loadbalancer_id: lb.id, protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN' } }), 403, 'Quota has been met for resources: Pool');
    expectFault(await call('POST', '/v2/healthmonitors', { healthmonitor: { pool_id: poolId, type: 'TCP', delay: 1, timeout: 1, max_retries: 1 } }), 403,
      'Quota has been met for resources: Health Monitor');

    expect((await call('POST', `/v2/pools/${poolId}/members`, { member: { address: '10.3.0.1', protocol_port: 80 } })).status).toBe(201);
    // net count: one new member on top of one existing fits a quota of two; two more do not
    expectFault(await call('PUT', `/v2/pools/${poolId}/members?additive_only=true`, { members: [{ address: '10.3.0.2', protocol_port: 80 }, { address: '10.3.0.3', protocol_port: 80 }] }), 403,
      'Quota has been met for resources: Member');
    // replacing the existing member by two is a net change of one, which still fits
    expect((await call('PUT', `/v2/pools/${poolId}/members`, { members: [{ address: '10.3.0.2', protocol_port: 80 }, { address: '10.3.0.3', protocol_port: 80 }] })).status).toBe(202);
    expectFault(await call('POST', `/v2/pools/${poolId}/members`, { member: { address: '10.3.0.4', protocol_port: 80 } }), 403, 'Quota has been met for resources: Member');
  });

  it('enforces the policy on the owning project', async () => {
    const lb = await createLb(t, { 'x-project-id': 'project-r', 'x-roles': 'member' });
    const l = await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'TCP', protocol_port: 22 } }, { 'x-project-id': 'project-r', 'x-roles': 'member' });
    expect(l.status).toBe(201);
    const other = { 'x-project-id': 'project-s', 'x-roles': 'member' };
    expectFault(await t.call('GET', `/v2/listeners/${l.body.listener.id}`, undefined, other), 403, 'Policy does not allow this request to be performed.');
    expectFault(await t.call('POST', '/v2/pools', { pool: { loadbalancer_id: lb.id, protocol: 'TCP', lb_algorithm: 'ROUND_ROBIN' } }, other), 403);
    const reader = { 'x-project-id': 'project-r', 'x-roles': 'reader' };
    expect((await t.call('GET', `/v2/listeners/${l.body.listener.id}`, undefined, reader)).status).toBe(200);
    expectFault(await t.call('PUT', `/v2/listeners/${l.body.listener.id}`, { listener: { name: 'x' } }, reader), 403);
    const listed = await t.call('GET', '/v2/listeners', undefined, other);
    expect(listed.status).toBe(200);
    expect(listed.body.listeners).toEqual([]);
  });
});
