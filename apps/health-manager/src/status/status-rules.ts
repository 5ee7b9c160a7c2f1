import type { HeartbeatMessage, HeartbeatPool } from '../../../../libs/heartbeat/src';

/**
 * Operating-status rules for one heartbeat (heartbeat.md §5.2, controller-flows.md §5.3–5.4), as pure
 * functions of the load balancer's database snapshot and the decoded message. Nothing here touches the
 * database: the caller compares the result with what it knows and writes only the differences.
 */

export type OperatingStatus = 'ONLINE' | 'OFFLINE' | 'DEGRADED' | 'ERROR' | 'NO_MONITOR' | 'DRAINING';

export interface MemberSnapshot {
  id: string;
  operatingStatus: string;
  enabled: boolean;
}

export interface PoolSnapshot {
  id: string;
  operatingStatus: string;
  members: MemberSnapshot[];
}

export interface ListenerSnapshot {
  id: string;
  enabled: boolean;
  protocol: string;
  operatingStatus: string;
  defaultPoolId: string | null;
}

/** What the health manager knows about a load balancer (upstream's get_lb_for_health_update). */
export interface LoadBalancerSnapshot {
  id: string;
  provisioningStatus: string;
  operatingStatus: string;
  enabled: boolean;
  /** In database order; upstream walks listeners in this order. */
  listeners: ListenerSnapshot[];
  pools: PoolSnapshot[];
}

export type Warning =
  | { kind: 'listener_status'; listenerId: string; status: unknown }
  | { kind: 'pool_status'; poolId: string; status: unknown }
  | { kind: 'member_status'; memberId: string; poolId: string; status: unknown };

/** The statuses this heartbeat implies; objects the rules leave unchanged are absent. */
export interface StatusDecision {
  loadBalancer: OperatingStatus;
  listeners: Map<string, OperatingStatus>;
  pools: Map<string, OperatingStatus>;
  members: Map<string, OperatingStatus>;
  warnings: Warning[];
  /** The heartbeat names a listener, pool or member the snapshot does not have (the snapshot is outdated). */
  unknownObjects: boolean;
}

