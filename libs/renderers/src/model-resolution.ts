import type {
  ListenerProtocol,
  RenderHealthMonitor,
  RenderL7Policy,
  RenderL7Rule,
  RenderListener,
  RenderLoadBalancer,
  RenderMember,
  RenderPool,
} from './render-model';
import { RenderValidationError } from './render-validation.error';

/**
 * Which objects of the API-shaped model take part in rendering, mirroring upstream: objects being
 * deleted are left out, disabled objects are left out or marked as each feature describes.
 */

interface Lifecycle {
  admin_state_up?: boolean;
  provisioning_status?: string;
}

export function isLive(object: Lifecycle): boolean {
  return object.provisioning_status !== 'PENDING_DELETE' && object.provisioning_status !== 'DELETED';
}

export function isEnabled(object: Lifecycle): boolean {
  return object.admin_state_up !== false;
}

const LVS_PROTOCOLS: readonly ListenerProtocol[] = ['UDP', 'SCTP'];

/** UDP and SCTP listeners are served by keepalived/LVS, everything else by the LB's haproxy. */
export function isLvsListener(listener: RenderListener): boolean {
  return LVS_PROTOCOLS.includes(listener.protocol);
}

function findPool(lb: RenderLoadBalancer, poolId: string, field: string): RenderPool {
  const pool = lb.pools?.find((candidate) => candidate.id === poolId);
  if (!pool) {
    throw new RenderValidationError(field, `pool ${poolId} is not among the load balancer's pools`);
  }
  return pool;
}

/** The listener's default pool unless it is being deleted. */
export function resolveDefaultPool(lb: RenderLoadBalancer, listener: RenderListener): RenderPool | null {
  let pool: RenderPool | null = null;
  if (listener.default_pool) {
    pool = listener.default_pool;
  } else if (listener.default_pool === undefined && listener.default_pool_id) {
    pool = findPool(lb, listener.default_pool_id, `listener ${listener.id}.default_pool_id`);
  }
  return pool && isLive(pool) ? pool : null;
}

export function resolveRedirectPool(lb: RenderLoadBalancer, policy: RenderL7Policy): RenderPool | null {
  let pool: RenderPool | null = null;
  if (policy.redirect_pool) {
    pool = policy.redirect_pool;
  } else if (policy.redirect_pool_id) {
    pool = findPool(lb, policy.redirect_pool_id, `l7policy ${policy.id}.redirect_pool_id`);
  }
  return pool && isLive(pool) ? pool : null;
}

export function liveRules(policy: RenderL7Policy): RenderL7Rule[] {
  return policy.rules.filter(isLive);
}

/** Policies in evaluation order (`position`, then the given order). */
export function livePolicies(listener: RenderListener): RenderL7Policy[] {
  const indexed = (listener.l7policies ?? []).filter(isLive).map((policy, index) => ({ policy, index }));
  indexed.sort((a, b) => (a.policy.position ?? Infinity) - (b.policy.position ?? Infinity) || a.index - b.index);
  return indexed.map(({ policy }) => policy);
}

/**
 * Pools a listener actually uses: its default pool, then the redirect pools of its enabled
 * policies that have rules (upstream `Listener.pools`), each once. One backend per entry.
 */
export function listenerPools(lb: RenderLoadBalancer, listener: RenderListener): RenderPool[] {
  const pools: RenderPool[] = [];
  const add = (pool: RenderPool | null): void => {
    if (pool && !pools.some((known) => known.id === pool.id)) pools.push(pool);
  };
  add(resolveDefaultPool(lb, listener));
  for (const policy of livePolicies(listener)) {
    if (isEnabled(policy) && liveRules(policy).length > 0) add(resolveRedirectPool(lb, policy));
  }
  return pools;
}

export function liveMembers(pool: RenderPool): RenderMember[] {
  return pool.members.filter(isLive);
}

/** The monitor that drives checks: present, not being deleted, and enabled. */
export function activeHealthMonitor(pool: RenderPool): RenderHealthMonitor | null {
  const monitor = pool.healthmonitor;
  return monitor && isLive(monitor) && isEnabled(monitor) ? monitor : null;
}

/** All VIP addresses: primary first, then additional VIPs as given. */
export function vipAddresses(lb: RenderLoadBalancer): string[] {
  return [lb.vip_address, ...(lb.additional_vips ?? []).map((vip) => vip.ip_address)];
}
