import type { HeartbeatMessage } from '../../../../libs/heartbeat/src';

/**
 * Listener statistics from heartbeats (heartbeat.md §5.3, controller-flows.md §5.5), accumulated in memory
 * per (listener, amphora) between flushes so one statement writes many heartbeats' worth.
 *
 * - Version ≥ 3 sends deltas for rx/tx/totconns/ereq: they are summed and added to the stored row.
 *   A negative delta means the sender's counters went backwards (the agent already turns a HAProxy
 *   restart into `delta = current`, so this is a malformed or foreign sender); it is counted as 0 so
 *   stored totals never decrease.
 * - Older versions send absolute counters: the row is replaced by the latest values, as upstream does.
 * - `conns` (active connections) is always absolute: the latest value wins.
 */

export interface StatsRow {
  listenerId: string;
  amphoraId: string;
  bytesIn: number;
  bytesOut: number;
  activeConnections: number;
  totalConnections: number;
  requestErrors: number;
  /** true: add the counters to the stored row; false: replace the row. */
  deltas: boolean;
  receivedAt: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function counter(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.floor(v)) : 0;
}

export class StatsAccumulator {
  private rows = new Map<string, StatsRow>();

  get size(): number {
    return this.rows.size;
  }

  /** Adds one heartbeat's statistics. Returns the number of listener entries taken. */
  add(message: HeartbeatMessage, receivedAt: number): number {
    const listeners = message.listeners;
    if (typeof listeners !== 'object' || listeners === null) return 0;
    // Upstream: deltas = (ver >= 3), with a missing ver treated as 2 here.
    const deltas = (typeof message.ver === 'number' ? message.ver : 2) >= 3;
    let taken = 0;
    for (const [listenerId, listener] of Object.entries(listeners)) {
      if (!UUID.test(listenerId)) continue;
      const stats = (listener as { stats?: Record<string, unknown> } | null)?.stats;
      if (typeof stats !== 'object' || stats === null) continue;
      const key = `${listenerId}/${message.id}`;
      const prev = this.rows.get(key);
      const next: StatsRow = {
        listenerId,
        amphoraId: message.id,
        bytesIn: counter(stats.rx),
        bytesOut: counter(stats.tx),
        activeConnections: counter(stats.conns),
        totalConnections: counter(stats.totconns),
        requestErrors: counter(stats.ereq),
        deltas,
        receivedAt,
      };
      if (prev && prev.deltas && deltas) {
        next.bytesIn += prev.bytesIn;
        next.bytesOut += prev.bytesOut;
        next.totalConnections += prev.totalConnections;
        next.requestErrors += prev.requestErrors;
        if (prev.receivedAt > receivedAt) next.activeConnections = prev.activeConnections;
        next.receivedAt = Math.max(prev.receivedAt, receivedAt);
      } else if (prev && !prev.deltas && deltas) {
        // An absolute snapshot followed by deltas (agent upgraded): keep the snapshot, add the deltas.
        next.bytesIn += prev.bytesIn;
        next.bytesOut += prev.bytesOut;
        next.totalConnections += prev.totalConnections;
        next.requestErrors += prev.requestErrors;
        next.deltas = false;
      }
      this.rows.set(key, next);
      taken++;
    }
    return taken;
  }

  /**
   * The same from a compact decode-thread entry: the listener ids of the message it repeats, and five
   * numbers per listener in that order (rx, tx, conns, totconns, ereq).
   */
  addTuples(amphoraId: string, listenerIds: string[], values: number[], ver: number | undefined, receivedAt: number): number {
    const deltas = (typeof ver === 'number' ? ver : 2) >= 3;
    let taken = 0;
    for (let i = 0; i < listenerIds.length; i++) {
      const listenerId = listenerIds[i];
      const o = i * 5;
      const key = `${listenerId}/${amphoraId}`;
      const prev = this.rows.get(key);
      if (prev && prev.deltas && deltas) {
        // The steady state (a version-3 amphora heartbeating): add in place, no new objects.
        prev.bytesIn += counter(values[o]);
        prev.bytesOut += counter(values[o + 1]);
        prev.totalConnections += counter(values[o + 3]);
        prev.requestErrors += counter(values[o + 4]);
        if (receivedAt >= prev.receivedAt) {
          prev.activeConnections = counter(values[o + 2]);
          prev.receivedAt = receivedAt;
        }
        taken++;
        continue;
      }
      taken += this.add(
        { id: amphoraId, ver, listeners: { [listenerId]: { stats: { rx: values[o], tx: values[o + 1], conns: values[o + 2], totconns: values[o + 3], ereq: values[o + 4] } } } as never },
        receivedAt,
      );
    }
    return taken;
  }

  /** Everything accumulated so far; the accumulator starts empty again. */
  drain(): StatsRow[] {
    const out = [...this.rows.values()];
    this.rows = new Map();
    return out;
  }

  /** Puts rows back after a failed write; newer deltas are added on top, a newer absolute row wins. */
  restore(rows: StatsRow[]): void {
    for (const row of rows) {
      const key = `${row.listenerId}/${row.amphoraId}`;
      const cur = this.rows.get(key);
      if (!cur) {
        this.rows.set(key, row);
      } else if (cur.deltas) {
        this.rows.set(key, {
          ...cur,
          bytesIn: row.bytesIn + cur.bytesIn,
          bytesOut: row.bytesOut + cur.bytesOut,
          totalConnections: row.totalConnections + cur.totalConnections,
          requestErrors: row.requestErrors + cur.requestErrors,
          deltas: row.deltas,
        });
      }
    }
  }
}
