/**
 * L7 policies and rules (spec 9.6, 9.7, 10.6) over real HTTP against a real API on a throw-away
 * PostgreSQL database. The noop provider settles every write at once; a second API on the amphora
 * provider (whose dispatcher does nothing) keeps objects PENDING_* so the gates of spec 7.4, the status
 * fan-out of 7.3 and the flow records can be observed.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import { settleLoadBalancerTree } from '../../libs/database/src';
import { TestApi, startTestApi } from '../support/api-harness';
import { expectFault, rowCounts } from './lb-helpers';

jest.setTimeout(120000);

type Body = Record<string, any>;

const POLICIES = '/v2.0/lbaas/l7policies';
const rulesOf = (policyId: string) => `${POLICIES}/${policyId}/rules`;

async function sql(t: TestApi, text: string, params: unknown[] = []): Promise<any[]> {
  const c = new Client({ connectionString: t.dbUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** What a provider reports on success, applied to the database of an API whose provider does nothing. */
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

async function created(t: TestApi, path: string, body: Body, root: string): Promise<Body> {
  const r = await t.call('POST', path, body);
  if (r.status !== 201) throw new Error(`POST ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
  return r.body[root];
}

const createLb = (t: TestApi) => created(t, '/v2.0/lbaas/loadbalancers', { loadbalancer: { name: 'lb', vip_subnet_id: randomUUID() } }, 'loadbalancer');
const listener = (t: TestApi, lbId: string, extra: Body = {}) =>
  created(t, '/v2.0/lbaas/listeners', { listener: { loadbalancer_id: lbId, protocol: 'HTTP', protocol_port: 80, ...extra } }, 'listener');
const pool = (t: TestApi, lbId: string, extra: Body = {}) =>
  created(t, '/v2.0/lbaas/pools', { pool: { loadbalancer_id: lbId, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', ...extra } }, 'pool');
const policy = (t: TestApi, listenerId: string, extra: Body = {}) =>
  created(t, POLICIES, { l7policy: { listener_id: listenerId, action: 'REJECT', ...extra } }, 'l7policy');
const rule = (t: TestApi, policyId: string, extra: Body = {}) =>
  created(t, rulesOf(policyId), { rule: { type: 'PATH', compare_type: 'STARTS_WITH', value: '/api', ...extra } }, 'rule');

const POLICY_KEYS = [
  'action', 'admin_state_up', 'created_at', 'description', 'id', 'listener_id', 'name', 'operating_status', 'position', 'project_id',
  'provisioning_status', 'redirect_http_code', 'redirect_pool_id', 'redirect_prefix', 'redirect_url', 'rules', 'tags', 'tenant_id', 'updated_at',
];
const RULE_KEYS = [
  'admin_state_up', 'compare_type', 'created_at', 'id', 'invert', 'key', 'operating_status', 'project_id', 'provisioning_status', 'tags',
  'tenant_id', 'type', 'updated_at', 'value',
];

describe('L7 on the noop provider', () => {
  let t: TestApi;
  let lb: Body;
  let http: Body;
  beforeAll(async () => {
    t = await startTestApi();
    lb = await createLb(t);
    http = await listener(t, lb.id);
  });
  afterAll(async () => {
    await t?.close();
  });

  const positions = async (listenerId: string) =>
    (await t.call('GET', `${POLICIES}?listener_id=${listenerId}&sort=position`)).body.l7policies.map((p: Body) => [p.name, p.position]);

  describe('policies', () => {
    it('creates a REJECT policy with upstream defaults, shows it ACTIVE, lists it on the listener, deletes it', async () => {
      const p = await policy(t, http.id, { name: 'deny' });
      expect(Object.keys(p).sort()).toEqual(POLICY_KEYS);
      expect(p).toMatchObject({
        name: 'deny', description: '', listener_id: http.id, action: 'REJECT', redirect_pool_id: null, redirect_url: null,
        redirect_prefix: null, redirect_http_code: null, position: 1, rules: [], admin_state_up: true, tags: [],
        provisioning_status: 'PENDING_CREATE', operating_status: 'OFFLINE', project_id: 'project-a', tenant_id: 'project-a', updated_at: null,
      });
      expect(p.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      const shown = await t.call('GET', `/v2/lbaas/l7policies/${p.id}`);
      expect(shown.status).toBe(200);
      expect(shown.body.l7policy).toMatchObject({ id: p.id, provisioning_status: 'ACTIVE', operating_status: 'ONLINE' });
      expect((await t.call('GET', `/v2/l7policies/${p.id}?fields=id&fields=action`)).body.l7policy).toEqual({ id: p.id, action: 'REJECT' });
      expect((await t.call('GET', `/v2/listeners/${http.id}`)).body.listener.l7policies).toEqual([{ id: p.id }]);

      const del = await t.call('DELETE', `${POLICIES}/${p.id}`);
      expect(del.status).toBe(204);
      expect(del.body).toBeUndefined();
      expectFault(await t.call('GET', `${POLICIES}/${p.id}`), 404, `L7 Policy ${p.id} not found.`);
      expect((await t.call('GET', `/v2/listeners/${http.id}`)).body.listener.l7policies).toEqual([]);
    });

    it('normalises action and redirect fields on POST (spec 9.6.2)', async () => {
      const web = await pool(t, lb.id, { name: 'web' });
      const url = await policy(t, http.id, { action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/new' });
      expect(url).toMatchObject({ action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/new', redirect_http_code: 302, redirect_pool_id: null });
      const prefix = await policy(t, http.id, { action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.org', redirect_http_code: 308 });
      expect(prefix).toMatchObject({ action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.org', redirect_http_code: 308, redirect_url: null });
      const toPool = await policy(t, http.id, { action: 'REDIRECT_TO_POOL', redirect_pool_id: web.id, redirect_http_code: 301 });
      expect(toPool).toMatchObject({ action: 'REDIRECT_TO_POOL', redirect_pool_id: web.id, redirect_http_code: null, redirect_url: null });
      // a target implies its action
      const implied = await policy(t, http.id, { action: 'REJECT', redirect_url: 'http://example.net' });
      expect(implied).toMatchObject({ action: 'REDIRECT_TO_URL', redirect_url: 'http://example.net', redirect_http_code: 302 });
      // an integer enum takes numeric strings like every integer (WSME coercion)
      const coerced = await policy(t, http.id, { action: 'REDIRECT_TO_URL', redirect_url: 'http://example.net/c', redirect_http_code: '303' });
      expect(coerced.redirect_http_code).toBe(303);
      expect((await t.call('DELETE', `${POLICIES}/${coerced.id}`)).status).toBe(204);
      const rejected = await policy(t, http.id, { action: 'REJECT', redirect_http_code: 301 });
      expect(rejected).toMatchObject({ action: 'REJECT', redirect_http_code: null });

      const post = (body: Body) => t.call('POST', POLICIES, { l7policy: { listener_id: http.id, ...body } });
      expectFault(await post({}), 400, 'Invalid L7 Policy action specified: None');
      expectFault(await post({ action: 'REDIRECT_TO_URL' }), 400, 'Invalid L7 Policy arguments: redirect_url must not be None');
      expectFault(await post({ action: 'REDIRECT_TO_POOL' }), 400, 'Invalid L7 Policy arguments: redirect_pool_id or redirect_pool must not be None');
      expectFault(await post({ action: 'REDIRECT_PREFIX' }), 400, 'Invalid L7 Policy arguments: redirect_prefix must not be None');
      expectFault(await post({ action: 'REDIRECT_TO_POOL', redirect_pool_id: web.id, redirect_url: 'http://x.example' }), 400,
        'Invalid L7 Policy arguments: Cannot specify redirect_pool_id and redirect_url or redirect_prefix at the same time');
      expectFault(await post({ action: 'DROP' }), 400, /Value should be one of/);
      expectFault(await post({ action: 'REDIRECT_TO_URL', redirect_url: 'http://x.example', redirect_http_code: 304 }), 400, /redirect_http_code/);
      expectFault(await post({ action: 'REDIRECT_TO_URL', redirect_url: 'ftp://x.example' }), 400, /Value must be a valid URL string/);
      expectFault(await post({ action: 'REDIRECT_TO_URL', redirect_url: '/relative' }), 400, /Value must be a valid URL string/);
      for (const p of [url, prefix, toPool, implied, rejected]) expect((await t.call('DELETE', `${POLICIES}/${p.id}`)).status).toBe(204);
      expect((await t.call('DELETE', `/v2/pools/${web.id}`)).status).toBe(204);
    });

    it('normalises on PUT: a target changes the action, REJECT clears, empty updates are refused', async () => {
      const web = await pool(t, lb.id, { name: 'web2' });
      const p = await policy(t, http.id, { action: 'REDIRECT_TO_POOL', redirect_pool_id: web.id, name: 'moving' });
      const put = (body: Body) => t.call('PUT', `${POLICIES}/${p.id}`, { l7policy: body });

      let r = await put({ redirect_url: 'http://example.com/x' });
      expect(r.status).toBe(200);
      expect(r.body.l7policy).toMatchObject({ action: 'REDIRECT_TO_URL', redirect_url: 'http://example.com/x', redirect_pool_id: null, redirect_http_code: 302, provisioning_status: 'PENDING_UPDATE' });
      expect(r.body.l7policy.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      r = await put({ redirect_http_code: 307 });
      expect(r.body.l7policy).toMatchObject({ action: 'REDIRECT_TO_URL', redirect_http_code: 307 });
      r = await put({ action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.com' });
      expect(r.body.l7policy).toMatchObject({ action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.com', redirect_url: null, redirect_http_code: 307 });
      r = await put({ redirect_http_code: null });
      expect(r.body.l7policy).toMatchObject({ redirect_http_code: 302 });
      r = await put({ action: 'REDIRECT_TO_POOL', redirect_pool_id: web.id });
      expect(r.body.l7policy).toMatchObject({ action: 'REDIRECT_TO_POOL', redirect_pool_id: web.id, redirect_prefix: null, redirect_http_code: null });
      r = await put({ action: 'REJECT', name: null, description: 'd', admin_state_up: false, tags: ['a'] });
      expect(r.body.l7policy).toMatchObject({ action: 'REJECT', redirect_pool_id: null, redirect_url: null, redirect_prefix: null, name: '', description: 'd', admin_state_up: false, tags: ['a'] });
      r = await put({ tags: null, admin_state_up: null });
      expect(r.body.l7policy).toMatchObject({ tags: ['a'], admin_state_up: false });

      expectFault(await put({}), 400, 'Invalid L7 Policy arguments: Invalid update options');
      expectFault(await put({ action: 'REDIRECT_TO_URL' }), 400, 'Invalid L7 Policy arguments: redirect_url must not be None');
      expectFault(await put({ action: null }), 400, 'Invalid L7 Policy action specified: None');
      expectFault(await put({ listener_id: http.id }), 400, 'Unknown attribute for argument l7policy.l7policy: listener_id');
      expectFault(await put({ rules: [] }), 400, /Unknown attribute.*rules/);
      expectFault(await t.call('PUT', `${POLICIES}/${p.id}`, {}), 400, 'Validation failure: No l7policy object supplied.');
      const missing = randomUUID();
      expectFault(await t.call('PUT', `${POLICIES}/${missing}`, { l7policy: { name: 'x' } }), 404, `L7 Policy ${missing} not found.`);
      expectFault(await t.call('DELETE', `${POLICIES}/${missing}`), 404, `L7 Policy ${missing} not found.`);
      expectFault(await t.call('GET', `${POLICIES}/not-a-uuid`), 404, 'L7 Policy not-a-uuid not found.');
      expect((await t.call('GET', `${POLICIES}/${p.id}`)).body.l7policy).toMatchObject({ action: 'REJECT', provisioning_status: 'ACTIVE', operating_status: 'OFFLINE' });
      // the pool is free again once no policy redirects to it
      expect((await t.call('DELETE', `${POLICIES}/${p.id}`)).status).toBe(204);
      expect((await t.call('DELETE', `/v2/pools/${web.id}`)).status).toBe(204);
    });

    it('keeps positions dense per listener: append, insert, move, compact on delete (spec 9.6.3)', async () => {
      const l = await listener(t, lb.id, { protocol_port: 8080 });
      const a = await policy(t, l.id, { name: 'a', position: 5 });
      expect(a.position).toBe(1);
      const b = await policy(t, l.id, { name: 'b', position: 1 });
      expect(b.position).toBe(1);
      expect(await positions(l.id)).toEqual([['b', 1], ['a', 2]]);
      const c = await policy(t, l.id, { name: 'c' });
      expect(c.position).toBe(3);
      await policy(t, l.id, { name: 'd', position: 2 });
      expect(await positions(l.id)).toEqual([['b', 1], ['d', 2], ['a', 3], ['c', 4]]);

      const moved = await t.call('PUT', `${POLICIES}/${b.id}`, { l7policy: { position: 4 } });
      expect(moved.body.l7policy.position).toBe(4);
      expect(await positions(l.id)).toEqual([['d', 1], ['a', 2], ['c', 3], ['b', 4]]);
      await t.call('PUT', `${POLICIES}/${c.id}`, { l7policy: { position: 99 } });
      expect(await positions(l.id)).toEqual([['d', 1], ['a', 2], ['b', 3], ['c', 4]]);
      await t.call('PUT', `${POLICIES}/${c.id}`, { l7policy: { position: 1 } });
      expect(await positions(l.id)).toEqual([['c', 1], ['d', 2], ['a', 3], ['b', 4]]);

      expect((await t.call('DELETE', `${POLICIES}/${a.id}`)).status).toBe(204);
      expect(await positions(l.id)).toEqual([['c', 1], ['d', 2], ['b', 3]]);
      // the listener lists its policies in evaluation order
      const shown = (await t.call('GET', `/v2/listeners/${l.id}`)).body.listener.l7policies.map((p: Body) => p.id);
      const byPosition = (await t.call('GET', `${POLICIES}?listener_id=${l.id}&sort=position:asc`)).body.l7policies.map((p: Body) => p.id);
      expect(shown).toEqual(byPosition);
      // the other listener's order is untouched
      expect(await positions(http.id)).toEqual([]);

      const post = (body: Body) => t.call('POST', POLICIES, { l7policy: { listener_id: l.id, action: 'REJECT', ...body } });
      expectFault(await post({ position: 0 }), 400, /position.*greater or equal to 1/);
      expectFault(await post({ position: 2147483648 }), 400, /lower or equal to 2147483647/);
      expectFault(await post({ position: 'first' }), 400, /position/);
    });

    it('checks the redirect pool: exists, same load balancer, protocol the listener can use', async () => {
      const other = await createLb(t);
      const foreign = await pool(t, other.id, { name: 'foreign' });
      const tcp = await pool(t, lb.id, { protocol: 'TCP' });
      const udp = await pool(t, lb.id, { protocol: 'UDP' });
      const post = (body: Body) => t.call('POST', POLICIES, { l7policy: { listener_id: http.id, action: 'REDIRECT_TO_POOL', ...body } });
      const missing = randomUUID();
      expectFault(await post({ redirect_pool_id: missing }), 404, `Pool ${missing} not found.`);
      expectFault(await post({ redirect_pool_id: foreign.id }), 404, `Pool ${foreign.id} not found.`);
      expectFault(await post({ redirect_pool_id: tcp.id }), 400, `Validation failure: The pool protocol 'TCP' is invalid while the listener protocol is 'HTTP'.`);
      expectFault(await post({ redirect_pool_id: udp.id }), 400, 'Validation failure: UDP protocol pool can not be assigned to l7policy.');
      expectFault(await post({ redirect_pool_id: 'nope' }), 400, /Value should be UUID format/);
      expectFault(await post({ listener_id: missing }), 404, `Listener ${missing} not found.`);
      expectFault(await post({ redirect_pool: { name: 'x' } }), 400, /Unknown attribute.*redirect_pool/);
      const p = await policy(t, http.id, { name: 'to-pool-later' });
      expectFault(await t.call('PUT', `${POLICIES}/${p.id}`, { l7policy: { redirect_pool_id: foreign.id } }), 404, `Pool ${foreign.id} not found.`);
      expectFault(await t.call('PUT', `${POLICIES}/${p.id}`, { l7policy: { redirect_pool_id: tcp.id } }), 400, /pool protocol 'TCP' is invalid/);
      const prom = await listener(t, lb.id, { protocol: 'PROMETHEUS', protocol_port: 9100 });
      expectFault(await t.call('POST', POLICIES, { l7policy: { listener_id: prom.id, action: 'REJECT' } }), 400, 'Protocol PROMETHEUS listeners cannot have child objects.');
      expect((await t.call('DELETE', `${POLICIES}/${p.id}`)).status).toBe(204);
    });

    it('makes a pool used by an enabled policy with rules count the listener, and blocks deleting that pool', async () => {
      const target = await pool(t, lb.id, { name: 'target' });
      const p = await policy(t, http.id, { action: 'REDIRECT_TO_POOL', redirect_pool_id: target.id, rules: [{ type: 'HOST_NAME', compare_type: 'EQUAL_TO', value: 'api.example.com' }] });
      expect(p.rules).toHaveLength(1);
      expect((await t.call('GET', `/v2/pools/${target.id}`)).body.pool.listeners).toEqual([{ id: http.id }]);
      expectFault(await t.call('DELETE', `/v2/pools/${target.id}`), 409, `Pool ${target.id} is in use by L7 policy ${p.id}`);
      const listed = await t.call('GET', rulesOf(p.id));
      expect(listed.body.rules).toEqual([expect.objectContaining({ id: p.rules[0].id, type: 'HOST_NAME', value: 'api.example.com', provisioning_status: 'ACTIVE' })]);
      expect((await t.call('DELETE', `${POLICIES}/${p.id}`)).status).toBe(204);
      // the rules went with their policy
      expect(await sql(t, `SELECT id FROM l7rule WHERE id = $1`, [p.rules[0].id])).toEqual([]);
      expect((await t.call('DELETE', `/v2/pools/${target.id}`)).status).toBe(204);
    });

    it('lists with filters, sorting, fields, pagination, tags and refuses unknown filters', async () => {
      const l = await listener(t, lb.id, { protocol_port: 8181 });
      const x = await policy(t, l.id, { name: 'x', tags: ['blue'] });
      const y = await policy(t, l.id, { name: 'y', action: 'REDIRECT_TO_URL', redirect_url: 'http://y.example' });
      const z = await policy(t, l.id, { name: 'z', position: 1, admin_state_up: false });
      const names = async (q: string) => (await t.call('GET', `${POLICIES}?listener_id=${l.id}&${q}`)).body.l7policies.map((p: Body) => p.name);
      expect(await names('')).toEqual(['x', 'y', 'z']);
      expect(await names('sort=position')).toEqual(['z', 'x', 'y']);
      expect(await names('action=REDIRECT_TO_URL')).toEqual(['y']);
      expect(await names('position=1')).toEqual(['z']);
      expect(await names('admin_state_up=false')).toEqual(['z']);
      expect(await names('redirect_http_code=302')).toEqual(['y']);
      expect(await names('tags=blue')).toEqual(['x']);
      expect(await names('not-tags=blue')).toEqual(['y', 'z']);
      const page = await t.call('GET', `${POLICIES}?listener_id=${l.id}&limit=2`);
      expect(page.body.l7policies.map((p: Body) => p.id)).toEqual([x.id, y.id]);
      expect(page.body.l7policies_links).toEqual([{ rel: 'next', href: expect.stringContaining(`limit=2&marker=${y.id}`) }]);
      const next = await t.call('GET', `${POLICIES}?listener_id=${l.id}&limit=2&marker=${y.id}`);
      expect(next.body.l7policies.map((p: Body) => p.id)).toEqual([z.id]);
      expect((await t.call('GET', `${POLICIES}?listener_id=${l.id}&fields=name`)).body.l7policies).toEqual([{ name: 'x' }, { name: 'y' }, { name: 'z' }]);
      expectFault(await t.call('GET', `${POLICIES}?loadbalancer_id=${lb.id}`), 400, 'One or more arguments are either duplicate or invalid');
      expectFault(await t.call('GET', `${POLICIES}?bogus=1`), 400, 'One or more arguments are either duplicate or invalid');
      expectFault(await t.call('GET', `${POLICIES}?sort=bogus`), 400, "Supplied sort key 'bogus' is not valid.");
      expectFault(await t.call('GET', `${POLICIES}?marker=${randomUUID()}`), 400, /Supplied pagination marker/);
      // the /v2 and /v2.0 aliases
      expect((await t.call('GET', `/v2/l7policies?listener_id=${l.id}`)).body.l7policies).toHaveLength(3);
      expect((await t.call('GET', `/v2/lbaas/l7policies.json?listener_id=${l.id}`)).body.l7policies).toHaveLength(3);
    });
  });

  describe('rules', () => {
    let p: Body;
    beforeAll(async () => {
      p = await policy(t, http.id, { name: 'rules-home' });
    });

    it('creates every type with its allowed compare types, under `rule`/`rules` keys', async () => {
      const cases: Body[] = [
        { type: 'HOST_NAME', compare_type: 'EQUAL_TO', value: 'www.example.com' },
        { type: 'HOST_NAME', compare_type: 'ENDS_WITH', value: '.example.com', invert: true },
        { type: 'PATH', compare_type: 'CONTAINS', value: '/api/' },
        { type: 'PATH', compare_type: 'REGEX', value: '^/v[0-9]+/.*$' },
        { type: 'FILE_TYPE', compare_type: 'EQUAL_TO', value: 'jpg' },
        { type: 'HEADER', compare_type: 'EQUAL_TO', key: 'X-Env', value: 'prod' },
        { type: 'HEADER', compare_type: 'EQUAL_TO', key: 'User-Agent', value: '"Mozilla 5.0 compatible"' },
        { type: 'COOKIE', compare_type: 'STARTS_WITH', key: 'session', value: 'abc' },
        { type: 'SSL_CONN_HAS_CERT', compare_type: 'EQUAL_TO', value: 'TRUE' },
        { type: 'SSL_VERIFY_RESULT', compare_type: 'EQUAL_TO', value: '0' },
        { type: 'SSL_DN_FIELD', compare_type: 'STARTS_WITH', key: 'CN', value: 'client' },
      ];
      const ids: string[] = [];
      for (const c of cases) {
        const r = await t.call('POST', `/v2/lbaas/l7policies/${p.id}/rules`, { rule: c });
        expect({ status: r.status, body: r.body }).toEqual({ status: 201, body: { rule: expect.any(Object) } });
        expect(Object.keys(r.body.rule).sort()).toEqual(RULE_KEYS);
        expect(r.body.rule).toMatchObject({
          ...c, key: c.key ?? null, invert: c.invert ?? false, admin_state_up: true, tags: [], provisioning_status: 'PENDING_CREATE',
          operating_status: 'OFFLINE', project_id: 'project-a', tenant_id: 'project-a', updated_at: null,
        });
        ids.push(r.body.rule.id);
      }
      const listed = await t.call('GET', `/v2/l7policies/${p.id}/rules`);
      expect(listed.status).toBe(200);
      expect(Object.keys(listed.body).sort()).toEqual(['rules', 'rules_links']);
      expect(listed.body.rules.map((r: Body) => r.id)).toEqual(ids);
      expect(listed.body.rules.every((r: Body) => r.provisioning_status === 'ACTIVE' && r.operating_status === 'ONLINE')).toBe(true);
      expect((await t.call('GET', `${POLICIES}/${p.id}`)).body.l7policy.rules).toEqual(ids.map((id) => ({ id })));
      const headers = await t.call('GET', `${rulesOf(p.id)}?type=HEADER&fields=key`);
      expect(headers.body.rules).toEqual([{ key: 'X-Env' }, { key: 'User-Agent' }]);
      expect((await t.call('GET', `${rulesOf(p.id)}?invert=true`)).body.rules.map((r: Body) => r.id)).toEqual([ids[1]]);
      const one = await t.call('GET', `${rulesOf(p.id)}/${ids[0]}`);
      expect(Object.keys(one.body)).toEqual(['rule']);
      expect(one.body.rule).toMatchObject({ id: ids[0], type: 'HOST_NAME' });
      for (const id of ids) expect((await t.call('DELETE', `${rulesOf(p.id)}/${id}`)).status).toBe(204);
      expect((await t.call('GET', rulesOf(p.id))).body.rules).toEqual([]);
    });

    it('refuses invalid rules with upstream messages (spec 10.6)', async () => {
      const post = (body: Body) => t.call('POST', rulesOf(p.id), { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: '/x', ...body } });
      const e = (m: string) => `Error parsing L7Rule: ${m}`;
      expectFault(await post({ type: 'HEADER' }), 400, e('Invalid L7 Rule: L7 rule type requires a key'));
      expectFault(await post({ type: 'COOKIE' }), 400, e('Invalid L7 Rule: L7 rule type requires a key'));
      expectFault(await post({ type: 'FILE_TYPE', compare_type: 'CONTAINS' }), 400, e('Invalid L7 Rule: invalid comparison type for rule type'));
      expectFault(await post({ type: 'SSL_CONN_HAS_CERT', value: 'yes' }), 400, e('Invalid L7 Rule: L7rule value yes is not a boolean True string.'));
      expectFault(await post({ type: 'SSL_CONN_HAS_CERT', value: 'true', compare_type: 'STARTS_WITH' }), 400,
        e('Invalid L7 Rule: L7rule type SSL_CONN_HAS_CERT only supports the EQUAL_TO compare type.'));
      expectFault(await post({ type: 'SSL_CONN_HAS_CERT', value: 'true', key: 'k' }), 400, e('Invalid L7 Rule: L7rule type SSL_CONN_HAS_CERT does not use the "key" field.'));
      expectFault(await post({ type: 'SSL_VERIFY_RESULT', value: '-1' }), 400, e('Invalid L7 Rule: L7rule type SSL_VERIFY_RESULT needs a int value, which is >= 0'));
      expectFault(await post({ type: 'SSL_DN_FIELD' }), 400, e('Invalid L7 Rule: L7rule type SSL_DN_FIELD needs to specify a key and a value.'));
      expectFault(await post({ type: 'SSL_DN_FIELD', key: '1CN' }), 400, e('Invalid L7 Rule: Invalid L7rule distinguished name field.'));
      expectFault(await post({ compare_type: 'REGEX', value: '(' }), 400, /^Error parsing L7Rule: Unable to parse regular expression/);
      expectFault(await post({ type: 'HEADER', key: 'X Y', value: 'v' }), 400, e('Invalid characters in key'));
      expectFault(await post({ type: 'COOKIE', key: 'c', value: 'a;b' }), 400, e('Invalid characters in cookie value'));
      expectFault(await post({ value: '' }), 400, e('Invalid L7 Rule: L7 rule type requires a value'));
      expectFault(await post({ value: undefined }), 400, 'Invalid input for field/attribute value. Value: \'None\'. Mandatory field missing.');
      expectFault(await post({ type: 'URL' }), 400, /Value should be one of/);
      expectFault(await post({ compare_type: 'LIKE' }), 400, /Value should be one of/);
      expectFault(await post({ invert: 'maybe' }), 400, /Value not an unambiguous boolean: maybe/);
      expectFault(await post({ name: 'rules have no name' }), 400, 'Unknown attribute for argument rule.rule: name');
      expectFault(await t.call('POST', rulesOf(p.id), { l7rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: '/x' } }), 400, 'Unknown attribute for argument rule: l7rule');
      const missing = randomUUID();
      expectFault(await t.call('GET', rulesOf(missing)), 404, `L7Policy ${missing} not found.`);
      expectFault(await t.call('POST', rulesOf(missing), { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: '/x' } }), 404, `L7Policy ${missing} not found.`);
      expectFault(await t.call('GET', `${rulesOf(p.id)}/${missing}`), 404, `L7 Rule ${missing} not found.`);
      expect((await t.call('GET', rulesOf(p.id))).body.rules).toEqual([]);
    });

    it('updates with the merged rule re-validated; another policy\'s rule is 404', async () => {
      const r = await rule(t, p.id, { type: 'HEADER', key: 'X-A', value: 'one', tags: ['t'] });
      const put = (body: Body) => t.call('PUT', `${rulesOf(p.id)}/${r.id}`, { rule: body });
      let res = await put({ value: 'two', invert: true, compare_type: 'CONTAINS' });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['rule']);
      expect(res.body.rule).toMatchObject({ type: 'HEADER', key: 'X-A', value: 'two', invert: true, compare_type: 'CONTAINS', provisioning_status: 'PENDING_UPDATE' });
      res = await put({ invert: null, admin_state_up: null, tags: null });
      expect(res.body.rule).toMatchObject({ invert: false, admin_state_up: false, tags: ['t'] });
      res = await put({ type: 'PATH', key: null, value: '/p' });
      expect(res.body.rule).toMatchObject({ type: 'PATH', key: null, value: '/p' });
      expectFault(await put({ type: 'COOKIE' }), 400, 'Error parsing L7Rule: Invalid L7 Rule: L7 rule type requires a key');
      expectFault(await put({ type: 'SSL_VERIFY_RESULT' }), 400, /SSL_VERIFY_RESULT only supports the EQUAL_TO compare type|needs a int value/);
      expectFault(await put({ value: null }), 400, 'Error parsing L7Rule: Invalid L7 Rule: L7 rule type requires a value');
      expectFault(await put({ type: null }), 400, 'None is not a valid option for type');
      expectFault(await put({ project_id: 'x' }), 400, /Unknown attribute.*project_id/);
      expect((await t.call('GET', `${rulesOf(p.id)}/${r.id}`)).body.rule).toMatchObject({ type: 'PATH', value: '/p', provisioning_status: 'ACTIVE' });

      const other = await policy(t, http.id, { name: 'other' });
      expectFault(await t.call('GET', `${rulesOf(other.id)}/${r.id}`), 404, `L7 Rule ${r.id} not found.`);
      expectFault(await t.call('PUT', `${rulesOf(other.id)}/${r.id}`, { rule: { value: '/q' } }), 404, `L7 Rule ${r.id} not found.`);
      expectFault(await t.call('DELETE', `${rulesOf(other.id)}/${r.id}`), 404, `L7 Rule ${r.id} not found.`);
      expect((await t.call('DELETE', `${rulesOf(p.id)}/${r.id}`)).status).toBe(204);
      expectFault(await t.call('GET', `${rulesOf(p.id)}/${r.id}`), 404, `L7 Rule ${r.id} not found.`);
    });

    it('allows at most 50 rules per policy (409)', async () => {
      const full = await policy(t, http.id, { name: 'full', rules: Array.from({ length: 49 }, (_, i) => ({ type: 'PATH', compare_type: 'EQUAL_TO', value: `/p${i}` })) });
      expect(full.rules).toHaveLength(49);
      await rule(t, full.id, { value: '/last' });
      expectFault(await t.call('POST', rulesOf(full.id), { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: '/one-too-many' } }), 409, `Too many rules on L7 policy ${full.id}`);
      expectFault(await t.call('POST', POLICIES, { l7policy: { listener_id: http.id, action: 'REJECT', rules: Array.from({ length: 51 }, () => ({ type: 'PATH', compare_type: 'EQUAL_TO', value: '/x' })) } }),
        409, /^Too many rules on L7 policy /);
      expect((await t.call('DELETE', `${POLICIES}/${full.id}`)).status).toBe(204);
    });
  });

  describe('hostile values are 400s and write nothing', () => {
    const nasty: Array<[string, string]> = [
      ['newline', 'a\nb'], ['carriage return', 'a\rb'], ['tab', 'a\tb'], ['NUL', 'a\u0000b'], ['escape', 'a\u001bb'], ['DEL', 'a\u007fb'],
      ['double quote', 'a"b'], ['single quote', "a'b"], ['hash', 'a#b'],
    ];

    it.each(nasty)('a %s in a redirect URL, prefix or rule is refused', async (_label, bad) => {
      const p = (await t.call('GET', `${POLICIES}?listener_id=${http.id}&name=rules-home`)).body.l7policies[0];
      const before = await rowCounts(t.dbUrl);
      const posts: Array<[string, Body]> = [
        [POLICIES, { l7policy: { listener_id: http.id, action: 'REDIRECT_TO_URL', redirect_url: `http://example.com/${bad}` } }],
        [POLICIES, { l7policy: { listener_id: http.id, action: 'REDIRECT_PREFIX', redirect_prefix: `http://example.com/${bad}` } }],
        [POLICIES, { l7policy: { listener_id: http.id, action: 'REJECT', rules: [{ type: 'PATH', compare_type: 'EQUAL_TO', value: `/x${bad}` }] } }],
        [rulesOf(p.id), { rule: { type: 'PATH', compare_type: 'STARTS_WITH', value: `/x${bad}` } }],
        [rulesOf(p.id), { rule: { type: 'HOST_NAME', compare_type: 'EQUAL_TO', value: `h${bad}.example.com` } }],
        [rulesOf(p.id), { rule: { type: 'PATH', compare_type: 'REGEX', value: `^/x${bad}` } }],
        [rulesOf(p.id), { rule: { type: 'HEADER', compare_type: 'EQUAL_TO', key: `X${bad}`, value: 'v' } }],
        [rulesOf(p.id), { rule: { type: 'HEADER', compare_type: 'EQUAL_TO', key: 'X-H', value: `v${bad}` } }],
        [rulesOf(p.id), { rule: { type: 'COOKIE', compare_type: 'EQUAL_TO', key: 'c', value: `v${bad}` } }],
        [rulesOf(p.id), { rule: { type: 'COOKIE', compare_type: 'EQUAL_TO', key: `c${bad}`, value: 'v' } }],
        [rulesOf(p.id), { rule: { type: 'SSL_DN_FIELD', compare_type: 'EQUAL_TO', key: 'CN', value: `v${bad}` } }],
        [rulesOf(p.id), { rule: { type: 'FILE_TYPE', compare_type: 'EQUAL_TO', value: `j${bad}` } }],
      ];
      if (bad !== 'a"b') {
        // inside a quoted header value only the delimiting quotes are allowed
        posts.push([rulesOf(p.id), { rule: { type: 'HEADER', compare_type: 'EQUAL_TO', key: 'X-H', value: `"v ${bad}"` } }]);
      }
      if (/[\u0000-\u001f\u007f]/.test(bad)) {
        posts.push([POLICIES, { l7policy: { listener_id: http.id, action: 'REJECT', name: bad } }]);
        posts.push([POLICIES, { l7policy: { listener_id: http.id, action: 'REJECT', description: bad } }]);
        posts.push([POLICIES, { l7policy: { listener_id: http.id, action: 'REJECT', tags: [bad] } }]);
        posts.push([rulesOf(p.id), { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: '/ok', tags: [bad] } }]);
      }
      for (const [path, body] of posts) {
        const res = await t.call('POST', path, body);
        if (res.status !== 400) throw new Error(`${path} ${JSON.stringify(body)} -> ${res.status} ${JSON.stringify(res.body)}`);
        expectFault(res, 400);
      }
      expect(await rowCounts(t.dbUrl)).toEqual(before);
    });

    it('over-long values and hostile updates are refused and leave the objects unchanged', async () => {
      const p = await policy(t, http.id, { name: 'steady', action: 'REDIRECT_TO_URL', redirect_url: 'http://example.com/a' });
      const r = await rule(t, p.id, { value: '/steady' });
      const long = `http://example.com/${'a'.repeat(250)}`;
      expectFault(await t.call('POST', POLICIES, { l7policy: { listener_id: http.id, action: 'REJECT', name: 'n'.repeat(256) } }), 400, /maximum character requirement of 255/);
      expectFault(await t.call('POST', POLICIES, { l7policy: { listener_id: http.id, action: 'REDIRECT_TO_URL', redirect_url: long } }), 400, /valid URL string/);
      expectFault(await t.call('POST', rulesOf(p.id), { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: `/${'v'.repeat(255)}` } }), 400, /maximum character requirement of 255/);
      expectFault(await t.call('POST', rulesOf(p.id), { rule: { type: 'HEADER', compare_type: 'EQUAL_TO', key: 'k'.repeat(256), value: 'v' } }), 400, /maximum character requirement of 255/);
      for (const body of [{ redirect_url: 'http://example.com/a b' }, { redirect_url: 'http://example.com/\n' }, { name: 'x\ny' }, { redirect_prefix: 'http://e.com/#' }]) {
        expectFault(await t.call('PUT', `${POLICIES}/${p.id}`, { l7policy: body }), 400);
      }
      for (const body of [{ value: '/a\nb' }, { value: '/a#b' }, { value: "/a'b" }, { type: 'HEADER', key: 'X"Y' }, { value: '/a\u0000' }]) {
        expectFault(await t.call('PUT', `${rulesOf(p.id)}/${r.id}`, { rule: body }), 400);
      }
      expect((await t.call('GET', `${POLICIES}/${p.id}`)).body.l7policy).toMatchObject({ name: 'steady', redirect_url: 'http://example.com/a', updated_at: null });
      expect((await t.call('GET', `${rulesOf(p.id)}/${r.id}`)).body.rule).toMatchObject({ type: 'PATH', value: '/steady', updated_at: null });
    });
  });
});

