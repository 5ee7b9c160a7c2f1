import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { Client } from 'pg';
import { JsonLogger, loadConfig, OctaviaConfig } from '../../libs/common/src';
import { encodeHeartbeat, HeartbeatMessage } from '../../libs/heartbeat/src';
import { HealthManager, HealthManagerOptions, startHealthManager } from '../../apps/health-manager/src/main';
import { FlowDispatcher } from '../../apps/health-manager/src/failover/flow-dispatcher';
import { createTestDatabase } from '../support/api-harness';

process.env.TZ = 'UTC';

export const KEY = 'hm-test-key';

/** A logger that keeps entries in memory (asserted on) instead of writing to stdout. */
export class MemoryLogger extends JsonLogger {
  readonly entries: Array<{ level: string; [k: string]: unknown }> = [];
  constructor() {
    super('health-manager', 'debug');
  }
  private keep(level: string, message: unknown): void {
    this.entries.push({ level, ...(typeof message === 'object' && message !== null ? (message as object) : { msg: String(message) }) });
  }
  override info(message: unknown): void {
    this.keep('info', message);
  }
  override log(message: unknown): void {
    this.keep('info', message);
  }
  override warn(message: unknown): void {
    this.keep('warn', message);
  }
  override error(message: unknown): void {
    this.keep('error', message);
  }
  override debug(message: unknown): void {
    this.keep('debug', message);
  }
}

/** Records dispatches; stands in for the BullMQ queue where a test only checks what was handed over. */
export class RecordingDispatcher implements FlowDispatcher {
  readonly dispatched: Array<{ flowId: string; kind: string; priority: number }> = [];
  async dispatch(flowId: string, kind: string, priority: number): Promise<void> {
    this.dispatched.push({ flowId, kind, priority });
  }
}

