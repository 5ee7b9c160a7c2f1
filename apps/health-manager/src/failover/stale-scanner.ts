import { JsonLogger, MetricsRegistry } from '../../../../libs/common/src';
import { HealthDatabase, tsParam } from '../db/health-database';
import { FlowDispatcher, insertFlow } from './flow-dispatcher';
import { retryDelayMs } from './backoff';

export interface StaleScannerOptions {
  /** Identifies this manager in `amphora_health.claimed_by` and flow payloads (host:pid:random). */
  managerId: string;
  heartbeatTimeoutMs: number;
  /** Circuit breaker; null = off. */
  failoverThreshold: number | null;
  /** Failover flows this manager keeps in flight at most (`failover_threads`). */
  failoverThreads: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  now: () => number;
}

export interface ScanResult {
  stale: number;
  breakerOpen: boolean;
  claimed: Array<{ amphoraId: string; loadBalancerId: string | null; flowId: string; attempt: number }>;
  finished: Array<{ amphoraId: string | null; flowId: string; outcome: 'SUCCEEDED' | 'FAILED' }>;
  retryScheduled: Array<{ amphoraId: string; attempts: number; nextFailoverAt: number }>;
}

export const FAILOVER_PRIORITY = 160;

/**
 * Stale detection and the failover claim (controller-flows.md §5.6–5.7), safe with several managers on one
 * database: candidates are locked with `FOR UPDATE … SKIP LOCKED` and marked busy/claimed_by in the same
 * transaction that moves the load balancer to PENDING_UPDATE and writes the `amphora.failover` flow
 * record, so a concurrent manager either skips the locked row or no longer matches it.
 *
 * Differences from upstream, on purpose: the circuit breaker is on by default; a FAILED failover is
 * retried with exponential backoff (`failover_attempts`, `next_failover_at`) instead of leaving the
 * amphora busy forever; in-flight failovers are bounded per manager by `failover_threads` and never
 * block the scan.
 */
export class StaleScanner {
  private readonly inFlight = new Map<string, string>(); // flow id → amphora id
  private readonly staleGauge;
  private readonly breakerGauge;
  private readonly inFlightGauge;
  private readonly failovers;
  private readonly dispatchFailures;

