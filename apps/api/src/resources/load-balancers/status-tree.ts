import { EntityManager, In } from 'typeorm';
import { HealthMonitorEntity, L7PolicyEntity, ListenerEntity, LoadBalancerEntity, MemberEntity, PoolEntity } from '../../../../../libs/database/src';

/**
 * The status tree (spec 9.1.6): listeners with the pools they actually use (default pool, then redirect
 * pools of enabled L7 policies that have rules, de-duplicated), each with `health_monitor` and members.
 */
export async function statusTree(em: EntityManager, lb: LoadBalancerEntity) {
  const listeners = await em.find(ListenerEntity, { where: { loadBalancerId: lb.id }, order: { createdAt: 'ASC', id: 'ASC' } });
  const pools = await em.find(PoolEntity, { where: { loadBalancerId: lb.id } });
  const poolIds = pools.map((p) => p.id);
  const members = poolIds.length ? await em.find(MemberEntity, { where: { poolId: In(poolIds) }, order: { createdAt: 'ASC', id: 'ASC' } }) : [];
  const hms = poolIds.length ? await em.find(HealthMonitorEntity, { where: { poolId: In(poolIds) } }) : [];
  const policies = listeners.length ? await em.find(L7PolicyEntity, { where: { listenerId: In(listeners.map((l) => l.id)) }, order: { position: 'ASC' } }) : [];
  const withRules = new Set<string>(
    policies.length
      ? (await em.query(`SELECT DISTINCT l7policy_id FROM l7rule WHERE l7policy_id = ANY($1)`, [policies.map((p) => p.id)])).map((r: { l7policy_id: string }) => r.l7policy_id)
      : [],
  );
  const poolNode = (p: PoolEntity) => {
    const hm = hms.find((h) => h.poolId === p.id);
    return {
      id: p.id,
      name: p.name ?? '',
      provisioning_status: p.provisioningStatus,
      operating_status: p.operatingStatus,
      ...(hm ? { health_monitor: { id: hm.id, name: hm.name ?? '', type: hm.type, provisioning_status: hm.provisioningStatus, operating_status: hm.operatingStatus } } : {}),
      members: members.filter((m) => m.poolId === p.id).map((m) => ({
        id: m.id, name: m.name ?? '', operating_status: m.operatingStatus, provisioning_status: m.provisioningStatus, address: m.ipAddress, protocol_port: m.protocolPort,
      })),
    };
  };
  return {
    id: lb.id,
    name: lb.name ?? '',
    operating_status: lb.operatingStatus,
    provisioning_status: lb.provisioningStatus,
    listeners: listeners.map((l) => {
      const used: string[] = [];
      if (l.defaultPoolId) used.push(l.defaultPoolId);
      for (const p of policies) {
        if (p.listenerId === l.id && p.enabled && p.redirectPoolId && withRules.has(p.id) && !used.includes(p.redirectPoolId)) used.push(p.redirectPoolId);
      }
      return {
        id: l.id,
        name: l.name ?? '',
        operating_status: l.operatingStatus,
        provisioning_status: l.provisioningStatus,
        pools: used.map((id) => pools.find((p) => p.id === id)).filter((p): p is PoolEntity => !!p).map(poolNode),
      };
    }),
  };
}
