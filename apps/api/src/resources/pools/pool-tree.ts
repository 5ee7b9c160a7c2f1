import { EntityManager, In } from 'typeorm';
import { ListenerEntity, LoadBalancerEntity, PoolEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { TreeRepository, lockLoadBalancer } from '../tree.repository';

/** Listeners that use a pool: as default pool, or as redirect target of an enabled L7 policy with rules (spec 7.3). */
export async function listenersUsingPool(em: EntityManager, poolId: string): Promise<string[]> {
  const refs = await new TreeRepository(em).poolRefs([poolId]);
  return refs.get(poolId)?.listenerIds ?? [];
}

/**
 * The 409 gates of a write under a pool (spec 7.4): the load balancer row is locked and must be ACTIVE,
 * then, for member and health-monitor writes, the pool itself must be ACTIVE. Statuses are not changed
 * here, so a batch update that changes nothing can pass the gates and leave everything as it was.
 */
export async function gatePoolTree(em: EntityManager, poolId: string, requirePoolActive: boolean): Promise<{ lb: LoadBalancerEntity; pool: PoolEntity }> {
  const stale = await em.findOneBy(PoolEntity, { id: poolId });
  if (!stale) throw ApiFault.notFound('Pool', poolId);
  const lb = await lockLoadBalancer(em, stale.loadBalancerId, { allowed: ['ACTIVE'], message: 'immutable' });
  // Re-read under the load balancer lock: another writer may have moved the pool since the lookup.
  const pool = await em.findOneBy(PoolEntity, { id: poolId });
  if (!pool) throw ApiFault.notFound('Pool', poolId);
  if (requirePoolActive && pool.provisioningStatus !== 'ACTIVE') throw ApiFault.immutable('Pool', poolId);
  return { lb, pool };
}

/** The status fan-out of a write under a pool: load balancer and the pool's listeners PENDING_UPDATE, the pool as given. */
export async function markPoolTree(em: EntityManager, lb: LoadBalancerEntity, poolId: string, poolStatus: 'PENDING_UPDATE' | 'PENDING_DELETE'): Promise<void> {
  await em.update(LoadBalancerEntity, { id: lb.id }, { provisioningStatus: 'PENDING_UPDATE' });
  lb.provisioningStatus = 'PENDING_UPDATE';
  await em.update(PoolEntity, { id: poolId }, { provisioningStatus: poolStatus });
  const listenerIds = await listenersUsingPool(em, poolId);
  if (listenerIds.length) await em.update(ListenerEntity, { id: In(listenerIds) }, { provisioningStatus: 'PENDING_UPDATE' });
}