  constructor(
    private readonly db: HealthDatabase,
    private readonly dispatcher: FlowDispatcher,
    private readonly opts: StaleScannerOptions,
    metrics: MetricsRegistry,
    private readonly logger: JsonLogger,
  ) {
    this.staleGauge = metrics.gauge('octavia_hm_stale_amphorae', 'Amphorae whose last heartbeat is older than heartbeat_timeout (last scan).');
    this.breakerGauge = metrics.gauge(
      'octavia_hm_failover_circuit_breaker_open',
      '1 while the failover circuit breaker holds all failovers (stale amphorae >= failover_threshold).',
    );
    this.inFlightGauge = metrics.gauge('octavia_hm_failovers_in_flight', 'Failover flows this manager started that have not finished.');
    this.failovers = metrics.counter('octavia_hm_failovers_total', 'Amphora failovers by outcome (started, succeeded, failed).');
    this.dispatchFailures = metrics.counter('octavia_hm_flow_dispatch_failures_total', 'Flow dispatches that failed (left to the worker reconciler).');
    this.breakerGauge.set({}, 0);
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  async scan(): Promise<ScanResult> {
    const now = this.opts.now();
    const cutoff = now - this.opts.heartbeatTimeoutMs;
    const result: ScanResult = { stale: 0, breakerOpen: false, claimed: [], finished: [], retryScheduled: [] };
    await this.resetRecovered(now, cutoff);
    await this.trackOutcomes(now, result);

    const [count] = await this.db.query<{ stale: number; counted: number }>(
      'count_stale_amphorae',
      `SELECT count(*)::int AS stale,
              count(*) FILTER (WHERE b.acknowledged_at IS NULL OR h.last_update >= b.acknowledged_at - make_interval(secs => $2::float8 / 1000))::int AS counted
         FROM amphora_health h
         JOIN amphora a ON a.id = h.amphora_id
         LEFT JOIN health_manager_breaker b ON b.id = 1
        WHERE h.busy = false AND h.last_update < ${tsParam(1)} AND a.status NOT IN ('DELETED', 'PENDING_DELETE')`,
      [cutoff, this.opts.heartbeatTimeoutMs],
    );
    result.stale = count.stale;
    this.staleGauge.set({}, count.stale);
    const threshold = this.opts.failoverThreshold;
    if (threshold !== null && count.counted >= threshold) {
      result.breakerOpen = true;
      this.breakerGauge.set({}, 1);
      const stopped = await this.db.run(
        'mark_failover_stopped',
        `UPDATE amphora a SET status = 'FAILOVER_STOPPED', updated_at = ${tsParam(2)}
           FROM amphora_health h
          WHERE h.amphora_id = a.id AND h.busy = false AND h.last_update < ${tsParam(1)} AND a.status = 'ALLOCATED'`,
        [cutoff, now],
      );
      this.logger.error({
        msg: 'failover circuit breaker is open: too many stale amphorae at once, failing over none of them',
        stale_amphorae: count.stale,
        counted: count.counted,
        failover_threshold: threshold,
        newly_stopped: stopped.rowCount,
        how_to_resume:
          'wait for heartbeats to return, fail amphorae over through the admin API, raise [health_manager] failover_threshold, or run `octavia-ts health-manager reset-breaker`',
      });
      return result;
    }
    this.breakerGauge.set({}, 0);

    const capacity = this.opts.failoverThreads - this.inFlight.size;
    if (capacity <= 0 || count.stale === 0) return result;
    result.claimed = await this.claim(now, cutoff, capacity);
    for (const c of result.claimed) {
      this.inFlight.set(c.flowId, c.amphoraId);
      this.failovers.inc({ outcome: 'started' });
      this.logger.warn({ msg: 'amphora missed its heartbeats, failing it over', amphora_id: c.amphoraId, load_balancer_id: c.loadBalancerId, flow_id: c.flowId, attempt: c.attempt });
      try {
        await this.dispatcher.dispatch(c.flowId, 'amphora.failover', FAILOVER_PRIORITY);
      } catch (err) {
        this.dispatchFailures.inc();
        this.logger.warn({ msg: 'failover flow dispatch failed, left for the worker reconciler', flow_id: c.flowId, error: String(err) });
      }
    }
    this.inFlightGauge.set({}, this.inFlight.size);
    return result;
  }

  /** FAILOVER_STOPPED amphorae whose heartbeats are fresh again go back to ALLOCATED (upstream behaviour). */
  private async resetRecovered(now: number, cutoff: number): Promise<void> {
    await this.db.run(
      'reset_failover_stopped',
      `UPDATE amphora a SET status = 'ALLOCATED', updated_at = ${tsParam(2)}
         FROM amphora_health h
        WHERE h.amphora_id = a.id AND a.status = 'FAILOVER_STOPPED' AND h.busy = false AND h.last_update >= ${tsParam(1)}`,
      [cutoff, now],
    );
  }

  private async trackOutcomes(now: number, result: ScanResult): Promise<void> {
    // Any manager may settle any claim: the one that made it may have died.
    const failed = await this.db.query<{ amphora_id: string; failover_attempts: number; next_ms: number; flow_id: string; error: string | null }>(
      'settle_failed_failovers',
      `UPDATE amphora_health h
          SET busy = false, claimed_by = NULL, claimed_at = NULL, failover_flow_id = NULL,
              next_failover_at = ${tsParam(1)} + make_interval(secs => LEAST($3::float8, $2::float8 * power(2, GREATEST(h.failover_attempts - 1, 0))) / 1000)
         FROM flow f
        WHERE f.id = h.failover_flow_id AND f.status = 'FAILED'
       RETURNING h.amphora_id, h.failover_attempts, f.id AS flow_id, f.error,
                 (extract(epoch from h.next_failover_at) * 1000)::float8 AS next_ms`,
      [now, this.opts.retryInitialDelayMs, this.opts.retryMaxDelayMs],
    );
    // A claim whose flow record vanished (deleted by hand, lost restore) would stay busy forever: retry it.
    const orphans = await this.db.query<{ amphora_id: string; failover_attempts: number; next_ms: number }>(
      'settle_orphan_claims',
      `UPDATE amphora_health h
          SET busy = false, claimed_by = NULL, claimed_at = NULL, failover_flow_id = NULL,
              next_failover_at = ${tsParam(1)} + make_interval(secs => LEAST($3::float8, $2::float8 * power(2, GREATEST(h.failover_attempts - 1, 0))) / 1000)
        WHERE h.failover_flow_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM flow f WHERE f.id = h.failover_flow_id)
       RETURNING h.amphora_id, h.failover_attempts, (extract(epoch from h.next_failover_at) * 1000)::float8 AS next_ms`,
      [now, this.opts.retryInitialDelayMs, this.opts.retryMaxDelayMs],
    );
    for (const o of orphans) {
      result.retryScheduled.push({ amphoraId: o.amphora_id, attempts: o.failover_attempts, nextFailoverAt: o.next_ms });
      this.logger.error({ msg: 'failover claim without its flow record; the amphora will be retried', amphora_id: o.amphora_id });
    }
    for (const f of failed) {
      result.retryScheduled.push({ amphoraId: f.amphora_id, attempts: f.failover_attempts, nextFailoverAt: f.next_ms });
      this.logger.error({
        msg: 'amphora failover flow failed; it will be retried with backoff',
        amphora_id: f.amphora_id,
        flow_id: f.flow_id,
        attempts: f.failover_attempts,
        retry_in_s: Math.round(retryDelayMs(f.failover_attempts, this.opts.retryInitialDelayMs, this.opts.retryMaxDelayMs) / 1000),
        error: f.error,
      });
    }
    const succeeded = await this.db.query<{ amphora_id: string }>(
      'settle_succeeded_failovers',
      `UPDATE amphora_health h
          SET busy = false, claimed_by = NULL, claimed_at = NULL, failover_flow_id = NULL, failover_attempts = 0, next_failover_at = NULL
         FROM flow f
        WHERE f.id = h.failover_flow_id AND f.status = 'SUCCEEDED'
       RETURNING h.amphora_id`,
    );
    if (succeeded.length) {
      // The replaced amphora is DELETED; its health row must not make it look stale again.
      await this.db.run(
        'delete_replaced_health',
        `DELETE FROM amphora_health h USING amphora a WHERE h.amphora_id = ANY($1::uuid[]) AND a.id = h.amphora_id AND a.status = 'DELETED'`,
        [succeeded.map((s) => s.amphora_id)],
      );
    }
    if (!this.inFlight.size) return;
    const ids = [...this.inFlight.keys()];
    const rows = await this.db.query<{ id: string; status: string }>('read_failover_flows', `SELECT id, status FROM flow WHERE id = ANY($1::uuid[])`, [ids]);
    const status = new Map(rows.map((r) => [r.id, r.status]));
    for (const id of ids) {
      const s = status.get(id);
      if (s === 'SUCCEEDED' || s === 'FAILED') {
        result.finished.push({ amphoraId: this.inFlight.get(id) ?? null, flowId: id, outcome: s });
        this.failovers.inc({ outcome: s === 'SUCCEEDED' ? 'succeeded' : 'failed' });
        this.inFlight.delete(id);
      } else if (s === undefined) {
        this.inFlight.delete(id);
      }
    }
    this.inFlightGauge.set({}, this.inFlight.size);
  }

  private async claim(now: number, cutoff: number, capacity: number): Promise<ScanResult['claimed']> {
    return this.db.transaction(async (client) => {
      const candidates = await this.db.query<{ amphora_id: string; load_balancer_id: string | null; failover_attempts: number; last_ms: number }>(
        'claim_stale_amphorae',
        `SELECT h.amphora_id, lb.id AS load_balancer_id, h.failover_attempts,
                (extract(epoch from h.last_update) * 1000)::float8 AS last_ms
           FROM amphora_health h
           JOIN amphora a ON a.id = h.amphora_id
           LEFT JOIN load_balancer lb ON lb.id = a.load_balancer_id
          WHERE h.busy = false AND h.claimed_by IS NULL
            AND h.last_update < ${tsParam(1)}
            AND (h.next_failover_at IS NULL OR h.next_failover_at <= ${tsParam(2)})
            AND (a.status IN ('ALLOCATED', 'FAILOVER_STOPPED') OR (a.status = 'ERROR' AND h.failover_attempts > 0))
            AND (a.load_balancer_id IS NULL OR lb.provisioning_status IN ('ACTIVE', 'ERROR'))
          ORDER BY h.last_update
          LIMIT $3
          FOR UPDATE OF h SKIP LOCKED`,
        [cutoff, now, capacity],
        client,
      );
      const claimed: ScanResult['claimed'] = [];
      const lbsTaken = new Set<string>();
      for (const c of candidates) {
        // One failover per load balancer at a time: the first one moves it to PENDING_UPDATE.
        if (c.load_balancer_id) {
          if (lbsTaken.has(c.load_balancer_id)) continue;
          const locked = await this.db.run(
            'lock_lb_for_failover',
            `UPDATE load_balancer SET provisioning_status = 'PENDING_UPDATE', updated_at = ${tsParam(2)}
              WHERE id = $1 AND provisioning_status IN ('ACTIVE', 'ERROR')`,
            [c.load_balancer_id, now],
            client,
          );
          if (!locked.rowCount) continue; // a user operation got there first; retried on a later scan
          lbsTaken.add(c.load_balancer_id);
        }
        const attempt = c.failover_attempts + 1;
        const flowId = await insertFlow(
          this.db,
          client,
          {
            kind: 'amphora.failover',
            loadBalancerId: c.load_balancer_id,
            targetId: c.amphora_id,
            priority: FAILOVER_PRIORITY,
            payload: {
              amphora_id: c.amphora_id,
              load_balancer_id: c.load_balancer_id,
              reason: 'heartbeat_timeout',
              last_heartbeat_at: new Date(c.last_ms).toISOString(),
              attempt,
              requested_by: this.opts.managerId,
            },
          },
          now,
        );
        await this.db.run(
          'mark_amphora_claimed',
          `UPDATE amphora_health SET busy = true, claimed_by = $2, claimed_at = ${tsParam(3)},
                  failover_attempts = failover_attempts + 1, failover_flow_id = $4
            WHERE amphora_id = $1`,
          [c.amphora_id, this.opts.managerId, now, flowId],
          client,
        );
        claimed.push({ amphoraId: c.amphora_id, loadBalancerId: c.load_balancer_id, flowId, attempt });
      }
      return claimed;
    });
  }
}