export interface TestDb {
  url: string;
  client: Client;
  q<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function testDatabase(): Promise<TestDb> {
  const db = await createTestDatabase('octavia_hm');
  const client = new Client({ connectionString: db.url });
  await client.connect();
  return {
    url: db.url,
    client,
    q: async (sql, params = []) => (await client.query(sql, params)).rows,
    drop: async () => {
      await client.end();
      await db.drop();
    },
  };
}

export function hmConfig(dbUrl: string, over: Partial<OctaviaConfig['healthManager']> = {}, redisUrl?: string): OctaviaConfig {
  const base = loadConfig({ OCTAVIA_TS_DATABASE_URL: dbUrl, ...(redisUrl ? { OCTAVIA_TS_REDIS_URL: redisUrl } : {}) });
  return {
    ...base,
    redisUrl,
    healthManager: {
      ...base.healthManager,
      bindIp: '127.0.0.1',
      bindPort: 0,
      heartbeatKey: KEY,
      heartbeatInterval: 10,
      heartbeatTimeout: 60,
      statusCacheTtl: 0,
      ...over,
    },
  };
}

export async function startHm(config: OctaviaConfig, opts: HealthManagerOptions = {}): Promise<HealthManager & { logger: MemoryLogger }> {
  const logger = new MemoryLogger();
  const hm = await startHealthManager(config, { logger, statusPort: null, housekeepingTimer: false, dispatcher: new RecordingDispatcher(), ...opts });
  return Object.assign(hm, { logger });
}

export interface Tree {
  lbId: string;
  amphoraIds: string[];
  listenerIds: string[];
  poolIds: string[];
  memberIds: string[][];
}

/**
 * Inserts a load balancer with its listeners (each with its own default pool of `members` members) and
 * amphorae, as the API and worker leave them: ACTIVE, operating statuses as given.
 */
export async function seedLoadBalancer(
  db: TestDb,
  opts: {
    listeners?: number;
    members?: number;
    amphorae?: number;
    provisioningStatus?: string;
    enabled?: boolean;
    listenerProtocol?: string;
    operatingStatus?: string;
    amphoraStatus?: string;
    memberStatus?: string;
  } = {},
): Promise<Tree> {
  const lbId = randomUUID();
  const op = opts.operatingStatus ?? 'ONLINE';
  await db.q(
    `INSERT INTO load_balancer (id, project_id, name, provisioning_status, operating_status, enabled, topology, provider, created_at)
     VALUES ($1, 'project-a', 'lb', $2, $3, $4, 'SINGLE', 'amphora', now() AT TIME ZONE 'utc')`,
    [lbId, opts.provisioningStatus ?? 'ACTIVE', op, opts.enabled ?? true],
  );
  const tree: Tree = { lbId, amphoraIds: [], listenerIds: [], poolIds: [], memberIds: [] };
  for (let i = 0; i < (opts.listeners ?? 1); i++) {
    const poolId = randomUUID();
    const listenerId = randomUUID();
    await db.q(
      `INSERT INTO pool (id, project_id, load_balancer_id, protocol, lb_algorithm, enabled, provisioning_status, operating_status, created_at)
       VALUES ($1, 'project-a', $2, $3, 'ROUND_ROBIN', true, 'ACTIVE', $4, now() AT TIME ZONE 'utc' + make_interval(secs => $5))`,
      [poolId, lbId, opts.listenerProtocol === 'UDP' ? 'UDP' : 'HTTP', op, i],
    );
    await db.q(
      `INSERT INTO listener (id, project_id, load_balancer_id, protocol, protocol_port, connection_limit, enabled, provisioning_status,
                             operating_status, default_pool_id, timeout_client_data, timeout_member_connect, timeout_member_data, timeout_tcp_inspect, created_at)
       VALUES ($1, 'project-a', $2, $3, $4, -1, true, 'ACTIVE', $5, $6, 50000, 5000, 50000, 0, now() AT TIME ZONE 'utc' + make_interval(secs => $7))`,
      [listenerId, lbId, opts.listenerProtocol ?? 'HTTP', 80 + i, op, poolId, i],
    );
    const members: string[] = [];
    for (let m = 0; m < (opts.members ?? 2); m++) {
      const memberId = randomUUID();
      await db.q(
        `INSERT INTO member (id, project_id, pool_id, ip_address, protocol_port, weight, backup, enabled, provisioning_status, operating_status, created_at)
         VALUES ($1, 'project-a', $2, $3, 80, 1, false, true, 'ACTIVE', $4, now() AT TIME ZONE 'utc' + make_interval(secs => $5))`,
        [memberId, poolId, `10.0.0.${m + 1}`, opts.memberStatus ?? op, m],
      );
      members.push(memberId);
    }
    tree.listenerIds.push(listenerId);
    tree.poolIds.push(poolId);
    tree.memberIds.push(members);
  }
  for (let a = 0; a < (opts.amphorae ?? 1); a++) tree.amphoraIds.push(await seedAmphora(db, lbId, opts.amphoraStatus ?? 'ALLOCATED'));
  return tree;
}

/** Many single-listener load balancers at once (one amphora, listener, pool and member each), for fleet tests. */
export async function seedFleet(db: TestDb, n: number): Promise<Tree[]> {
  const trees: Tree[] = Array.from({ length: n }, () => ({
    lbId: randomUUID(),
    amphoraIds: [randomUUID()],
    listenerIds: [randomUUID()],
    poolIds: [randomUUID()],
    memberIds: [[randomUUID()]],
  }));
  const col = (f: (t: Tree) => string) => trees.map(f);
  const now = `now() AT TIME ZONE 'utc'`;
  await db.q(
    `INSERT INTO load_balancer (id, project_id, provisioning_status, operating_status, enabled, topology, provider, created_at)
     SELECT id, 'project-a', 'ACTIVE', 'ONLINE', true, 'SINGLE', 'amphora', ${now} FROM unnest($1::uuid[]) AS id`,
    [col((t) => t.lbId)],
  );
  await db.q(
    `INSERT INTO pool (id, project_id, load_balancer_id, protocol, lb_algorithm, enabled, provisioning_status, operating_status, created_at)
     SELECT p, 'project-a', l, 'HTTP', 'ROUND_ROBIN', true, 'ACTIVE', 'ONLINE', ${now} FROM unnest($1::uuid[], $2::uuid[]) AS u(p, l)`,
    [col((t) => t.poolIds[0]), col((t) => t.lbId)],
  );
  await db.q(
    `INSERT INTO listener (id, project_id, load_balancer_id, protocol, protocol_port, connection_limit, enabled, provisioning_status, operating_status,
                           default_pool_id, timeout_client_data, timeout_member_connect, timeout_member_data, timeout_tcp_inspect, created_at)
     SELECT li, 'project-a', l, 'HTTP', 80, -1, true, 'ACTIVE', 'ONLINE', p, 50000, 5000, 50000, 0, ${now}
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS u(li, l, p)`,
    [col((t) => t.listenerIds[0]), col((t) => t.lbId), col((t) => t.poolIds[0])],
  );
  await db.q(
    `INSERT INTO member (id, project_id, pool_id, ip_address, protocol_port, weight, backup, enabled, provisioning_status, operating_status, created_at)
     SELECT m, 'project-a', p, '10.0.0.1', 80, 1, false, true, 'ACTIVE', 'ONLINE', ${now} FROM unnest($1::uuid[], $2::uuid[]) AS u(m, p)`,
    [col((t) => t.memberIds[0][0]), col((t) => t.poolIds[0])],
  );
  await db.q(
    `INSERT INTO amphora (id, status, load_balancer_id, role, cert_busy, created_at)
     SELECT a, 'ALLOCATED', l, 'STANDALONE', false, ${now} FROM unnest($1::uuid[], $2::uuid[]) AS u(a, l)`,
    [col((t) => t.amphoraIds[0]), col((t) => t.lbId)],
  );
  return trees;
}

export async function seedAmphora(db: TestDb, lbId: string | null, status = 'ALLOCATED', certExpiration: Date | null = null): Promise<string> {
  const id = randomUUID();
  await db.q(
    `INSERT INTO amphora (id, status, load_balancer_id, role, cert_busy, cert_expiration, created_at)
     VALUES ($1, $2, $3, 'STANDALONE', false, $4, now() AT TIME ZONE 'utc')`,
    [id, status, lbId, certExpiration ? certExpiration.toISOString().replace('Z', '') : null],
  );
  return id;
}

/** A health row as the receiver writes it, `ageSeconds` old. */
export async function seedHealth(db: TestDb, amphoraId: string, ageSeconds: number): Promise<void> {
  await db.q(
    `INSERT INTO amphora_health (amphora_id, last_update, busy) VALUES ($1, now() AT TIME ZONE 'utc' - make_interval(secs => $2), false)
     ON CONFLICT (amphora_id) DO UPDATE SET last_update = EXCLUDED.last_update`,
    [amphoraId, ageSeconds],
  );
}

/** Version-3 heartbeat for a seeded tree: every listener OPEN, every pool UP, members as given (default UP). */
export function heartbeatFor(
  tree: Tree,
  amphoraId = tree.amphoraIds[0],
  over: { listener?: Record<number, string | null>; pool?: Record<number, string | null>; members?: Record<string, string | null>; stats?: Partial<Record<'rx' | 'tx' | 'conns' | 'totconns' | 'ereq', number>> } = {},
): HeartbeatMessage {
  const listeners: Record<string, unknown> = {};
  const pools: Record<string, unknown> = {};
  tree.listenerIds.forEach((lid, i) => {
    const ls = over.listener?.[i] === undefined ? 'OPEN' : over.listener[i];
    if (ls !== null) listeners[lid] = { status: ls, stats: { tx: 0, rx: 0, conns: 0, totconns: 0, ereq: 0, ...over.stats } };
    const ps = over.pool?.[i] === undefined ? 'UP' : over.pool[i];
    if (ps === null) return;
    const members: Record<string, string> = {};
    for (const mid of tree.memberIds[i]) {
      const ms = over.members?.[mid] === undefined ? 'UP' : over.members[mid];
      if (ms !== null) members[mid] = ms;
    }
    pools[`${tree.poolIds[i]}:${lid}`] = { status: ps, members };
  });
  return { id: amphoraId, seq: 0, listeners: listeners as HeartbeatMessage['listeners'], pools: pools as HeartbeatMessage['pools'], ver: 3 };
}

/** Sends real datagrams over loopback UDP. */
export async function sendPackets(port: number, packets: Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  try {
    await Promise.all(packets.map((p) => new Promise<void>((resolve, reject) => socket.send(p, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())))));
  } finally {
    socket.close();
  }
}

