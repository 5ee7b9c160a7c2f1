import { JsonLogger, MetricsRegistry } from '../../../../libs/common/src';
import { HealthDatabase, tsParam } from '../db/health-database';
import { FlowDispatcher, insertFlow } from '../failover/flow-dispatcher';

export interface HousekeepingOptions {
  /** `[house_keeping] amphora_expiry_age`, ms */
  amphoraExpiryAgeMs: number;
  /** `[house_keeping] load_balancer_expiry_age`, ms */
  loadBalancerExpiryAgeMs: number;
  /** `[house_keeping] cert_expiry_buffer`, ms */
  certExpiryBufferMs: number;
  /** `[house_keeping] cert_rotate_threads`: rotation flows in flight at most. */
  certRotateThreads: number;
  managerId: string;
  now: () => number;
}

export const CERT_ROTATE_PRIORITY = 40;

/**
 * Upstream's housekeeping duties (controller-flows.md §6), run by the health manager on its own timers:
 * purging DELETED amphorae and load balancers after their expiry age, and starting an
 * `amphora.cert_rotate` flow (run by the worker) for amphorae whose certificate expires within
 * cert_expiry_buffer. Safe with several managers: deletes are idempotent and rotation claims use
 * `FOR UPDATE SKIP LOCKED` plus `cert_busy`.
 */
export class Housekeeping {
  private readonly purged;
  private readonly rotations;

  constructor(
    private readonly db: HealthDatabase,
    private readonly dispatcher: FlowDispatcher,
    private readonly opts: HousekeepingOptions,
    metrics: MetricsRegistry,
    private readonly logger: JsonLogger,
  ) {
    this.purged = metrics.counter('octavia_hm_housekeeping_purged_total', 'Rows purged by housekeeping, by object.');
    this.rotations = metrics.counter('octavia_hm_cert_rotations_started_total', 'amphora.cert_rotate flows started.');
  }

  /** Amphora and load balancer purge (`cleanup_interval`). */
  async cleanup(): Promise<{ amphorae: string[]; loadBalancers: string[] }> {
    const now = this.opts.now();
    // An amphora is purged only if its health row is expired too (no heartbeat within the age: zombie protection).
    const amphorae = await this.db.query<{ id: string }>(
      'purge_deleted_amphorae',
      `WITH gone AS (
         DELETE FROM amphora a
          WHERE a.status = 'DELETED' AND COALESCE(a.updated_at, a.created_at) < ${tsParam(1)}
            AND NOT EXISTS (SELECT 1 FROM amphora_health h WHERE h.amphora_id = a.id AND h.last_update >= ${tsParam(1)})
         RETURNING a.id),
       health AS (DELETE FROM amphora_health h USING gone WHERE h.amphora_id = gone.id RETURNING h.amphora_id)
       SELECT id FROM gone`,
      [now - this.opts.amphoraExpiryAgeMs],
    );
    const loadBalancers = await this.db.query<{ id: string }>(
      'purge_deleted_load_balancers',
      `WITH gone AS (
         DELETE FROM load_balancer lb
          WHERE lb.provisioning_status = 'DELETED' AND COALESCE(lb.updated_at, lb.created_at) < ${tsParam(1)}
         RETURNING lb.id),
       vrrp AS (DELETE FROM vrrp_group v USING gone WHERE v.load_balancer_id = gone.id RETURNING v.load_balancer_id)
       SELECT id FROM gone`,
      [now - this.opts.loadBalancerExpiryAgeMs],
    );
    // Health rows whose amphora row no longer exists can only make a ghost look stale.
    await this.db.run(
      'purge_orphan_health',
      `DELETE FROM amphora_health h WHERE NOT EXISTS (SELECT 1 FROM amphora a WHERE a.id = h.amphora_id)`,
    );
    if (amphorae.length) this.purged.inc({ object: 'amphora' }, amphorae.length);
    if (loadBalancers.length) this.purged.inc({ object: 'load_balancer' }, loadBalancers.length);
    if (amphorae.length || loadBalancers.length) {
      this.logger.info({ msg: 'housekeeping purged deleted objects', amphorae: amphorae.length, load_balancers: loadBalancers.length });
    }
    return { amphorae: amphorae.map((a) => a.id), loadBalancers: loadBalancers.map((l) => l.id) };
  }

  /** Certificate rotation (`cert_interval`): one flow per amphora whose certificate expires soon. */
  async rotateCertificates(): Promise<Array<{ amphoraId: string; flowId: string }>> {
    const now = this.opts.now();
    const [busy] = await this.db.query<{ n: number }>(
      'count_cert_rotations',
      `SELECT count(*)::int AS n FROM flow WHERE kind = 'amphora.cert_rotate' AND status IN ('PENDING', 'RUNNING', 'REVERTING')`,
    );
    const capacity = this.opts.certRotateThreads - busy.n;
    if (capacity <= 0) return [];
    const started = await this.db.transaction(async (client) => {
      const due = await this.db.query<{ id: string; load_balancer_id: string | null; cert_expiration: string }>(
        'claim_expiring_certs',
        `WITH c AS (
           SELECT id FROM amphora
            WHERE status NOT IN ('DELETED', 'PENDING_DELETE') AND cert_busy = false
              AND cert_expiration IS NOT NULL AND cert_expiration < ${tsParam(1)}
            ORDER BY cert_expiration LIMIT $2
            FOR UPDATE SKIP LOCKED)
         UPDATE amphora a SET cert_busy = true FROM c WHERE a.id = c.id
         RETURNING a.id, a.load_balancer_id, a.cert_expiration::text`,
        [now + this.opts.certExpiryBufferMs, capacity],
        client,
      );
      const out: Array<{ amphoraId: string; flowId: string }> = [];
      for (const amp of due) {
        const flowId = await insertFlow(
          this.db,
          client,
          {
            kind: 'amphora.cert_rotate',
            loadBalancerId: amp.load_balancer_id,
            targetId: amp.id,
            priority: CERT_ROTATE_PRIORITY,
            payload: { amphora_id: amp.id, cert_expiration: amp.cert_expiration, requested_by: this.opts.managerId },
          },
          now,
        );
        out.push({ amphoraId: amp.id, flowId });
      }
      return out;
    });
    for (const s of started) {
      this.rotations.inc();
      this.logger.info({ msg: 'amphora certificate expires soon, rotation flow started', amphora_id: s.amphoraId, flow_id: s.flowId });
      try {
        await this.dispatcher.dispatch(s.flowId, 'amphora.cert_rotate', CERT_ROTATE_PRIORITY);
      } catch (err) {
        this.logger.warn({ msg: 'cert rotation dispatch failed, left for the worker reconciler', flow_id: s.flowId, error: String(err) });
      }
    }
    return started;
  }
}
