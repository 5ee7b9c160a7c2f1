/**
 * Quotas (spec 9.8) over real HTTP against a real API on a throw-away PostgreSQL database: the routes and
 * shapes in noauth mode (where quotas are never enforced, as upstream), then enforcement, RBAC and the
 * configured defaults under the `testing` auth strategy (identity headers trusted, policy enforced).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApi, startTestApi } from '../support/api-harness';
import { expectFault, headerOf, withDb } from './lb-helpers';

jest.setTimeout(120000);

type Body = Record<string, any>;

const QUOTAS = '/v2.0/lbaas/quotas';
const LIMIT_KEYS = ['health_monitor', 'healthmonitor', 'l7policy', 'l7rule', 'listener', 'load_balancer', 'loadbalancer', 'member', 'pool'];
const all = (v: number | null) => Object.fromEntries(LIMIT_KEYS.map((k) => [k, v]));

describe('quota routes in noauth mode', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('starts with an empty list and the built-in defaults (-1) under both spellings', async () => {
    const listed = await t.call('GET', QUOTAS);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ quotas: [], quotas_links: [] });
    const defaults = await t.call('GET', `${QUOTAS}/defaults`);
    expect(defaults.status).toBe(200);
    expect(defaults.body).toEqual({ quota: all(-1) });
    expect((await t.call('GET', `${QUOTAS}/p-none/default`)).body).toEqual({ quota: all(-1) });
    const shown = await t.call('GET', `${QUOTAS}/p-none`);
    expect(shown.body).toEqual({ quota: { ...all(-1), project_id: 'p-none', tenant_id: 'p-none' } });
    // showing a project does not create a row
    expect((await t.call('GET', QUOTAS)).body.quotas).toEqual([]);
  });

  it('PUT answers 202 with the effective values; the list shows the raw stored values (spec 15.6)', async () => {
    const put = await t.call('PUT', `${QUOTAS}/p1`, { quota: { load_balancer: 10, member: null, l7rule: 0 } });
    expect(put.status).toBe(202);
    expect(put.body).toEqual({ quota: { ...all(-1), load_balancer: 10, loadbalancer: 10, l7rule: 0, project_id: 'p1', tenant_id: 'p1' } });
    const listed = await t.call('GET', '/v2/lbaas/quotas');
    expect(listed.body.quotas).toEqual([{ ...all(null), load_balancer: 10, loadbalancer: 10, l7rule: 0, project_id: 'p1', tenant_id: 'p1' }]);
    expect((await t.call('GET', `${QUOTAS}/p1`)).body.quota).toMatchObject({ load_balancer: 10, listener: -1, l7rule: 0 });

    // absent keys stay, null resets one limit, the one-word spelling wins when both are sent
    const second = await t.call('PUT', `/v2/quotas/p1`, { quota: { loadbalancer: 3, load_balancer: 7, healthmonitor: 4, l7rule: null } });
    expect(second.body.quota).toMatchObject({ load_balancer: 3, loadbalancer: 3, health_monitor: 4, healthmonitor: 4, l7rule: -1 });
    expect(await withDb(t.dbUrl, async (db) => (await db.query(`SELECT * FROM quotas WHERE project_id = 'p1'`)).rows)).toEqual([
      { project_id: 'p1', load_balancer: 3, listener: null, pool: null, health_monitor: 4, member: null, l7policy: null, l7rule: null },
    ]);
    // numeric strings are coerced as upstream does
    expect((await t.call('PUT', `${QUOTAS}/p1`, { quota: { pool: '5' } })).body.quota.pool).toBe(5);
    expect((await t.call('PUT', `${QUOTAS}/p1`, { quota: {} })).status).toBe(202);
  });

  it('refuses bad limits and bodies with 400', async () => {
    const put = (body: unknown, project = 'p2') => t.call('PUT', `${QUOTAS}/${project}`, body);
    expectFault(await put({ quota: { load_balancer: -5 } }), 400, "Invalid input for field/attribute load_balancer. Value: '-5'. Value should be greater or equal to -1");
    expectFault(await put({ quota: { member: 2000000001 } }), 400, /member.*lower or equal to 2000000000/);
    expectFault(await put({ quota: { pool: 'many' } }), 400, /pool/);
    // fractions are truncated (WSME integer coercion)
    const truncated = await put({ quota: { pool: 1.5 } });
    expect({ status: truncated.status, pool: truncated.body.quota.pool }).toEqual({ status: 202, pool: 1 });
  });

  it('DELETE resets every limit, keeps the row, answers 202 with no body; unknown project is 404', async () => {
    await t.call('PUT', `${QUOTAS}/p3`, { quota: { listener: 2, l7policy: 9 } });
    const del = await t.call('DELETE', `${QUOTAS}/p3`);
    expect(del.status).toBe(202);
    expect(del.body).toBeUndefined();
    expect(headerOf(del, 'content-type')).toBeNull();
    expect((await t.call('GET', `${QUOTAS}?project_id=p3`)).body.quotas).toEqual([{ ...all(null), project_id: 'p3', tenant_id: 'p3' }]);
    expect((await t.call('GET', `${QUOTAS}/p3`)).body.quota).toMatchObject(all(-1));
    expectFault(await t.call('DELETE', `${QUOTAS}/no-such-project`), 404, 'Quotas no-such-project not found.');
  });

  it('validates the envelope and the project id', async () => {
    const put = (body: unknown, project = 'p4') => t.call('PUT', `${QUOTAS}/${project}`, body);
    expectFault(await put({ quota: { loadbalancers: 1 } }), 400, 'Unknown attribute for argument quotas.quota: loadbalancers');
    expectFault(await put({ quota: { project_id: 'p4' } }), 400, /Unknown attribute.*project_id/);
    expectFault(await put({ quotas: { pool: 1 } }), 400, 'Unknown attribute for argument quotas: quotas');
    expectFault(await put({}), 400, 'Validation failure: No quota object supplied.');
    expectFault(await t.call('PUT', `${QUOTAS}/p4`), 400, 'Missing argument: "quotas"');
    expectFault(await put({ quota: [1] }), 400, /Value should be an object/);
    expectFault(await put({ quota: { pool: 1 } }, 'x'.repeat(37)), 400, /project_id.*maximum character requirement of 36/);
    expectFault(await put({ quota: { pool: 1 } }, 'bad%0Aproject'), 400, /project_id[\s\S]*control characters/);
    expect((await t.call('GET', `${QUOTAS}/${'y'.repeat(40)}`)).body.quota).toMatchObject(all(-1));
    expectFault(await t.call('DELETE', `${QUOTAS}/${'y'.repeat(40)}`), 404);
    expect((await t.call('GET', `${QUOTAS}?project_id=p4`)).body.quotas).toEqual([]);
  });

  it('lists with project filter, fields, sorting and pagination links; unknown filters are 400', async () => {
    for (const p of ['pa', 'pb', 'pc', 'pd']) await t.call('PUT', `${QUOTAS}/${p}`, { quota: { pool: p.charCodeAt(1) - 96 } });
    const ids = async (q: string) => (await t.call('GET', `${QUOTAS}?${q}`)).body.quotas.map((r: Body) => r.project_id);
    expect(await ids('project_id=pb')).toEqual(['pb']);
    expect(await ids('tenant_id=pc')).toEqual(['pc']);
    expect(await ids('pool=4')).toEqual(['pd']);
    expect((await t.call('GET', `${QUOTAS}?project_id=pa&fields=project_id&fields=pool`)).body.quotas).toEqual([{ project_id: 'pa', pool: 1 }]);
    const everything = await ids('');
    expect(everything).toEqual([...everything].sort());
    expect(await ids('sort=pool:desc&pool=4')).toEqual(['pd']);

    const page1 = await t.call('GET', `${QUOTAS}?limit=2`);
    expect(page1.body.quotas.map((r: Body) => r.project_id)).toEqual(everything.slice(0, 2));
    expect(page1.body.quotas_links).toEqual([{ rel: 'next', href: expect.stringMatching(new RegExp(`/v2.0/lbaas/quotas\\?limit=2&marker=${everything[1]}$`)) }]);
    const page2 = await t.call('GET', `${QUOTAS}?limit=2&marker=${everything[1]}`);
    expect(page2.body.quotas.map((r: Body) => r.project_id)).toEqual(everything.slice(2, 4));
    expect(page2.body.quotas_links.map((l: Body) => l.rel).sort()).toEqual(['next', 'previous']);
    expect(page2.body.quotas_links.find((l: Body) => l.rel === 'previous').href).toContain(`marker=${everything[2]}&page_reverse=True`);
    const back = await t.call('GET', `${QUOTAS}?limit=2&marker=${everything[2]}&page_reverse=True`);
    expect(back.body.quotas.map((r: Body) => r.project_id)).toEqual(everything.slice(0, 2));

    expectFault(await t.call('GET', `${QUOTAS}?marker=nobody`), 400, "Supplied pagination marker 'nobody' is not valid.");
    expectFault(await t.call('GET', `${QUOTAS}?bogus=1`), 400, 'One or more arguments are either duplicate or invalid');
    expectFault(await t.call('GET', `${QUOTAS}?tags=a`), 400, 'One or more arguments are either duplicate or invalid');
    expectFault(await t.call('GET', `${QUOTAS}?sort=bogus`), 400, "Supplied sort key 'bogus' is not valid.");
    expectFault(await t.call('GET', `${QUOTAS}?limit=x`), 400, "Supplied pagination limit 'x' is not valid.");
  });

  it('never enforces quotas in noauth mode (upstream)', async () => {
    await t.call('PUT', `${QUOTAS}/project-a`, { quota: { load_balancer: 0 } });
    const lb = await t.call('POST', '/v2/lbaas/loadbalancers', { loadbalancer: { vip_subnet_id: randomUUID() } });
    expect(lb.status).toBe(201);
  });
});

describe('quotas under the testing auth strategy', () => {
  let t: TestApi;
  let dir: string;
  const member = (project: string) => ({ 'x-project-id': project, 'x-roles': 'member,reader' });
  const reader = (project: string) => ({ 'x-project-id': project, 'x-roles': 'reader' });
  const admin = { 'x-project-id': 'admin-project', 'x-roles': 'admin,member,reader' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'octavia-quotas-'));
    const file = join(dir, 'octavia.conf');
    writeFileSync(file, [
      '[api_settings]', 'auth_strategy = testing', '',
      '[quotas]', 'default_load_balancer_quota = 3', 'default_l7policy_quota = 1', 'default_l7rule_quota = 2', 'default_member_quota = 100', '',
    ].join('\n'));
    t = await startTestApi({ OCTAVIA_TS_AUTH_STRATEGY: 'testing', OCTAVIA_TS_CONFIG_FILE: file });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const createLb = async (project: string) => {
    const r = await t.call('POST', '/v2/lbaas/loadbalancers', { loadbalancer: { vip_subnet_id: randomUUID() } }, member(project));
    return r;
  };

  it('the defaults come from [quotas] default_*_quota', async () => {
    const defaults = await t.call('GET', `${QUOTAS}/defaults`, undefined, member('q-a'));
    expect(defaults.status).toBe(200);
    expect(defaults.body.quota).toEqual({ ...all(-1), load_balancer: 3, loadbalancer: 3, l7policy: 1, l7rule: 2, member: 100 });
    expect((await t.call('GET', `${QUOTAS}/q-a`, undefined, reader('q-a'))).body.quota).toMatchObject({ load_balancer: 3, l7rule: 2 });
    expect((await t.call('GET', `${QUOTAS}/q-a/default`, undefined, member('q-a'))).body.quota).toMatchObject({ l7policy: 1 });
  });

  it('enforces policy: read own quota, no writes without admin, no other project', async () => {
    const denied = 'Policy does not allow this request to be performed.';
    expectFault(await t.call('GET', `${QUOTAS}/q-other`, undefined, member('q-a')), 403, denied);
    expectFault(await t.call('GET', `${QUOTAS}/q-other/default`, undefined, member('q-a')), 403, denied);
    expectFault(await t.call('PUT', `${QUOTAS}/q-a`, { quota: { load_balancer: 50 } }, member('q-a')), 403, denied);
    expectFault(await t.call('DELETE', `${QUOTAS}/q-a`, undefined, member('q-a')), 403, denied);
    expectFault(await t.call('GET', `${QUOTAS}?project_id=q-other`, undefined, member('q-a')), 403, denied);
    expectFault(await t.call('GET', QUOTAS, undefined, { 'x-project-id': '', 'x-roles': 'member' }), 403, denied);
    expectFault(await t.call('GET', `${QUOTAS}/q-a`, undefined, { 'x-project-id': 'q-a' }), 403, denied);
    expect((await t.call('PUT', `${QUOTAS}/q-b`, { quota: { pool: 7 } }, admin)).status).toBe(202);
    expect((await t.call('GET', `${QUOTAS}/q-b`, undefined, admin)).body.quota.pool).toBe(7);
  });

  it('answers 403 at the load balancer quota; the first check lists the project; PUT and DELETE change enforcement', async () => {
    for (let i = 0; i < 3; i++) expect((await createLb('q-lb')).status).toBe(201);
    expectFault(await createLb('q-lb'), 403, 'Quota has been met for resources: Load Balancer');
    // the project got an all-null row from its first quota check
    const own = await t.call('GET', QUOTAS, undefined, member('q-lb'));
    expect(own.body.quotas).toEqual([{ ...all(null), project_id: 'q-lb', tenant_id: 'q-lb' }]);
    const global = await t.call('GET', QUOTAS, undefined, admin);
    expect(global.body.quotas.map((q: Body) => q.project_id)).toEqual(expect.arrayContaining(['q-b', 'q-lb']));

    expect((await t.call('PUT', `${QUOTAS}/q-lb`, { quota: { load_balancer: 4 } }, admin)).status).toBe(202);
    expect((await createLb('q-lb')).status).toBe(201);
    expectFault(await createLb('q-lb'), 403, 'Quota has been met for resources: Load Balancer');
    expect((await t.call('PUT', `${QUOTAS}/q-lb`, { quota: { loadbalancer: -1 } }, admin)).status).toBe(202);
    expect((await createLb('q-lb')).status).toBe(201);
    expect((await t.call('DELETE', `${QUOTAS}/q-lb`, undefined, admin)).status).toBe(202);
    expectFault(await createLb('q-lb'), 403, 'Quota has been met for resources: Load Balancer');
  });

  it('answers 403 at the L7 policy and L7 rule quotas (spec 9.8.2)', async () => {
    const h = member('q-l7');
    const lb = (await createLb('q-l7')).body.loadbalancer;
    const l = await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 80 } }, h);
    expect(l.status).toBe(201);
    const listenerId = l.body.listener.id;
    // inline rules count against the rule quota
    expectFault(await t.call('POST', '/v2/l7policies', {
      l7policy: { listener_id: listenerId, action: 'REJECT', rules: [1, 2, 3].map((i) => ({ type: 'PATH', compare_type: 'EQUAL_TO', value: `/${i}` })) },
    }, h), 403, 'Quota has been met for resources: L7 Rule');
    const p = await t.call('POST', '/v2/l7policies', { l7policy: { listener_id: listenerId, action: 'REJECT' } }, h);
    expect(p.status).toBe(201);
    const policyId = p.body.l7policy.id;
    expectFault(await t.call('POST', '/v2/l7policies', { l7policy: { listener_id: listenerId, action: 'REJECT' } }, h), 403, 'Quota has been met for resources: L7 Policy');
    for (const v of ['/a', '/b']) {
      expect((await t.call('POST', `/v2/l7policies/${policyId}/rules`, { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: v } }, h)).status).toBe(201);
    }
    expectFault(await t.call('POST', `/v2/l7policies/${policyId}/rules`, { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: '/c' } }, h), 403,
      'Quota has been met for resources: L7 Rule');
    // content errors (400) are reported before the quota (403), spec 6.4
    expectFault(await t.call('POST', `/v2/l7policies/${policyId}/rules`, { rule: { type: 'HEADER', compare_type: 'EQUAL_TO', value: 'x' } }, h), 400);
    expect((await t.call('PUT', `${QUOTAS}/q-l7`, { quota: { l7policy: 2, l7rule: 3 } }, admin)).status).toBe(202);
    expect((await t.call('POST', '/v2/l7policies', { l7policy: { listener_id: listenerId, action: 'REJECT' } }, h)).status).toBe(201);
    expect((await t.call('POST', `/v2/l7policies/${policyId}/rules`, { rule: { type: 'PATH', compare_type: 'EQUAL_TO', value: '/c' } }, h)).status).toBe(201);
    // another project's member may not touch these objects at all
    expectFault(await t.call('GET', `/v2/l7policies/${policyId}`, undefined, member('q-x')), 403);
    expectFault(await t.call('GET', `/v2/l7policies/${policyId}/rules`, undefined, member('q-x')), 403);
    expect((await t.call('GET', `/v2/l7policies/${policyId}/rules`, undefined, reader('q-l7'))).status).toBe(200);
    expectFault(await t.call('DELETE', `/v2/l7policies/${policyId}`, undefined, reader('q-l7')), 403);
    expect((await t.call('GET', '/v2/l7policies', undefined, member('q-x'))).body.l7policies).toEqual([]);
  });
});
