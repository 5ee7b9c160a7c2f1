import { JsonLogger, MetricsRegistry } from '../../../../libs/common/src';
import { HeartbeatMessage } from '../../../../libs/heartbeat/src';
import { HealthDatabase } from '../db/health-database';
import { StatsAccumulator } from '../stats/stats-accumulator';
import {
  applyChanges,
  decideStatuses,
  diffStatuses,
  LoadBalancerSnapshot,
  listenerCountMatches,
  reportedListeners,
} from '../status/status-rules';
import { HealthWriter, PendingWrites } from './health-writer';
import { AmphoraRecord, loadSnapshots, UUID_PATTERN } from './snapshot-loader';

export interface ProcessorOptions {
  /** `heartbeat_interval` in ms: a heartbeat that waited this long before processing is ignored. */
  heartbeatIntervalMs: number;
  /** How long a database snapshot is trusted before it is read again. */
  statusCacheTtlMs: number;
  /** An amphora's liveness is written at most this often (coalescing; far below heartbeat_timeout). */
  livenessWriteIntervalMs: number;
  now: () => number;
}

interface AmphoraState {
  record: AmphoraRecord | null;
  /** When the snapshot expires is derived from this (jittered); readAt is when it was really read. */
  loadedAt: number;
  readAt: number;
  /** Receive time of the last liveness queued for writing. */
  livenessQueuedAt: number;
  /** Receive time of the last heartbeat applied (for pruning amphorae that went away). */
  seenAt?: number;
  /** The status signature last decided, and against which snapshot. */
  decidedKey?: string;
  decidedLb?: LbState;
}

interface LbState {
  snapshot: LoadBalancerSnapshot;
  loadedAt: number;
  readAt: number;
}

const MAX_WAITING_PER_AMPHORA = 8;

const signatures = new WeakMap<HeartbeatMessage, string>();

/**
 * Everything of a message the status rules read — all but `seq` and the listeners' statistics — as one
 * string, computed once per message object (compact repeats share their full message's object).
 */
export function statusSignature(message: HeartbeatMessage): string {
  let sig = signatures.get(message);
  if (sig !== undefined) return sig;
  const listeners: Record<string, unknown> = {};
  const raw = message.listeners;
  if (raw && typeof raw === 'object') {
    for (const [id, l] of Object.entries(raw)) {
      if (l && typeof l === 'object' && !Array.isArray(l)) {
        const { stats: _stats, ...rest } = l as unknown as Record<string, unknown>;
        listeners[id] = rest;
      } else listeners[id] = l;
    }
  }
  const { seq: _seq, listeners: _listeners, ...rest } = message;
  sig = JSON.stringify([rest, raw === undefined ? null : listeners]);
  signatures.set(message, sig);
  return sig;
}
const LOAD_BATCH = 5000;
const MAX_UNKNOWN = 10000;
const REFRESH_GATHER_MS = 250;
/** A snapshot that disagrees with a heartbeat is re-read if it is older than this. */
const MISMATCH_REFRESH_MS = 1000;

/**
 * The in-memory heart of the health manager: last known state per amphora and load balancer, the
 * status rules applied to each heartbeat, and the queues of changed rows a `HealthWriter` flushes in
 * batches. `handle` is synchronous and cheap; the database is read in batches when a snapshot is
 * missing or older than `statusCacheTtlMs`.
 */
export class HeartbeatProcessor {
  private readonly amphorae = new Map<string, AmphoraState>();
  private readonly lbs = new Map<string, LbState>();
  private readonly unknown = new Map<string, number>();
  private waiting = new Map<string, Array<[HeartbeatMessage, number]>>();
  private loading = false;
  readonly writes: PendingWrites;
  readonly stats = new StatsAccumulator();
  private readonly processed;
  private readonly ignored;
  private readonly mismatch;
  private processedCount = 0;
  private lastWarn = new Map<string, number>();