describe('L7 status machine and gates with a provider that does not finish', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ OCTAVIA_TS_DEFAULT_PROVIDER: 'amphora' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const status = async (path: string, root: string) => (await t.call('GET', path)).body[root].provisioning_status;
  const statuses = async (lbId: string, listenerId: string, policyId?: string) => ({
    lb: await status(`/v2/loadbalancers/${lbId}`, 'loadbalancer'),
    listener: await status(`/v2/listeners/${listenerId}`, 'listener'),
    ...(policyId ? { policy: await status(`${POLICIES}/${policyId}`, 'l7policy') } : {}),
  });

  it('moves policy, listener and load balancer through PENDING_* and records one flow per write (spec 7.3)', async () => {
    const lb = await createLb(t);
    await settle(t, lb.id);
    const l = await listener(t, lb.id);
    await settle(t, lb.id);

    const p = await policy(t, l.id);
    expect(p.provisioning_status).toBe('PENDING_CREATE');
    expect(await statuses(lb.id, l.id)).toEqual({ lb: 'PENDING_UPDATE', listener: 'PENDING_UPDATE' });
    const immutable = `Load Balancer ${lb.id} is immutable and cannot be updated.`;
    expectFault(await t.call('POST', POLICIES, { l7policy: { listener_id: l.id, action: 'REJECT' } }), 409, immutable);
    expectFault(await t.call('PUT', `${POLICIES}/${p.id}`, { l7policy: { name: 'x' } }), 409, immutable);
    expectFault(await t.call('DELETE', `${POLICIES}/${p.id}`), 409, immutable);
    // schema and semantic errors come before the gate (spec 6.4)
    expectFault(await t.call('POST', POLICIES, { l7policy: { listener_id: l.id, action: 'REDIRECT_TO_URL' } }), 400);
    expectFault(await t.call('PUT', `${POLICIES}/${p.id}`, { l7policy: {} }), 400, 'Invalid L7 Policy arguments: Invalid update options');
    await settle(t, lb.id);
    expect(await statuses(lb.id, l.id, p.id)).toEqual({ lb: 'ACTIVE', listener: 'ACTIVE', policy: 'ACTIVE' });

    const r = await rule(t, p.id);
    expect(r.provisioning_status).toBe('PENDING_CREATE');
    expect(await statuses(lb.id, l.id, p.id)).toEqual({ lb: 'PENDING_UPDATE', listener: 'PENDING_UPDATE', policy: 'PENDING_UPDATE' });
    // the policy gate is checked first
    expectFault(await t.call('POST', rulesOf(p.id), { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: '/b' } }), 409, `L7Policy ${p.id} is immutable and cannot be updated.`);
    // content errors are 400 even while everything is busy
    expectFault(await t.call('POST', rulesOf(p.id), { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: '/b#' } }), 400);
    // the load balancer back to ACTIVE but the policy still busy
    await sql(t, `UPDATE load_balancer SET provisioning_status = 'ACTIVE' WHERE id = $1`, [lb.id]);
    expectFault(await t.call('PUT', `${rulesOf(p.id)}/${r.id}`, { rule: { value: '/c' } }), 409, `L7Policy ${p.id} is immutable and cannot be updated.`);
    expect(await status(`/v2/loadbalancers/${lb.id}`, 'loadbalancer')).toBe('ACTIVE');
    await settle(t, lb.id);
    // the policy ACTIVE but the load balancer busy with something else
    await sql(t, `UPDATE load_balancer SET provisioning_status = 'PENDING_UPDATE' WHERE id = $1`, [lb.id]);
    expectFault(await t.call('DELETE', `${rulesOf(p.id)}/${r.id}`), 409, immutable);
    await sql(t, `UPDATE load_balancer SET provisioning_status = 'ACTIVE' WHERE id = $1`, [lb.id]);

    const upd = await t.call('PUT', `${rulesOf(p.id)}/${r.id}`, { rule: { value: '/c' } });
    expect(upd.body.rule).toMatchObject({ value: '/c', provisioning_status: 'PENDING_UPDATE' });
    expect(await statuses(lb.id, l.id, p.id)).toEqual({ lb: 'PENDING_UPDATE', listener: 'PENDING_UPDATE', policy: 'PENDING_UPDATE' });
    await settle(t, lb.id);

    expect((await t.call('DELETE', `${rulesOf(p.id)}/${r.id}`)).status).toBe(204);
    expect(await status(`${rulesOf(p.id)}/${r.id}`, 'rule')).toBe('PENDING_DELETE');
    expect(await statuses(lb.id, l.id, p.id)).toEqual({ lb: 'PENDING_UPDATE', listener: 'PENDING_UPDATE', policy: 'PENDING_UPDATE' });
    await settle(t, lb.id);
    expect((await t.call('GET', `${rulesOf(p.id)}/${r.id}`)).status).toBe(404);

    const pu = await t.call('PUT', `${POLICIES}/${p.id}`, { l7policy: { name: 'renamed' } });
    expect(pu.body.l7policy).toMatchObject({ name: 'renamed', provisioning_status: 'PENDING_UPDATE' });
    expect(await statuses(lb.id, l.id)).toEqual({ lb: 'PENDING_UPDATE', listener: 'PENDING_UPDATE' });
    await settle(t, lb.id);

    expect((await t.call('DELETE', `${POLICIES}/${p.id}`)).status).toBe(204);
    expect(await statuses(lb.id, l.id, p.id)).toEqual({ lb: 'PENDING_UPDATE', listener: 'PENDING_UPDATE', policy: 'PENDING_DELETE' });
    await settle(t, lb.id);
    expect((await t.call('GET', `${POLICIES}/${p.id}`)).status).toBe(404);

    const flows = await sql(t, `SELECT kind, target_id, status, priority FROM flow WHERE load_balancer_id = $1 ORDER BY created_at`, [lb.id]);
    expect(flows.map((f) => f.kind)).toEqual([
      'loadbalancer.create', 'listener.create', 'l7policy.create', 'l7rule.create', 'l7rule.update', 'l7rule.delete', 'l7policy.update', 'l7policy.delete',
    ]);
    expect(flows.slice(2).map((f) => f.target_id)).toEqual([p.id, r.id, r.id, r.id, p.id, p.id]);
    expect(flows.every((f) => f.status === 'PENDING' && f.priority === 40)).toBe(true);
  });

  it('a rejected write leaves no flow record and no status change', async () => {
    const lb = await createLb(t);
    await settle(t, lb.id);
    const l = await listener(t, lb.id);
    await settle(t, lb.id);
    const before = await sql(t, `SELECT count(*)::int AS n FROM flow WHERE load_balancer_id = $1`, [lb.id]);
    expectFault(await t.call('POST', POLICIES, { l7policy: { listener_id: l.id, action: 'REDIRECT_PREFIX' } }), 400);
    expect(await sql(t, `SELECT count(*)::int AS n FROM flow WHERE load_balancer_id = $1`, [lb.id])).toEqual(before);
    expect(await statuses(lb.id, l.id)).toEqual({ lb: 'ACTIVE', listener: 'ACTIVE' });
  });

  it('the amphora provider supports L7 policies only on HTTP and TERMINATED_HTTPS listeners (501)', async () => {
    const lb = await createLb(t);
    await settle(t, lb.id);
    const tcp = await listener(t, lb.id, { protocol: 'TCP', protocol_port: 443 });
    await settle(t, lb.id);
    expectFault(await t.call('POST', POLICIES, { l7policy: { listener_id: tcp.id, action: 'REJECT' } }), 501,
      "Provider 'amphora' does not support a requested option: L7 policies are only supported on HTTP and TERMINATED_HTTPS listeners.");
    // nothing was written and the gate was released with the rolled-back transaction
    expect(await statuses(lb.id, tcp.id)).toEqual({ lb: 'ACTIVE', listener: 'ACTIVE' });
    expect((await t.call('GET', `${POLICIES}?listener_id=${tcp.id}`)).body.l7policies).toEqual([]);
  });
});
