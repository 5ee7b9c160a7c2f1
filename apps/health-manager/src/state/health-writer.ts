import { JsonLogger, MetricsRegistry } from '../../../../libs/common/src';
import { HealthDatabase, tsParam } from '../db/health-database';
import { StatsAccumulator, StatsRow } from '../stats/stats-accumulator';

/** Rows waiting to be written: amphora id → receive time, object id → new operating status. */
export interface PendingWrites {
  liveness: Map<string, number>;
  members: Map<string, string>;
  pools: Map<string, string>;
  listeners: Map<string, string>;
  loadBalancers: Map<string, string>;
}

const CHUNK = 10000;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes what the processor queued, one statement per table per chunk of up to 10,000 rows:
 * liveness as an upsert keeping the newest receive time (several managers write the same rows),
 * operating statuses as `UPDATE … FROM unnest(…)` touching only rows that differ, the load balancer
 * last, and listener statistics as an upsert that adds deltas or replaces absolute rows.
 */
export class HealthWriter {
  private readonly flushSeconds;
  private readonly rowsWritten;
  private lastStatsFlush = 0;
  /** Time of the last liveness flush that succeeded, and whether the last one failed. */
  lastLivenessOkAt = 0;
  lastLivenessFailedAt = 0;

  static emptyWrites(): PendingWrites {
    return { liveness: new Map(), members: new Map(), pools: new Map(), listeners: new Map(), loadBalancers: new Map() };
  }

  constructor(
    private readonly db: HealthDatabase,
    private readonly writes: PendingWrites,
    private readonly stats: StatsAccumulator,
    private readonly statsFlushIntervalMs: number,
    metrics: MetricsRegistry,
    private readonly logger: JsonLogger,
  ) {
    this.flushSeconds = metrics.histogram('octavia_hm_flush_seconds', 'Duration of one batched write of heartbeat results.');
    this.rowsWritten = metrics.counter('octavia_hm_rows_written_total', 'Rows sent to the database, by table.');
  }

  /** Writes everything pending (statistics only every statsFlushIntervalMs unless forced). */
  async flush(now: number, forceStats = false): Promise<void> {
    const started = Date.now();
    await this.flushLiveness(now);
    await this.flushStatus('member', this.writes.members);
    await this.flushStatus('pool', this.writes.pools);
    await this.flushStatus('listener', this.writes.listeners);
    await this.flushStatus('load_balancer', this.writes.loadBalancers);
    if (forceStats || now - this.lastStatsFlush >= this.statsFlushIntervalMs) {
      this.lastStatsFlush = now;
      await this.flushStats();
    }
    this.flushSeconds.observe({}, (Date.now() - started) / 1000);
  }

  private async flushLiveness(now: number): Promise<void> {
    if (!this.writes.liveness.size) {
      this.lastLivenessOkAt = now;
      return;
    }
    const entries = [...this.writes.liveness].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    this.writes.liveness.clear();
    for (const part of chunks(entries)) {
      try {
        // Sorted ids: concurrent managers upsert in the same order and cannot deadlock each other.
        await this.db.run(
          'upsert_amphora_health',
          `INSERT INTO amphora_health (amphora_id, last_update, busy)
           SELECT u.id, to_timestamp(u.t / 1000) AT TIME ZONE 'UTC', false
             FROM unnest($1::uuid[], $2::float8[]) AS u(id, t)
             JOIN amphora a ON a.id = u.id AND a.status <> 'DELETED'
            ORDER BY u.id
           ON CONFLICT (amphora_id) DO UPDATE SET last_update = GREATEST(amphora_health.last_update, EXCLUDED.last_update)`,
          [part.map((e) => e[0]), part.map((e) => e[1])],
        );
        this.rowsWritten.inc({ table: 'amphora_health' }, part.length);
      } catch (err) {
        this.lastLivenessFailedAt = now;
        for (const [id, t] of part) if ((this.writes.liveness.get(id) ?? 0) < t) this.writes.liveness.set(id, t);
        throw err;
      }
    }
    this.lastLivenessOkAt = now;
  }

  private async flushStatus(table: 'member' | 'pool' | 'listener' | 'load_balancer', pending: Map<string, string>): Promise<void> {
    if (!pending.size) return;
    const entries = [...pending].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    pending.clear();
    for (const part of chunks(entries)) {
      try {
        await this.db.run(
          `update_${table}_status`,
          `UPDATE "${table}" t SET operating_status = u.s, updated_at = ${tsParam(3)}
             FROM unnest($1::uuid[], $2::text[]) AS u(id, s)
            WHERE t.id = u.id AND t.operating_status IS DISTINCT FROM u.s`,
          [part.map((e) => e[0]), part.map((e) => e[1]), Date.now()],
        );
        this.rowsWritten.inc({ table }, part.length);
      } catch (err) {
        for (const [id, s] of part) if (!pending.has(id)) pending.set(id, s);
        throw err;
      }
    }
  }

  private async flushStats(): Promise<void> {
    if (!this.stats.size) return;
    const rows = this.stats.drain();
    try {
      for (const part of chunks(rows.filter((r) => r.deltas))) await this.writeStats(part, true);
      for (const part of chunks(rows.filter((r) => !r.deltas))) await this.writeStats(part, false);
    } catch (err) {
      this.stats.restore(rows);
      throw err;
    }
  }

  private async writeStats(rows: StatsRow[], deltas: boolean): Promise<void> {
    const set = deltas
      ? `bytes_in = s.bytes_in + EXCLUDED.bytes_in, bytes_out = s.bytes_out + EXCLUDED.bytes_out,
         active_connections = EXCLUDED.active_connections,
         total_connections = s.total_connections + EXCLUDED.total_connections,
         request_errors = s.request_errors + EXCLUDED.request_errors`
      : `bytes_in = EXCLUDED.bytes_in, bytes_out = EXCLUDED.bytes_out, active_connections = EXCLUDED.active_connections,
         total_connections = EXCLUDED.total_connections, request_errors = EXCLUDED.request_errors`;
    rows.sort((a, b) => (a.listenerId + a.amphoraId < b.listenerId + b.amphoraId ? -1 : 1));
    await this.db.run(
      deltas ? 'upsert_listener_statistics_deltas' : 'replace_listener_statistics',
      `INSERT INTO listener_statistics AS s (listener_id, amphora_id, bytes_in, bytes_out, active_connections, total_connections, request_errors)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int8[], $4::int8[], $5::int4[], $6::int8[], $7::int8[])
       ON CONFLICT (listener_id, amphora_id) DO UPDATE SET ${set}`,
      [
        rows.map((r) => r.listenerId),
        rows.map((r) => r.amphoraId),
        rows.map((r) => r.bytesIn),
        rows.map((r) => r.bytesOut),
        rows.map((r) => Math.min(r.activeConnections, 2147483647)),
        rows.map((r) => r.totalConnections),
        rows.map((r) => r.requestErrors),
      ],
    );
    this.rowsWritten.inc({ table: 'listener_statistics' }, rows.length);
  }
}
