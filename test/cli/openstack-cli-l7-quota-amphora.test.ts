import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import { settleLoadBalancerTree } from '../../libs/database/src';
import { startTestApi, TestApi } from '../support/api-harness';
import { OpenstackCli } from '../support/cli';
import { NeutronKeystoneStandIn } from '../support/openstack-standin';

/**
 * The real client (Debian's python-openstackclient 6.0.0 + python-octaviaclient 3.1.0) driving the L7
 * policy and rule, quota and amphora commands against our API (noop provider, noauth), with
 * NeutronKeystoneStandIn answering the subnet and project look-ups. The tests run in order and share
 * one load balancer. Amphora rows are seeded in the database directly (the worker builds them).
 */

const NETWORK = { id: '4b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d', name: 'l7-net', project_id: '5e6f7a8b9c0d4e1f8a2b3c4d5e6f7a8b' };
const SUBNET = {
  id: '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f', name: 'l7-subnet', network_id: NETWORK.id, cidr: '198.51.100.0/24', ip_version: 4 as const,
  project_id: NETWORK.project_id, gateway_ip: '198.51.100.1',
};
const PROJECT = { id: NETWORK.project_id, name: 'shop' };
const OTHER_PROJECT = { id: '9a8b7c6d5e4f40318a2b1c0d9e8f7a6b', name: 'ops' };

let t: TestApi;
let standIn: NeutronKeystoneStandIn;
let cli: OpenstackCli;
const ids: Record<string, string> = {};

