import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { TestApi } from '../support/api-harness';

/** Shared pieces of the load balancer API tests: fixtures, the fault-shape check, raw HTTP and row counts. */

export const SUBNET_ID = '6c1d0f6e-3a52-4a0e-9d5e-6f3bb1a2c401';
export const LB = '/v2.0/lbaas/loadbalancers';

/** `x-openstack-request-id: req-<uuid>` (oslo request-id middleware). */
export const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Naive UTC ISO-8601, seconds precision, no zone suffix (spec 2.4). */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every key of a HEAD (v2.30) load balancer object (spec 9.1.1). */
export const LB_KEYS = [
  'id', 'name', 'description', 'provisioning_status', 'operating_status', 'admin_state_up', 'project_id', 'tenant_id',
  'created_at', 'updated_at', 'vip_address', 'vip_port_id', 'vip_subnet_id', 'vip_network_id', 'vip_qos_policy_id',
  'vip_sg_ids', 'vip_vnic_type', 'additional_vips', 'listeners', 'pools', 'provider', 'flavor_id', 'availability_zone', 'tags',
].sort();

export interface Reply {
  status: number;
  body: any;
  headers: Headers | Record<string, string | string[] | undefined>;
}

function header(reply: Reply, name: string): string | null {
  const h = reply.headers;
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name);
  const v = (h as Record<string, string | string[] | undefined>)[name.toLowerCase()];
  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
}

/** The Octavia fault shape (spec 6.1) with the given status and, when given, the exact faultstring. */
export function expectFault(reply: Reply, status: number, faultstring?: string | RegExp): void {
  expect({ status: reply.status, body: reply.body }).toEqual({ status, body: expect.anything() });
  expect(header(reply, 'content-type')).toMatch(/^application\/json/);
  expect(header(reply, 'x-openstack-request-id')).toMatch(REQUEST_ID);
  expect(reply.body).toEqual({
    faultcode: status >= 500 ? 'Server' : 'Client',
    faultstring: expect.any(String),
    debuginfo: null,
  });
  expect(reply.body.faultstring.length).toBeGreaterThan(0);
  if (typeof faultstring === 'string') expect(reply.body.faultstring).toBe(faultstring);
  else if (faultstring) expect(reply.body.faultstring).toMatch(faultstring);
}

export function headerOf(reply: Reply, name: string): string | null {
  return header(reply, name);
}

/** POST a load balancer and return the created object (fails the test unless 201). */
export async function createLb(t: TestApi, project: string, fields: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await t.call('POST', LB, { loadbalancer: { vip_subnet_id: SUBNET_ID, ...fields } }, { 'x-project-id': project, ...headers });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.loadbalancer;
}

/** GET a list under a project, failing the test unless 200. */
export async function list(t: TestApi, query: string) {
  const res = await t.call('GET', `${LB}?${query}`);
  if (res.status !== 200) throw new Error(`list failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { loadbalancers: Array<Record<string, any>>; loadbalancers_links: Array<{ href: string; rel: string }> };
}

/** The request of spec 15.1: listener with a default pool referenced by name, the pool with an HM and a member. */
export function shopGraph(): Record<string, unknown> {
  return {
    name: 'shop-lb',
    description: 'public entry point',
    vip_subnet_id: SUBNET_ID,
    admin_state_up: true,
    tags: ['shop', 'prod'],
    listeners: [
      {
        name: 'shop-http',
        protocol: 'HTTP',
        protocol_port: 80,
        insert_headers: { 'X-Forwarded-For': 'true' },
        default_pool: { name: 'shop-web' },
      },
    ],
    pools: [
      {
        name: 'shop-web',
        protocol: 'HTTP',
        lb_algorithm: 'ROUND_ROBIN',
        healthmonitor: { type: 'HTTP', delay: 5, timeout: 3, max_retries: 3 },
        members: [{ address: '192.0.2.21', protocol_port: 8080 }],
      },
    ],
  };
}

export const TREE_TABLES = ['load_balancer', 'listener', 'pool', 'member', 'health_monitor', 'l7policy', 'l7rule', 'flow'] as const;

/** Row counts of the LB-tree tables, to prove that a rejected request wrote nothing. */
export async function rowCounts(dbUrl: string): Promise<Record<string, number>> {
  return withDb(dbUrl, async (db) => {
    const out: Record<string, number> = {};
    for (const table of TREE_TABLES) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table}`);
      out[table] = rows[0].n;
    }
    return out;
  });
}

export async function withDb<T>(dbUrl: string, fn: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/**
 * A request over plain node:http, for what fetch cannot send: chunked bodies with no Content-Length,
 * bodies written in pieces. Write errors after the server has answered early (413) are expected and ignored.
 */
export function rawRequest(
  url: string,
  opts: { method: string; path: string; headers?: Record<string, string>; chunks?: Array<string | Buffer> },
): Promise<Reply & { text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(opts.path, url);
    const req = httpRequest(
      { host: target.hostname, port: target.port, method: opts.method, path: target.pathname + target.search, headers: opts.headers },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = text;
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return; // the server answered before reading everything
      reject(err);
    });
    for (const c of opts.chunks ?? []) req.write(c);
    req.end();
  });
}