  constructor(
    private readonly db: HealthDatabase,
    private readonly opts: ProcessorOptions,
    metrics: MetricsRegistry,
    private readonly logger: JsonLogger,
  ) {
    this.writes = HealthWriter.emptyWrites();
    this.processed = metrics.counter('octavia_hm_heartbeats_processed_total', 'Authenticated heartbeats applied to the state.');
    this.ignored = metrics.counter(
      'octavia_hm_heartbeats_ignored_total',
      'Authenticated heartbeats ignored, by reason (late, unknown_amphora, no_load_balancer, malformed).',
    );
    this.mismatch = metrics.counter(
      'octavia_hm_listener_count_mismatch_total',
      'Heartbeats whose listener count differs from the enabled listeners (liveness not refreshed).',
    );
    const tracked = metrics.gauge('octavia_hm_amphorae_tracked', 'Amphorae with state in memory.');
    metrics.onCollect(() => tracked.set({}, this.amphorae.size));
  }

  get processedTotal(): number {
    return this.processedCount;
  }

  /** One authenticated heartbeat, stamped with its receive time. */
  handle(message: HeartbeatMessage, receivedAt: number): void {
    const state = this.admit(message, receivedAt);
    if (state) this.apply(state, message, receivedAt);
  }

  /**
   * A heartbeat a decode thread sent compact: the statuses of `full` (already seen) with new statistics.
   * When neither the message nor the snapshot changed, the status rules are not run again.
   */
  handleCompact(full: HeartbeatMessage, stats: number[], receivedAt: number): void {
    const state = this.admit(full, receivedAt, () => this.materialize(full, stats));
    if (state) this.apply(state, full, receivedAt, stats);
  }

  private materialize(full: HeartbeatMessage, stats: number[]): HeartbeatMessage {
    const listeners: Record<string, unknown> = {};
    Object.entries(full.listeners ?? {}).forEach(([id, l], i) => {
      const o = i * 5;
      listeners[id] = { ...(l as object), stats: { rx: stats[o], tx: stats[o + 1], conns: stats[o + 2], totconns: stats[o + 3], ereq: stats[o + 4] } };
    });
    return { ...full, listeners: listeners as HeartbeatMessage['listeners'] };
  }

  /** Lateness, unknown ids and snapshot freshness; returns the state to apply against, or null (queued or ignored). */
  private admit(message: HeartbeatMessage, receivedAt: number, materialize?: () => HeartbeatMessage): AmphoraState | null {
    const now = this.opts.now();
    if (now - receivedAt >= this.opts.heartbeatIntervalMs) {
      this.ignored.inc({ reason: 'late' });
      this.warnOnce('late', { msg: 'heartbeat processed too slowly, ignored', amphora_id: message.id, delay_ms: now - receivedAt });
      return null;
    }
    const state = this.amphorae.get(message.id);
    if (!state) {
      const unknownAt = this.unknown.get(message.id);
      if (!UUID_PATTERN.test(message.id) || (unknownAt !== undefined && now - unknownAt < this.opts.statusCacheTtlMs)) {
        this.ignored.inc({ reason: 'unknown_amphora' });
        return null;
      }
      this.wait(materialize ? materialize() : message, receivedAt);
      return null;
    }
    const ttl = this.opts.statusCacheTtlMs;
    const lb = state.record?.loadBalancerId ? this.lbs.get(state.record.loadBalancerId) : undefined;
    const loadedAt = lb ? Math.min(lb.loadedAt, state.loadedAt) : state.loadedAt;
    if (now - loadedAt >= ttl) {
      if (ttl === 0) {
        // status_cache_ttl = 0: every heartbeat is judged against a fresh read (tests, tiny fleets).
        this.wait(materialize ? materialize() : message, receivedAt);
        return null;
      }
      // Stale-while-revalidate: judge this heartbeat on what we know and refresh in the background, so
      // a fleet's snapshots expiring together never stalls the receive path.
      this.refresh(message.id);
    }
    return state;
  }