export function messageVersion(message: HeartbeatMessage): number {
  return typeof message.ver === 'number' ? message.ver : 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Heartbeat listeners as a plain map; a message without one is malformed (upstream raises and loses it). */
export function reportedListeners(message: HeartbeatMessage): Record<string, unknown> | null {
  return isObject(message.listeners) ? (message.listeners as Record<string, unknown>) : null;
}

/**
 * Upstream cuts pool keys at the last ':' (`"<pool>:<listener>"` and `"<pool>"` both become the pool id).
 * The first key that maps to a pool id wins.
 */
export function normalizePoolKeys(raw: unknown): Map<string, HeartbeatPool> {
  const out = new Map<string, HeartbeatPool>();
  if (!isObject(raw)) return out;
  for (const [key, pool] of Object.entries(raw)) {
    const cut = key.lastIndexOf(':');
    const id = cut < 0 ? key : key.slice(0, cut);
    if (!out.has(id) && isObject(pool)) out.set(id, pool as unknown as HeartbeatPool);
  }
  return out;
}

/**
 * The listener-count rule (§5.2 step 3): how many listeners the amphora must report for its liveness to
 * count, or null when the check is skipped (LB in a PENDING_* state or disabled).
 */
export function expectedListenerCount(lb: LoadBalancerSnapshot, message: HeartbeatMessage): number | null {
  if (lb.provisioningStatus.includes('PENDING') || !lb.enabled) return null;
  let expected = 0;
  for (const listener of lb.listeners) {
    if (!listener.enabled) continue;
    // Pre-versioning amphorae did not report UDP listeners that have no enabled member.
    if (message.ver === undefined && listener.protocol === 'UDP') {
      const pool = lb.pools.find((p) => p.id === listener.defaultPoolId);
      if (!pool || !pool.members.some((m) => m.enabled)) continue;
    }
    expected++;
  }
  return expected;
}

/** True when the heartbeat may refresh the amphora's liveness (count matches, or the check is skipped). */
export function listenerCountMatches(lb: LoadBalancerSnapshot, message: HeartbeatMessage): boolean {
  const expected = expectedListenerCount(lb, message);
  if (expected === null) return true;
  const reported = reportedListeners(message);
  return reported !== null && Object.keys(reported).length === expected;
}

export function memberStatusFor(reported: unknown, dbStatus: string): OperatingStatus | null | 'warn' {
  if (reported === undefined) return dbStatus.toUpperCase() === 'NO_MONITOR' ? null : 'OFFLINE';
  if (typeof reported !== 'string') return 'warn';
  if (reported.startsWith('UP')) return 'ONLINE';
  if (reported.startsWith('DOWN')) return 'ERROR';
  if (reported === 'DRAIN') return 'DRAINING';
  if (reported === 'MAINT') return 'OFFLINE';
  if (reported === 'no check') return 'NO_MONITOR';
  if (reported === 'RESTARTING') return null; // keepalived is restarting: keep the previous value
  return 'warn';
}

/** Computes every status the heartbeat implies for one load balancer. */
export function decideStatuses(lb: LoadBalancerSnapshot, message: HeartbeatMessage): StatusDecision {
  const decision: StatusDecision = {
    loadBalancer: lb.enabled ? 'ONLINE' : 'OFFLINE',
    listeners: new Map(),
    pools: new Map(),
    members: new Map(),
    warnings: [],
    unknownObjects: false,
  };
  const listeners = reportedListeners(message) ?? {};
  const version = messageVersion(message);
  const processed = new Set<string>();
  const potentialOffline = new Set<string>();

  const lower = (to: 'DEGRADED' | 'ERROR') => {
    if (to === 'ERROR') decision.loadBalancer = 'ERROR';
    else if (decision.loadBalancer === 'ONLINE') decision.loadBalancer = 'DEGRADED';
  };

  const processPools = (pools: Map<string, HeartbeatPool>) => {
    for (const dbPool of lb.pools) {
      if (processed.has(dbPool.id)) continue;
      const reported = pools.get(dbPool.id);
      if (!reported) {
        potentialOffline.add(dbPool.id);
        continue;
      }
      processed.add(dbPool.id);
      let poolStatus: OperatingStatus | null = null;
      if (reported.status === 'UP') poolStatus = 'ONLINE';
      else if (reported.status === 'DOWN') {
        poolStatus = 'ERROR';
        lower('ERROR');
      } else decision.warnings.push({ kind: 'pool_status', poolId: dbPool.id, status: reported.status });
      const members = isObject(reported.members) ? (reported.members as Record<string, unknown>) : {};
      if (Object.keys(members).length > dbPool.members.length) decision.unknownObjects = true;
      for (const member of dbPool.members) {
        const raw = Object.prototype.hasOwnProperty.call(members, member.id) ? members[member.id] : undefined;
        const status = memberStatusFor(raw, member.operatingStatus);
        if (status === 'warn') {
          decision.warnings.push({ kind: 'member_status', memberId: member.id, poolId: dbPool.id, status: raw });
          continue;
        }
        if (status === 'ERROR') {
          if (poolStatus === 'ONLINE') poolStatus = 'DEGRADED';
          lower('DEGRADED');
        }
        if (status !== null) decision.members.set(member.id, status);
      }
      if (poolStatus !== null) decision.pools.set(dbPool.id, poolStatus);
    }
  };

  for (const listener of lb.listeners) {
    const reported = Object.prototype.hasOwnProperty.call(listeners, listener.id) ? listeners[listener.id] : undefined;
    if (reported === undefined) {
      decision.listeners.set(listener.id, listener.enabled && lb.provisioningStatus === 'ACTIVE' ? 'ERROR' : 'OFFLINE');
    } else {
      const status = isObject(reported) ? reported.status : undefined;
      if (status === 'OPEN') decision.listeners.set(listener.id, 'ONLINE');
      else if (status === 'FULL') {
        decision.listeners.set(listener.id, 'DEGRADED');
        lower('DEGRADED');
      } else decision.warnings.push({ kind: 'listener_status', listenerId: listener.id, status });
    }
    if (version < 2) {
      const nested = isObject(reported) ? reported.pools : undefined;
      processPools(normalizePoolKeys(nested));
    }
  }
  if (version >= 2) processPools(normalizePoolKeys(message.pools));
  if (Object.keys(listeners).length > lb.listeners.length) decision.unknownObjects = true;
  for (const poolId of potentialOffline) {
    if (!processed.has(poolId)) decision.pools.set(poolId, 'OFFLINE');
  }
  return decision;
}

export interface StatusChanges {
  loadBalancer: OperatingStatus | null;
  listeners: Array<[string, OperatingStatus]>;
  pools: Array<[string, OperatingStatus]>;
  members: Array<[string, OperatingStatus]>;
}

const same = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

/** Only what differs from the snapshot (compared case-insensitively, as upstream does). */
export function diffStatuses(lb: LoadBalancerSnapshot, decision: StatusDecision): StatusChanges {
  const changes: StatusChanges = { loadBalancer: null, listeners: [], pools: [], members: [] };
  for (const l of lb.listeners) {
    const s = decision.listeners.get(l.id);
    if (s && !same(s, l.operatingStatus)) changes.listeners.push([l.id, s]);
  }
  for (const p of lb.pools) {
    const s = decision.pools.get(p.id);
    if (s && !same(s, p.operatingStatus)) changes.pools.push([p.id, s]);
    for (const m of p.members) {
      const ms = decision.members.get(m.id);
      if (ms && !same(ms, m.operatingStatus)) changes.members.push([m.id, ms]);
    }
  }
  if (!same(decision.loadBalancer, lb.operatingStatus)) changes.loadBalancer = decision.loadBalancer;
  return changes;
}

/** Records written changes in the snapshot, so the next heartbeat compares against them. */
export function applyChanges(lb: LoadBalancerSnapshot, changes: StatusChanges): void {
  if (changes.loadBalancer) lb.operatingStatus = changes.loadBalancer;
  const byId = <T extends { id: string; operatingStatus: string }>(items: T[], updates: Array<[string, string]>) => {
    if (!updates.length) return;
    const m = new Map(updates);
    for (const item of items) {
      const s = m.get(item.id);
      if (s) item.operatingStatus = s;
    }
  };
  byId(lb.listeners, changes.listeners);
  byId(lb.pools, changes.pools);
  if (changes.members.length) for (const p of lb.pools) byId(p.members, changes.members);
}
