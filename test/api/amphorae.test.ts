/**
 * The admin amphora API under /v2/octavia/amphorae (spec 9.14) over real HTTP against a real API on a
 * throw-away PostgreSQL database. Amphora rows are seeded directly (building them is the worker's job);
 * config, failover and delete write flow records through the amphora provider, whose dispatches are
 * recorded here. A second API under the `testing` auth strategy checks that every route is admin-only.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { TestApi, startTestApi } from '../support/api-harness';
import { expectFault, headerOf } from './lb-helpers';

jest.setTimeout(120000);

type Body = Record<string, any>;

const AMPHORAE = '/v2/octavia/amphorae';
const AMPHORA_KEYS = [
  'cached_zone', 'cert_busy', 'cert_expiration', 'compute_flavor', 'compute_id', 'created_at', 'ha_ip', 'ha_port_id', 'id', 'image_id',
  'lb_network_ip', 'loadbalancer_id', 'role', 'status', 'updated_at', 'vrrp_id', 'vrrp_interface', 'vrrp_ip', 'vrrp_port_id', 'vrrp_priority',
];

async function sql(t: TestApi, text: string, params: unknown[] = []): Promise<any[]> {
  const c = new Client({ connectionString: t.dbUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

interface Seed {
  id?: string;
  status: string;
  lb?: string | null;
  role?: string | null;
  computeId?: string | null;
  createdAt?: string;
  certBusy?: boolean;
}

let seeded = 0;

async function seedAmphora(t: TestApi, s: Seed): Promise<string> {
  const id = s.id ?? randomUUID();
  seeded++;
  await sql(t,
    `INSERT INTO amphora (id, compute_id, status, load_balancer_id, lb_network_ip, vrrp_ip, ha_ip, vrrp_port_id, ha_port_id, role, cert_expiration,
                          cert_busy, vrrp_interface, vrrp_id, vrrp_priority, cached_zone, image_id, compute_flavor, compute_driver, created_at)
     VALUES ($1, $2, $3, $4, $11, '10.0.0.11', '10.0.0.5', $5, $6, $7, '2027-01-02 03:04:05.678', $8, 'eth1', 1, 100, 'az1', $9, 'm1.amphora', 'netns', $10)`,
    [id, s.computeId ?? randomUUID(), s.status, s.lb ?? null, randomUUID(), randomUUID(), s.role ?? null, s.certBusy ?? false, randomUUID(), s.createdAt ?? '2026-11-01 10:00:00', `192.168.0.${9 + seeded}`]);
  return id;
}

async function createLb(t: TestApi, headers?: Record<string, string>): Promise<Body> {
  const r = await t.call('POST', '/v2.0/lbaas/loadbalancers', { loadbalancer: { vip_subnet_id: randomUUID() } }, headers);
  if (r.status !== 201) throw new Error(`LB create -> ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.loadbalancer;
}

describe('amphora admin API (noauth: every caller is admin)', () => {
  let t: TestApi;
  const dispatched: Array<{ flowId: string; kind: string; priority: number }> = [];
  let lb: Body;
  let otherLb: Body;
  const amp: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApi({}, { dispatch: async (flowId, kind, priority) => { dispatched.push({ flowId, kind, priority }); } });
    lb = await createLb(t);
    otherLb = await createLb(t, { 'x-project-id': 'project-b' });
    seeded = 0;
    amp.master = await seedAmphora(t, { status: 'ALLOCATED', lb: lb.id, role: 'MASTER', createdAt: '2026-11-01 10:00:01' });
    amp.backup = await seedAmphora(t, { status: 'ALLOCATED', lb: lb.id, role: 'BACKUP', createdAt: '2026-11-01 10:00:02', certBusy: true });
    amp.other = await seedAmphora(t, { status: 'ALLOCATED', lb: otherLb.id, role: 'STANDALONE', createdAt: '2026-11-01 10:00:03' });
    amp.spare = await seedAmphora(t, { status: 'READY', createdAt: '2026-11-01 10:00:04' });
    amp.broken = await seedAmphora(t, { status: 'ERROR', createdAt: '2026-11-01 10:00:05' });
    amp.gone = await seedAmphora(t, { status: 'DELETED', lb: lb.id, createdAt: '2026-11-01 10:00:06' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const ids = async (query: string) => {
    const r = await t.call('GET', `${AMPHORAE}?${query}`);
    if (r.status !== 200) throw new Error(`list ${query} -> ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.amphorae.map((a: Body) => a.id);
  };

  it('lists every amphora but DELETED ones, oldest first, with the full object', async () => {
    const r = await t.call('GET', AMPHORAE);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['amphorae', 'amphorae_links']);
    expect(r.body.amphorae.map((a: Body) => a.id)).toEqual([amp.master, amp.backup, amp.other, amp.spare, amp.broken]);
    expect(Object.keys(r.body.amphorae[0]).sort()).toEqual(AMPHORA_KEYS);
    expect(r.body.amphorae_links).toEqual([]);
  });

  it('filters on load balancer, status, role, compute id, project, booleans; sorts, pages and selects fields', async () => {
    expect(await ids(`loadbalancer_id=${lb.id}`)).toEqual([amp.master, amp.backup]);
    expect(await ids(`load_balancer_id=${otherLb.id}`)).toEqual([amp.other]);
    expect(await ids('status=READY')).toEqual([amp.spare]);
    expect(await ids('status=DELETED')).toEqual([]);
    expect(await ids('role=BACKUP')).toEqual([amp.backup]);
    expect(await ids('project_id=project-b')).toEqual([amp.other]);
    expect(await ids('cert_busy=true')).toEqual([amp.backup]);
    expect(await ids(`id=${amp.spare}`)).toEqual([amp.spare]);
    const [computeId] = (await sql(t, `SELECT compute_id FROM amphora WHERE id = $1`, [amp.broken])).map((r) => r.compute_id);
    expect(await ids(`compute_id=${computeId}`)).toEqual([amp.broken]);
    expect(await ids('sort=created_at:desc&limit=2')).toEqual([amp.broken, amp.spare]);
    const page = await t.call('GET', `${AMPHORAE}?limit=2`);
    expect(page.body.amphorae_links).toEqual([{ rel: 'next', href: expect.stringContaining(`/v2/octavia/amphorae?limit=2&marker=${amp.backup}`) }]);
    expect(await ids(`limit=2&marker=${amp.backup}`)).toEqual([amp.other, amp.spare]);
    const fields = await t.call('GET', `${AMPHORAE}?role=MASTER&fields=id&fields=status`);
    expect(fields.body.amphorae).toEqual([{ id: amp.master, status: 'ALLOCATED' }]);
    expectFault(await t.call('GET', `${AMPHORAE}?bogus=1`), 400, 'One or more arguments are either duplicate or invalid');
    expectFault(await t.call('GET', `${AMPHORAE}?tags=x`), 400, 'One or more arguments are either duplicate or invalid');
    expectFault(await t.call('GET', `${AMPHORAE}?sort=bogus`), 400, "Supplied sort key 'bogus' is not valid.");
    expectFault(await t.call('GET', `${AMPHORAE}?marker=${randomUUID()}`), 400, /Supplied pagination marker/);
    // the /v2.0 alias; never under lbaas in upstream, and not a load-balancer collection
    expect((await t.call('GET', `/v2.0/octavia/amphorae?role=MASTER`)).body.amphorae.map((a: Body) => a.id)).toEqual([amp.master]);
  });

  it('shows one amphora with every attribute as upstream renders it; DELETED and unknown are 404', async () => {
    const r = await t.call('GET', `${AMPHORAE}/${amp.master}`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['amphora']);
    expect(r.body.amphora).toMatchObject({
      id: amp.master, loadbalancer_id: lb.id, status: 'ALLOCATED', role: 'MASTER', lb_network_ip: '192.168.0.10', vrrp_ip: '10.0.0.11',
      ha_ip: '10.0.0.5', cert_expiration: '2027-01-02T03:04:05', cert_busy: false, vrrp_interface: 'eth1', vrrp_id: 1, vrrp_priority: 100,
      cached_zone: 'az1', compute_flavor: 'm1.amphora', created_at: '2026-11-01T10:00:01', updated_at: null,
    });
    expect(r.body.amphora.image_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await t.call('GET', `${AMPHORAE}/${amp.master}?fields=role`)).body.amphora).toEqual({ role: 'MASTER' });
    expectFault(await t.call('GET', `${AMPHORAE}/${amp.gone}`), 404, `Amphora ${amp.gone} not found.`);
    const missing = randomUUID();
    expectFault(await t.call('GET', `${AMPHORAE}/${missing}`), 404, `Amphora ${missing} not found.`);
    expectFault(await t.call('GET', `${AMPHORAE}/not-a-uuid`), 404, 'Amphora not-a-uuid not found.');
  });

  it('stats: one element per listener the amphora reports; none is 404', async () => {
    const l1 = (await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 80 } })).body.listener;
    const l2 = (await t.call('POST', '/v2/listeners', { listener: { loadbalancer_id: lb.id, protocol: 'TCP', protocol_port: 443 } })).body.listener;
    const [a, b] = [l1.id, l2.id].sort();
    await sql(t, `INSERT INTO listener_statistics VALUES ($1, $2, 10, 20, 3, 4000000000000, 5), ($3, $2, 1, 2, 0, 4, 0), ($1, $4, 99, 99, 99, 99, 99)`,
      [a, amp.master, b, amp.backup]);
    const r = await t.call('GET', `${AMPHORAE}/${amp.master}/stats`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      amphora_stats: [
        { active_connections: 3, bytes_in: 10, bytes_out: 20, id: amp.master, listener_id: a, loadbalancer_id: lb.id, request_errors: 5, total_connections: 4000000000000 },
        { active_connections: 0, bytes_in: 1, bytes_out: 2, id: amp.master, listener_id: b, loadbalancer_id: lb.id, request_errors: 0, total_connections: 4 },
      ],
    });
    expectFault(await t.call('GET', `${AMPHORAE}/${amp.spare}/stats`), 404, `Amphora stats for ${amp.spare} not found.`);
    const missing = randomUUID();
    expectFault(await t.call('GET', `${AMPHORAE}/${missing}/stats`), 404, `Amphora stats for ${missing} not found.`);
    for (const l of [l1, l2]) expect((await t.call('DELETE', `/v2/listeners/${l.id}`)).status).toBe(204);
  });

  it('config: 202 with no body, a flow record for the worker, no status change', async () => {
    dispatched.length = 0;
    const r = await t.call('PUT', `${AMPHORAE}/${amp.master}/config`);
    expect(r.status).toBe(202);
    expect(r.body).toBeUndefined();
    expect(headerOf(r, 'content-type')).toBeNull();
    const flows = await sql(t, `SELECT id, kind, load_balancer_id, target_id, priority, status FROM flow WHERE kind = 'amphora.config'`);
    expect(flows).toEqual([{ id: expect.any(String), kind: 'amphora.config', load_balancer_id: lb.id, target_id: amp.master, priority: 40, status: 'PENDING' }]);
    expect(dispatched).toEqual([{ flowId: flows[0].id, kind: 'amphora.config', priority: 40 }]);
    expect((await t.call('GET', `/v2/loadbalancers/${lb.id}`)).body.loadbalancer.provisioning_status).toBe('ACTIVE');
    expect((await t.call('GET', `${AMPHORAE}/${amp.master}`)).body.amphora.status).toBe('ALLOCATED');
    // a spare amphora has no load balancer; a body, if any, is ignored
    expect((await t.call('PUT', `${AMPHORAE}/${amp.spare}/config`, {})).status).toBe(202);
    expect(await sql(t, `SELECT load_balancer_id FROM flow WHERE kind = 'amphora.config' AND target_id = $1`, [amp.spare])).toEqual([{ load_balancer_id: null }]);
    const missing = randomUUID();
    expectFault(await t.call('PUT', `${AMPHORAE}/${missing}/config`), 404, `Amphora ${missing} not found.`);
    expectFault(await t.call('PUT', `${AMPHORAE}/${amp.gone}/config`), 404, `Amphora ${amp.gone} not found.`);
  });

  it('failover: 202, load balancer PENDING_UPDATE, priority-160 flow; 409 while the load balancer is busy', async () => {
    dispatched.length = 0;
    const r = await t.call('PUT', `${AMPHORAE}/${amp.backup}/failover`);
    expect(r.status).toBe(202);
    expect(r.body).toBeUndefined();
    expect((await t.call('GET', `/v2/loadbalancers/${lb.id}`)).body.loadbalancer.provisioning_status).toBe('PENDING_UPDATE');
    const flows = await sql(t, `SELECT id, load_balancer_id, target_id, priority FROM flow WHERE kind = 'amphora.failover'`);
    expect(flows).toEqual([{ id: expect.any(String), load_balancer_id: lb.id, target_id: amp.backup, priority: 160 }]);
    expect(dispatched).toEqual([{ flowId: flows[0].id, kind: 'amphora.failover', priority: 160 }]);
    // the other amphora of the same load balancer, now busy
    expectFault(await t.call('PUT', `${AMPHORAE}/${amp.master}/failover`), 409, `Load Balancer ${lb.id} is immutable and cannot be updated.`);
    // ERROR is not enough for an amphora failover (unlike a load balancer failover)
    await sql(t, `UPDATE load_balancer SET provisioning_status = 'ERROR' WHERE id = $1`, [lb.id]);
    expectFault(await t.call('PUT', `${AMPHORAE}/${amp.master}/failover`), 409, `Load Balancer ${lb.id} is immutable and cannot be updated.`);
    expect(await sql(t, `SELECT count(*)::int AS n FROM flow WHERE kind = 'amphora.failover'`)).toEqual([{ n: 1 }]);
    await sql(t, `UPDATE load_balancer SET provisioning_status = 'ACTIVE' WHERE id = $1`, [lb.id]);
    // a spare has no load balancer to gate
    expect((await t.call('PUT', `${AMPHORAE}/${amp.spare}/failover`)).status).toBe(202);
    expectFault(await t.call('PUT', `${AMPHORAE}/${amp.gone}/failover`), 404, `Amphora ${amp.gone} not found.`);
  });

  it('delete: only an amphora in ERROR (409 otherwise); it goes PENDING_DELETE with a flow', async () => {
    expectFault(await t.call('DELETE', `${AMPHORAE}/${amp.other}`), 409, `amphora ${amp.other} is immutable and cannot be updated.`);
    expectFault(await t.call('DELETE', `${AMPHORAE}/${amp.spare}`), 409, `amphora ${amp.spare} is immutable and cannot be updated.`);
    const r = await t.call('DELETE', `${AMPHORAE}/${amp.broken}`);
    expect(r.status).toBe(204);
    expect(r.body).toBeUndefined();
    expect((await t.call('GET', `${AMPHORAE}/${amp.broken}`)).body.amphora).toMatchObject({ status: 'PENDING_DELETE', updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/) });
    expect(await sql(t, `SELECT target_id, load_balancer_id FROM flow WHERE kind = 'amphora.delete'`)).toEqual([{ target_id: amp.broken, load_balancer_id: null }]);
    expectFault(await t.call('DELETE', `${AMPHORAE}/${amp.broken}`), 409, `amphora ${amp.broken} is immutable and cannot be updated.`);
    expectFault(await t.call('DELETE', `${AMPHORAE}/${amp.gone}`), 404, `Amphora ${amp.gone} not found.`);
    expect((await t.call('GET', `${AMPHORAE}/${amp.other}`)).body.amphora.status).toBe('ALLOCATED');
  });

  it('has no other verbs', async () => {
    expect((await t.call('POST', AMPHORAE, { amphora: {} })).status).toBe(404);
    expect((await t.call('PUT', `${AMPHORAE}/${amp.master}`, { amphora: {} })).status).toBe(404);
    expect((await t.call('PATCH', `${AMPHORAE}/${amp.master}`, { amphora: {} })).status).toBe(405);
  });
});

describe('amphora admin API under the testing auth strategy', () => {
  let t: TestApi;
  let ampId: string;
  beforeAll(async () => {
    t = await startTestApi({ OCTAVIA_TS_AUTH_STRATEGY: 'testing' });
    const lb = await createLb(t, { 'x-project-id': 'owner', 'x-roles': 'member' });
    ampId = await seedAmphora(t, { status: 'ALLOCATED', lb: lb.id, role: 'STANDALONE' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses every route to non-admins, even the owner of the load balancer; an admin may', async () => {
    const denied = 'Policy does not allow this request to be performed.';
    for (const roles of ['member,reader', 'reader', 'load-balancer_global_observer']) {
      const h = { 'x-project-id': 'owner', 'x-roles': roles };
      expectFault(await t.call('GET', AMPHORAE, undefined, h), 403, denied);
      expectFault(await t.call('GET', `${AMPHORAE}/${ampId}`, undefined, h), 403, denied);
      expectFault(await t.call('GET', `${AMPHORAE}/${ampId}/stats`, undefined, h), 403, denied);
      expectFault(await t.call('PUT', `${AMPHORAE}/${ampId}/config`, undefined, h), 403, denied);
      expectFault(await t.call('PUT', `${AMPHORAE}/${ampId}/failover`, undefined, h), 403, denied);
      expectFault(await t.call('DELETE', `${AMPHORAE}/${ampId}`, undefined, h), 403, denied);
    }
    // an unknown amphora is a 404 before the policy check (spec 6.4)
    const missing = randomUUID();
    expectFault(await t.call('GET', `${AMPHORAE}/${missing}`, undefined, { 'x-project-id': 'owner', 'x-roles': 'member' }), 404);
    expect(await sql(t, `SELECT count(*)::int AS n FROM flow WHERE kind LIKE 'amphora.%'`)).toEqual([{ n: 0 }]);

    const admin = { 'x-project-id': 'ops', 'x-roles': 'admin' };
    expect((await t.call('GET', AMPHORAE, undefined, admin)).body.amphorae.map((a: Body) => a.id)).toEqual([ampId]);
    expect((await t.call('GET', `${AMPHORAE}/${ampId}`, undefined, admin)).status).toBe(200);
    expect((await t.call('PUT', `${AMPHORAE}/${ampId}/config`, undefined, admin)).status).toBe(202);
    expect((await t.call('PUT', `${AMPHORAE}/${ampId}/failover`, undefined, admin)).status).toBe(202);
  });
});