async function sql(text: string, params: unknown[] = []): Promise<any[]> {
  const c = new Client({ connectionString: t.dbUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** What the worker reports when it finishes, for flows the noop test setup leaves pending (amphora failover). */
async function settle(lbId: string): Promise<void> {
  const c = new Client({ connectionString: t.dbUrl });
  await c.connect();
  try {
    const em = { query: async (q: string, p?: unknown[]) => (await c.query(q, p)).rows } as unknown as EntityManager;
    await settleLoadBalancerTree(em, lbId);
  } finally {
    await c.end();
  }
}

const api = async (path: string) => (await t.call('GET', `/v2.0/${path}`)).body;
const lines = (v: string) => (v === '' ? [] : v.split('\n')).sort();

beforeAll(async () => {
  t = await startTestApi();
  standIn = new NeutronKeystoneStandIn({ networks: [NETWORK], subnets: [SUBNET], projects: [PROJECT, OTHER_PROJECT] });
  await standIn.start();
  cli = new OpenstackCli(t.url, standIn.url);
  const lb = await cli.json(['loadbalancer', 'create', '--name', 'l7-lb', '--vip-subnet-id', 'l7-subnet', '--project', 'shop', '--wait']);
  ids.lb = lb.id;
  ids.listener = (await cli.json(['loadbalancer', 'listener', 'create', '--name', 'web', '--protocol', 'HTTP', '--protocol-port', '80', '--wait', 'l7-lb'])).id;
  ids.pool = (await cli.json(['loadbalancer', 'pool', 'create', '--name', 'api-pool', '--protocol', 'HTTP', '--lb-algorithm', 'ROUND_ROBIN', '--loadbalancer', 'l7-lb', '--wait'])).id;
});
afterAll(async () => {
  cli?.cleanup();
  await standIn?.stop();
  await t?.close();
});

describe('l7policy', () => {
  test('create --wait for each action, list on the listener, show', async () => {
    const deny = await cli.json(['loadbalancer', 'l7policy', 'create', '--name', 'deny', '--action', 'REJECT', '--tag', 'edge', '--wait', 'web']);
    expect(deny).toMatchObject({ name: 'deny', action: 'REJECT', listener_id: ids.listener, position: 1, provisioning_status: 'ACTIVE', operating_status: 'ONLINE', admin_state_up: true });
    ids.deny = deny.id;
    const toPool = await cli.json(['loadbalancer', 'l7policy', 'create', '--name', 'to-api', '--action', 'REDIRECT_TO_POOL', '--redirect-pool', 'api-pool', '--position', '1', '--wait', 'web']);
    expect(toPool).toMatchObject({ action: 'REDIRECT_TO_POOL', redirect_pool_id: ids.pool, position: 1 });
    ids.toPool = toPool.id;
    const toUrl = await cli.json([
      'loadbalancer', 'l7policy', 'create', '--name', 'moved', '--action', 'REDIRECT_TO_URL', '--redirect-url', 'https://example.com/new',
      '--redirect-http-code', '301', '--wait', 'web',
    ]);
    expect(toUrl).toMatchObject({ action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/new', redirect_http_code: 301, position: 3 });
    ids.toUrl = toUrl.id;
    const prefix = await cli.json(['loadbalancer', 'l7policy', 'create', '--name', 'prefixed', '--action', 'REDIRECT_PREFIX', '--redirect-prefix', 'https://example.org', '--disable', '--wait', 'web']);
    expect(prefix).toMatchObject({ action: 'REDIRECT_PREFIX', redirect_prefix: 'https://example.org', redirect_http_code: 302, admin_state_up: false, operating_status: 'OFFLINE' });
    ids.prefix = prefix.id;
    // the first policy was pushed down by the insert at position 1
    expect((await api(`lbaas/l7policies/${ids.deny}`)).l7policy.position).toBe(2);

    const listed = await cli.json(['loadbalancer', 'l7policy', 'list', '--listener', 'web']);
    expect(listed.map((p: { name: string }) => p.name).sort()).toEqual(['deny', 'moved', 'prefixed', 'to-api']);
    expect(listed.find((p: { id: string }) => p.id === ids.toPool)).toMatchObject({ action: 'REDIRECT_TO_POOL', position: 1, provisioning_status: 'ACTIVE' });
    const shown = await cli.json(['loadbalancer', 'l7policy', 'show', 'deny']);
    expect(shown).toMatchObject({ id: ids.deny, listener_id: ids.listener, action: 'REJECT', position: 2, rules: '' });
    expect(lines(shown.tags)).toEqual(['edge']);
  });

  test('set and unset: action change by target, position move, name/description/code', async () => {
    await cli.ok(['loadbalancer', 'l7policy', 'set', '--redirect-url', 'http://example.net/x', '--description', 'was a pool redirect', '--wait', 'to-api']);
    expect((await api(`lbaas/l7policies/${ids.toPool}`)).l7policy).toMatchObject({
      action: 'REDIRECT_TO_URL', redirect_url: 'http://example.net/x', redirect_pool_id: null, redirect_http_code: 302, description: 'was a pool redirect', provisioning_status: 'ACTIVE',
    });
    await cli.ok(['loadbalancer', 'l7policy', 'set', '--position', '4', '--redirect-http-code', '307', '--wait', 'to-api']);
    const byPosition = (await api(`lbaas/l7policies?listener_id=${ids.listener}&sort=position`)).l7policies.map((p: { name: string }) => p.name);
    expect(byPosition).toEqual(['deny', 'moved', 'prefixed', 'to-api']);
    expect((await api(`lbaas/l7policies/${ids.toPool}`)).l7policy.redirect_http_code).toBe(307);
    await cli.ok(['loadbalancer', 'l7policy', 'set', '--action', 'REJECT', '--enable', '--tag', 'blue', '--wait', 'prefixed']);
    expect((await api(`lbaas/l7policies/${ids.prefix}`)).l7policy).toMatchObject({ action: 'REJECT', redirect_prefix: null, redirect_http_code: null, admin_state_up: true });
    await cli.ok(['loadbalancer', 'l7policy', 'unset', '--description', '--redirect-http-code', '--wait', 'to-api']);
    expect((await api(`lbaas/l7policies/${ids.toPool}`)).l7policy).toMatchObject({ description: '', redirect_http_code: 302 });
    await cli.ok(['loadbalancer', 'l7policy', 'unset', '--tag', 'edge', '--name', '--wait', ids.deny]);
    expect((await api(`lbaas/l7policies/${ids.deny}`)).l7policy).toMatchObject({ name: '', tags: [] });
  });

  test('the API faultstring reaches the user', async () => {
    const res = await cli.run(['loadbalancer', 'l7policy', 'set', '--redirect-url', 'http://example.com/a#b', 'moved']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('Value must be a valid URL string (HTTP 400)');
  });
});

describe('l7rule', () => {
  // `l7rule create --wait` cannot be used with python-octaviaclient 3.1.0: after waiting it calls
  // l7rule_show(policy_id, rule_id) with the arguments swapped, i.e. GET /l7policies/<rule>/rules/<policy>,
  // which is a 404 here as it is upstream (the policy in the URL does not exist). The noop provider has
  // settled the tree before the create answers, so the rule is read back with `show` instead.
  test('create of several types, list and show', async () => {
    const path = await cli.json(['loadbalancer', 'l7rule', 'create', '--type', 'PATH', '--compare-type', 'STARTS_WITH', '--value', '/api', 'moved']);
    expect(path).toMatchObject({ type: 'PATH', compare_type: 'STARTS_WITH', value: '/api', key: null, invert: false, provisioning_status: 'PENDING_CREATE', admin_state_up: true });
    ids.pathRule = path.id;
    expect(await cli.json(['loadbalancer', 'l7rule', 'show', 'moved', path.id])).toMatchObject({ provisioning_status: 'ACTIVE', operating_status: 'ONLINE' });
    const broken = await cli.run(['loadbalancer', 'l7rule', 'create', '--type', 'PATH', '--compare-type', 'EQUAL_TO', '--value', '/waited', '--wait', 'moved']);
    expect(broken.stderr).toContain(`${ids.toUrl} not found (HTTP 404)`);
    const waited = (await api(`lbaas/l7policies/${ids.toUrl}/rules?value=/waited`)).rules;
    expect(waited).toEqual([expect.objectContaining({ value: '/waited', provisioning_status: 'ACTIVE' })]);
    await cli.ok(['loadbalancer', 'l7rule', 'delete', '--wait', 'moved', waited[0].id]);
    const header = await cli.json([
      'loadbalancer', 'l7rule', 'create', '--type', 'HEADER', '--key', 'X-Env', '--compare-type', 'EQUAL_TO', '--value', 'staging', '--invert', '--tag', 'env', 'moved',
    ]);
    expect(header).toMatchObject({ type: 'HEADER', key: 'X-Env', value: 'staging', invert: true });
    ids.headerRule = header.id;
    const rules = await cli.json(['loadbalancer', 'l7rule', 'list', 'moved']);
    expect(rules.map((r: { id: string }) => r.id).sort()).toEqual([ids.pathRule, ids.headerRule].sort());
    expect(rules.find((r: { id: string }) => r.id === ids.headerRule)).toMatchObject({ type: 'HEADER', compare_type: 'EQUAL_TO', value: 'staging', invert: true });
    expect(await cli.json(['loadbalancer', 'l7rule', 'show', 'moved', ids.pathRule])).toMatchObject({ id: ids.pathRule, type: 'PATH', value: '/api', project_id: PROJECT.id });
    expect(lines((await cli.json(['loadbalancer', 'l7policy', 'show', 'moved'])).rules)).toEqual([ids.pathRule, ids.headerRule].sort());
  });

  test('set and unset value, type, key, invert and tags', async () => {
    await cli.ok(['loadbalancer', 'l7rule', 'set', '--value', '/v2', '--compare-type', 'EQUAL_TO', '--wait', 'moved', ids.pathRule]);
    expect((await api(`lbaas/l7policies/${ids.toUrl}/rules/${ids.pathRule}`)).rule).toMatchObject({ value: '/v2', compare_type: 'EQUAL_TO', provisioning_status: 'ACTIVE' });
    await cli.ok(['loadbalancer', 'l7rule', 'unset', '--invert', '--tag', 'env', '--wait', 'moved', ids.headerRule]);
    expect((await api(`lbaas/l7policies/${ids.toUrl}/rules/${ids.headerRule}`)).rule).toMatchObject({ invert: false, tags: [], key: 'X-Env' });
    await cli.ok(['loadbalancer', 'l7rule', 'set', '--type', 'COOKIE', '--key', 'session', '--value', 'abc', '--wait', 'moved', ids.headerRule]);
    expect((await api(`lbaas/l7policies/${ids.toUrl}/rules/${ids.headerRule}`)).rule).toMatchObject({ type: 'COOKIE', key: 'session', value: 'abc' });
    const bad = await cli.run(['loadbalancer', 'l7rule', 'unset', '--key', 'moved', ids.headerRule]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Error parsing L7Rule: Invalid L7 Rule: L7 rule type requires a key (HTTP 400)');
    const hostile = await cli.run(['loadbalancer', 'l7rule', 'create', '--type', 'PATH', '--compare-type', 'EQUAL_TO', '--value', '/a"b', 'moved']);
    expect(hostile.code).not.toBe(0);
    expect(hostile.stderr).toContain('Error parsing L7Rule: Invalid characters in comparison value (HTTP 400)');
  });

  test('delete --wait of a rule, then of the policies', async () => {
    await cli.ok(['loadbalancer', 'l7rule', 'delete', '--wait', 'moved', ids.pathRule]);
    expect((await t.call('GET', `/v2.0/lbaas/l7policies/${ids.toUrl}/rules/${ids.pathRule}`)).status).toBe(404);
    for (const name of ['moved', 'prefixed', 'to-api', ids.deny]) await cli.ok(['loadbalancer', 'l7policy', 'delete', '--wait', name]);
    expect(await cli.json(['loadbalancer', 'l7policy', 'list'])).toEqual([]);
    // the policy's remaining rule went with it
    expect(await sql(`SELECT id FROM l7rule`)).toEqual([]);
  });
});

describe('quota', () => {
  test('defaults show and show of a project without a row give the configured defaults', async () => {
    const defaults = await cli.json(['loadbalancer', 'quota', 'defaults', 'show']);
    expect(defaults).toMatchObject({ load_balancer: -1, listener: -1, pool: -1, health_monitor: -1, member: -1, l7policy: -1, l7rule: -1 });
    expect(await cli.json(['loadbalancer', 'quota', 'show', 'shop'])).toMatchObject({ load_balancer: -1, l7rule: -1 });
  });

  test('set by project name, list, unset, reset', async () => {
    const set = await cli.json(['loadbalancer', 'quota', 'set', '--loadbalancer', '5', '--healthmonitor', '2', '--l7policy', '7', '--l7rule', '0', 'shop']);
    expect(set).toMatchObject({ load_balancer: 5, health_monitor: 2, l7policy: 7, l7rule: 0, listener: -1 });
    expect(standIn.requests).toEqual(expect.arrayContaining([{ method: 'GET', path: '/projects', query: { name: ['shop'] } }]));
    await cli.json(['loadbalancer', 'quota', 'set', '--member', '9', OTHER_PROJECT.id]);
    expect(await cli.json(['loadbalancer', 'quota', 'show', PROJECT.id])).toMatchObject({ load_balancer: 5, health_monitor: 2, l7policy: 7, l7rule: 0 });

    const listed = await cli.json(['loadbalancer', 'quota', 'list']);
    expect(listed).toEqual(expect.arrayContaining([
      expect.objectContaining({ project_id: PROJECT.id, load_balancer: 5, health_monitor: 2, l7policy: 7, l7rule: 0, listener: null }),
      expect.objectContaining({ project_id: OTHER_PROJECT.id, member: 9, load_balancer: null }),
    ]));
    expect(listed).toHaveLength(2);
    const one = await cli.json(['loadbalancer', 'quota', 'list', '--project', OTHER_PROJECT.id]);
    expect(one).toEqual([expect.objectContaining({ project_id: OTHER_PROJECT.id, member: 9 })]);

    await cli.ok(['loadbalancer', 'quota', 'unset', '--loadbalancer', '--l7rule', 'shop']);
    expect(await cli.json(['loadbalancer', 'quota', 'show', 'shop'])).toMatchObject({ load_balancer: -1, l7rule: -1, health_monitor: 2, l7policy: 7 });
    await cli.ok(['loadbalancer', 'quota', 'reset', 'shop']);
    expect(await cli.json(['loadbalancer', 'quota', 'show', 'shop'])).toMatchObject({ health_monitor: -1, l7policy: -1 });
    expect((await api(`lbaas/quotas?project_id=${PROJECT.id}`)).quotas).toEqual([expect.objectContaining({ health_monitor: null, l7policy: null })]);

    const bad = await cli.run(['loadbalancer', 'quota', 'set', '--pool', '-3', 'shop']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("Invalid input for field/attribute pool. Value: '-3'. Value should be greater or equal to -1 (HTTP 400)");
  });
});

describe('amphora', () => {
  beforeAll(async () => {
    ids.master = randomUUID();
    ids.backup = randomUUID();
    ids.broken = randomUUID();
    const insert = `INSERT INTO amphora (id, compute_id, status, load_balancer_id, lb_network_ip, vrrp_ip, ha_ip, role, cert_busy, vrrp_priority, cached_zone, compute_flavor, created_at)
                    VALUES ($1, $2, $3, $4, $5, $6, '198.51.100.10', $7, false, $8, 'az1', 'amphora-small', $9)`;
    await sql(insert, [ids.master, 'compute-master', 'ALLOCATED', ids.lb, '172.16.0.11', '198.51.100.21', 'MASTER', 100, '2026-11-20 08:00:01']);
    await sql(insert, [ids.backup, 'compute-backup', 'ALLOCATED', ids.lb, '172.16.0.12', '198.51.100.22', 'BACKUP', 90, '2026-11-20 08:00:02']);
    await sql(insert, [ids.broken, 'compute-broken', 'ERROR', null, '172.16.0.13', null, null, null, '2026-11-20 08:00:03']);
    await sql(`INSERT INTO listener_statistics VALUES ($1, $2, 1000, 2000, 3, 40, 1)`, [ids.listener, ids.master]);
  });

  test('list, list by load balancer name and role, show', async () => {
    const all = await cli.json(['loadbalancer', 'amphora', 'list']);
    expect(all.map((a: { id: string }) => a.id)).toEqual([ids.master, ids.backup, ids.broken]);
    expect(all[0]).toMatchObject({ id: ids.master, loadbalancer_id: ids.lb, status: 'ALLOCATED', role: 'MASTER', lb_network_ip: '172.16.0.11', ha_ip: '198.51.100.10' });
    const backups = await cli.json(['loadbalancer', 'amphora', 'list', '--loadbalancer', 'l7-lb', '--role', 'BACKUP']);
    expect(backups.map((a: { id: string }) => a.id)).toEqual([ids.backup]);
    expect((await cli.json(['loadbalancer', 'amphora', 'list', '--status', 'ERROR'])).map((a: { id: string }) => a.id)).toEqual([ids.broken]);
    const shown = await cli.json(['loadbalancer', 'amphora', 'show', ids.master]);
    expect(shown).toMatchObject({
      id: ids.master, loadbalancer_id: ids.lb, compute_id: 'compute-master', vrrp_ip: '198.51.100.21', vrrp_priority: 100, cached_zone: 'az1',
      compute_flavor: 'amphora-small', cert_busy: false, created_at: '2026-11-20T08:00:01',
    });
  });

  test('stats show reads amphora_stats', async () => {
    const stats = await cli.json(['loadbalancer', 'amphora', 'stats', 'show', ids.master]);
    expect(stats).toEqual({ active_connections: 3, bytes_in: 1000, bytes_out: 2000, request_errors: 1, total_connections: 40 });
    const missing = await cli.run(['loadbalancer', 'amphora', 'stats', 'show', ids.backup]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`Amphora stats for ${ids.backup} not found. (HTTP 404)`);
  });

  test('configure and failover write flows; failover holds the load balancer until the worker reports', async () => {
    await cli.ok(['loadbalancer', 'amphora', 'configure', ids.master]);
    expect(await sql(`SELECT kind, target_id, load_balancer_id, priority FROM flow WHERE kind LIKE 'amphora.%'`)).toEqual([
      { kind: 'amphora.config', target_id: ids.master, load_balancer_id: ids.lb, priority: 40 },
    ]);
    await cli.ok(['loadbalancer', 'amphora', 'failover', ids.backup]);
    expect(await sql(`SELECT kind, target_id, load_balancer_id, priority FROM flow WHERE kind = 'amphora.failover'`)).toEqual([
      { kind: 'amphora.failover', target_id: ids.backup, load_balancer_id: ids.lb, priority: 160 },
    ]);
    expect((await api(`lbaas/loadbalancers/${ids.lb}`)).loadbalancer.provisioning_status).toBe('PENDING_UPDATE');
    const busy = await cli.run(['loadbalancer', 'amphora', 'failover', ids.master]);
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toContain(`Load Balancer ${ids.lb} is immutable and cannot be updated. (HTTP 409)`);
    await settle(ids.lb);
    expect((await api(`lbaas/loadbalancers/${ids.lb}`)).loadbalancer.provisioning_status).toBe('ACTIVE');
  });

  test('delete only an amphora in ERROR', async () => {
    const refused = await cli.run(['loadbalancer', 'amphora', 'delete', ids.master]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`amphora ${ids.master} is immutable and cannot be updated. (HTTP 409)`);
    await cli.ok(['loadbalancer', 'amphora', 'delete', ids.broken]);
    expect((await api(`octavia/amphorae/${ids.broken}`)).amphora.status).toBe('PENDING_DELETE');
    expect(standIn.unexpected).toEqual([]);
  });
});