export async function sendHeartbeat(hm: HealthManager, message: HeartbeatMessage, key = KEY): Promise<void> {
  await sendPackets(hm.address.port, [encodeHeartbeat(message, key)]);
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 10000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function metricValue(hm: HealthManager, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .sort()
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  for (const line of hm.metrics.render().split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (.+)$/.exec(line);
    if (m && m[1] === name && (m[2] ?? '') === want) return Number(m[3]);
  }
  return 0;
}

/** Everything the health manager may write, for "left the database untouched" checks. */
export async function dbFingerprint(db: TestDb): Promise<string> {
  const parts: unknown[] = [];
  for (const sql of [
    `SELECT id, operating_status, provisioning_status, updated_at FROM load_balancer ORDER BY id`,
    `SELECT id, operating_status, updated_at FROM listener ORDER BY id`,
    `SELECT id, operating_status, updated_at FROM pool ORDER BY id`,
    `SELECT id, operating_status, updated_at FROM member ORDER BY id`,
    `SELECT * FROM amphora_health ORDER BY amphora_id`,
    `SELECT * FROM listener_statistics ORDER BY listener_id, amphora_id`,
    `SELECT id, status, updated_at FROM amphora ORDER BY id`,
    `SELECT id FROM flow ORDER BY id`,
  ]) {
    parts.push(await db.q(sql));
  }
  return JSON.stringify(parts);
}