  private refreshIfOlder(state: AmphoraState, lbState: LbState, ageMs: number): void {
    if (this.opts.statusCacheTtlMs === 0) return; // every heartbeat reads anyway
    if (this.opts.now() - Math.min(state.readAt, lbState.readAt) >= ageMs && state.record) this.refresh(state.record.id);
  }

  private refresh(amphoraId: string): void {
    if (this.waiting.has(amphoraId)) return;
    this.waiting.set(amphoraId, []);
    if (!this.loading) {
      // Background refreshes are gathered for a moment: a few large reads instead of many small ones.
      this.loading = true;
      setTimeout(() => void this.loadWaiting(), REFRESH_GATHER_MS);
    }
  }

  private wait(message: HeartbeatMessage, receivedAt: number): void {
    let q = this.waiting.get(message.id);
    if (!q) this.waiting.set(message.id, (q = []));
    if (q.length >= MAX_WAITING_PER_AMPHORA) q.shift();
    q.push([message, receivedAt]);
    if (!this.loading) {
      this.loading = true;
      setImmediate(() => void this.loadWaiting());
    }
  }

  private async loadWaiting(): Promise<void> {
    try {
      while (this.waiting.size) {
        const batch = new Map<string, Array<[HeartbeatMessage, number]>>();
        for (const [id, q] of this.waiting) {
          batch.set(id, q);
          if (batch.size >= LOAD_BATCH) break;
        }
        for (const id of batch.keys()) this.waiting.delete(id);
        let loaded;
        try {
          loaded = await loadSnapshots(this.db, [...batch.keys()]);
        } catch (err) {
          this.logger.error({ msg: 'reading amphora state failed; heartbeats of this batch are lost', error: String(err), amphorae: batch.size });
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        // Spread the next expiry over (ttl/2, ttl] so a fleet loaded at once does not expire at once.
        const jitter = () => this.opts.now() - Math.random() * this.opts.statusCacheTtlMs * 0.5;
        const readAt = this.opts.now();
        for (const [lbId, snapshot] of loaded.loadBalancers) this.lbs.set(lbId, { snapshot, loadedAt: jitter(), readAt });
        for (const [id, messages] of batch) {
          if (!loaded.amphorae.has(id)) {
            // Remembered apart and bounded: a flood of made-up ids must not grow memory without limit.
            if (this.unknown.size >= MAX_UNKNOWN) this.unknown.clear();
            this.unknown.set(id, this.opts.now());
            this.amphorae.delete(id);
            for (const [message] of messages) this.apply({ record: null, loadedAt: 0, readAt: 0, livenessQueuedAt: 0 }, message, 0);
            continue;
          }
          const prev = this.amphorae.get(id);
          const state: AmphoraState = { record: loaded.amphorae.get(id) ?? null, loadedAt: jitter(), readAt, livenessQueuedAt: prev?.livenessQueuedAt ?? 0 };
          this.amphorae.set(id, state);
          for (const [message, receivedAt] of messages) this.apply(state, message, receivedAt);
        }
      }
    } finally {
      this.loading = false;
    }
  }

  private apply(state: AmphoraState, message: HeartbeatMessage, receivedAt: number, stats?: number[]): void {
    const record = state.record;
    if (!record) {
      this.ignored.inc({ reason: 'unknown_amphora' });
      this.warnOnce(`unknown:${message.id}`, {
        msg: 'heartbeat from an amphora missing from the database; the operator must delete it',
        amphora_id: message.id,
      });
      return;
    }
    const lbState = record.loadBalancerId ? this.lbs.get(record.loadBalancerId) : undefined;
    if (!lbState) {
      // Upstream deletes such an amphora's compute instance; we have no compute driver here, so it is reported.
      this.ignored.inc({ reason: 'no_load_balancer' });
      this.warnOnce(`zombie:${message.id}`, {
        msg: 'heartbeat from an amphora without a live load balancer (zombie); its instance should be deleted',
        amphora_id: message.id,
        amphora_status: record.status,
      });
      return;
    }
    if (reportedListeners(message) === null) {
      this.ignored.inc({ reason: 'malformed' });
      return;
    }
    const lb = lbState.snapshot;
    if (listenerCountMatches(lb, message)) {
      if (receivedAt - state.livenessQueuedAt >= this.opts.livenessWriteIntervalMs) {
        state.livenessQueuedAt = receivedAt;
        const cur = this.writes.liveness.get(message.id) ?? 0;
        if (receivedAt > cur) this.writes.liveness.set(message.id, receivedAt);
      }
    } else {
      this.mismatch.inc();
      // Perhaps our snapshot is behind (a listener was just added or enabled): read it again now rather
      // than after status_cache_ttl, or a fast heartbeat_timeout would fail a healthy amphora over.
      this.refreshIfOlder(state, lbState, MISMATCH_REFRESH_MS);
      this.warnOnce(`count:${message.id}`, {
        msg: 'amphora reports a different number of listeners than expected; liveness not refreshed',
        amphora_id: message.id,
        reported: Object.keys(reportedListeners(message) ?? {}).length,
        expected: lb.listeners.filter((l) => l.enabled).length,
      });
    }
    // The same statuses judged against the same snapshot give the same result: skip the rules. Compared by
    // status signature (once per message object), so an amphora whose heartbeats alternate between receiving
    // threads (each with its own full message) is not re-judged every time.
    const ruleKey = statusSignature(message);
    if (state.decidedKey !== ruleKey || state.decidedLb !== lbState) {
      const decision = decideStatuses(lb, message);
      const changes = diffStatuses(lb, decision);
      if (changes.loadBalancer || changes.listeners.length || changes.pools.length || changes.members.length) {
        applyChanges(lb, changes);
        for (const [id, s] of changes.members) this.writes.members.set(id, s);
        for (const [id, s] of changes.pools) this.writes.pools.set(id, s);
        for (const [id, s] of changes.listeners) this.writes.listeners.set(id, s);
        if (changes.loadBalancer) this.writes.loadBalancers.set(lb.id, changes.loadBalancer);
      }
      for (const w of decision.warnings) this.warnOnce(`${w.kind}:${'memberId' in w ? w.memberId : 'poolId' in w ? w.poolId : w.listenerId}`, { msg: 'unexpected status in heartbeat, left unchanged', amphora_id: message.id, ...w });
      state.decidedKey = ruleKey;
      state.decidedLb = lbState;
      if (decision.unknownObjects) this.refreshIfOlder(state, lbState, MISMATCH_REFRESH_MS);
    }
    state.seenAt = receivedAt;
    if (stats) this.stats.addTuples(message.id, Object.keys(message.listeners ?? {}), stats, message.ver, receivedAt);
    else this.stats.add(message, receivedAt);
    this.processed.inc();
    this.processedCount++;
  }

  /**
   * Drops state of amphorae silent for longer than `maxAgeMs` (failed over, deleted, moved to another
   * manager) and load balancer snapshots no remaining amphora refers to, so memory follows the live fleet.
   */
  prune(maxAgeMs: number): number {
    const now = this.opts.now();
    let dropped = 0;
    const used = new Set<string>();
    for (const [id, state] of this.amphorae) {
      if (now - (state.seenAt ?? state.readAt) > maxAgeMs) {
        this.amphorae.delete(id);
        dropped++;
      } else if (state.record?.loadBalancerId) used.add(state.record.loadBalancerId);
    }
    for (const id of this.lbs.keys()) if (!used.has(id)) this.lbs.delete(id);
    for (const [id, at] of this.unknown) if (now - at > this.opts.statusCacheTtlMs) this.unknown.delete(id);
    return dropped;
  }

  /** At most one log line per key and minute: a misbehaving fleet must not flood the log. */
  private warnOnce(key: string, entry: Record<string, unknown>): void {
    const now = Date.now();
    if ((this.lastWarn.get(key) ?? 0) > now - 60000) return;
    if (this.lastWarn.size > 10000) this.lastWarn = new Map();
    this.lastWarn.set(key, now);
    this.logger.warn(entry);
  }
}
