import { HealthDatabase } from '../db/health-database';
import { LoadBalancerSnapshot } from '../status/status-rules';

/** What the database says about one amphora that sent a heartbeat. */
export interface AmphoraRecord {
  id: string;
  status: string;
  /** null: no live load balancer (spare, zombie, or its LB is DELETED). */
  loadBalancerId: string | null;
}

export interface LoadedSnapshots {
  amphorae: Map<string, AmphoraRecord>;
  loadBalancers: Map<string, LoadBalancerSnapshot>;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Upstream's get_lb_for_health_update, for many amphorae at once: four statements per batch however many
 * amphorae are in it (amphorae, listeners, pools, members).
 */
export async function loadSnapshots(db: HealthDatabase, amphoraIds: string[]): Promise<LoadedSnapshots> {
  const amphorae = new Map<string, AmphoraRecord>();
  const loadBalancers = new Map<string, LoadBalancerSnapshot>();
  const ids = amphoraIds.filter((id) => UUID_PATTERN.test(id));
  if (!ids.length) return { amphorae, loadBalancers };
  const rows = await db.query<{
    id: string;
    status: string;
    lb_id: string | null;
    provisioning_status: string | null;
    operating_status: string | null;
    enabled: boolean | null;
  }>(
    'load_amphorae',
    `SELECT a.id, a.status, lb.id AS lb_id, lb.provisioning_status, lb.operating_status, lb.enabled
       FROM amphora a
       LEFT JOIN load_balancer lb ON lb.id = a.load_balancer_id AND lb.provisioning_status <> 'DELETED'
      WHERE a.id = ANY($1::uuid[])`,
    [ids],
  );
  for (const r of rows) {
    const live = r.status !== 'DELETED' && r.lb_id !== null;
    amphorae.set(r.id, { id: r.id, status: r.status, loadBalancerId: live ? r.lb_id : null });
    if (live && r.lb_id && !loadBalancers.has(r.lb_id)) {
      loadBalancers.set(r.lb_id, {
        id: r.lb_id,
        provisioningStatus: r.provisioning_status ?? '',
        operatingStatus: r.operating_status ?? '',
        enabled: r.enabled ?? false,
        listeners: [],
        pools: [],
      });
    }
  }
  const lbIds = [...loadBalancers.keys()];
  if (!lbIds.length) return { amphorae, loadBalancers };
  const [listeners, pools, members] = await Promise.all([
    db.query(
      'load_listeners',
      `SELECT id, load_balancer_id, enabled, protocol, operating_status, default_pool_id
         FROM listener WHERE load_balancer_id = ANY($1::uuid[]) ORDER BY created_at, id`,
      [lbIds],
    ),
    db.query(
      'load_pools',
      `SELECT id, load_balancer_id, operating_status FROM pool WHERE load_balancer_id = ANY($1::uuid[]) ORDER BY created_at, id`,
      [lbIds],
    ),
    db.query(
      'load_members',
      `SELECT m.id, m.pool_id, m.operating_status, m.enabled
         FROM member m JOIN pool p ON p.id = m.pool_id
        WHERE p.load_balancer_id = ANY($1::uuid[]) ORDER BY m.created_at, m.id`,
      [lbIds],
    ),
  ]);
  for (const l of listeners) {
    loadBalancers.get(l.load_balancer_id)?.listeners.push({
      id: l.id,
      enabled: l.enabled,
      protocol: l.protocol,
      operatingStatus: l.operating_status,
      defaultPoolId: l.default_pool_id,
    });
  }
  const poolIndex = new Map<string, LoadBalancerSnapshot['pools'][number]>();
  for (const p of pools) {
    const pool = { id: p.id, operatingStatus: p.operating_status, members: [] };
    poolIndex.set(p.id, pool);
    loadBalancers.get(p.load_balancer_id)?.pools.push(pool);
  }
  for (const m of members) {
    poolIndex.get(m.pool_id)?.members.push({ id: m.id, operatingStatus: m.operating_status, enabled: m.enabled });
  }
  return { amphorae, loadBalancers };
}
