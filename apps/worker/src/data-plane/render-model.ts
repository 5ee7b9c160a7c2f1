import { EntityManager, In } from 'typeorm';
import {
  HealthMonitorEntity, L7PolicyEntity, L7RuleEntity, ListenerEntity, LoadBalancerEntity, MemberEntity, PoolEntity, AdditionalVipEntity,
} from '../../../../libs/database/src';
import { RenderLoadBalancer } from '../../../../libs/renderers/src';
import { healthMonitorView, l7policyView, l7ruleView, listenerView, memberView, poolView } from '../../../api/src/resources/views';

/**
 * The load balancer's full graph in the API's own shapes (what the renderers take), read in one
 * snapshot. Objects being deleted stay in the graph with PENDING_DELETE; the renderers leave them out.
 */
export async function loadRenderModel(em: EntityManager, lbId: string): Promise<{ lb: LoadBalancerEntity; model: RenderLoadBalancer }> {
  const lb = await em.findOneByOrFail(LoadBalancerEntity, { id: lbId });
  const listeners = await em.find(ListenerEntity, { where: { loadBalancerId: lbId }, order: { createdAt: 'ASC', id: 'ASC' } });
  const pools = await em.find(PoolEntity, { where: { loadBalancerId: lbId }, order: { createdAt: 'ASC', id: 'ASC' } });
  const poolIds = pools.map((p) => p.id);
  const members = poolIds.length ? await em.find(MemberEntity, { where: { poolId: In(poolIds) }, order: { createdAt: 'ASC', id: 'ASC' } }) : [];
  const monitors = poolIds.length ? await em.find(HealthMonitorEntity, { where: { poolId: In(poolIds) } }) : [];
  const listenerIds = listeners.map((l) => l.id);
  const policies = listenerIds.length ? await em.find(L7PolicyEntity, { where: { listenerId: In(listenerIds) }, order: { position: 'ASC' } }) : [];
  const rules = policies.length ? await em.find(L7RuleEntity, { where: { l7policyId: In(policies.map((p) => p.id)) }, order: { createdAt: 'ASC', id: 'ASC' } }) : [];
  const additional = await em.find(AdditionalVipEntity, { where: { loadBalancerId: lbId } });

  const renderPools = pools.map((p) => {
    const hm = monitors.find((h) => h.poolId === p.id);
    return {
      ...poolView(p, { listenerIds: [], memberIds: [], healthMonitorId: hm?.id ?? null }),
      members: members.filter((m) => m.poolId === p.id).map(memberView),
      healthmonitor: hm ? healthMonitorView(hm) : null,
    };
  });
  const model = {
    id: lb.id,
    project_id: lb.projectId ?? undefined,
    vip_address: lb.vipAddress!,
    vip_port_id: lb.vipPortId ?? undefined,
    vip_subnet_id: lb.vipSubnetId ?? undefined,
    vip_network_id: lb.vipNetworkId ?? undefined,
    admin_state_up: lb.enabled,
    provisioning_status: lb.provisioningStatus,
    additional_vips: additional.filter((a) => a.ipAddress).map((a) => ({ subnet_id: a.subnetId, ip_address: a.ipAddress!, port_id: a.portId ?? undefined })),
    pools: renderPools,
    listeners: listeners.map((l) => ({
      ...listenerView(l, []),
      l7policies: policies
        .filter((p) => p.listenerId === l.id)
        .map((p) => ({ ...l7policyView(p, []), rules: rules.filter((r) => r.l7policyId === p.id).map(l7ruleView) })),
    })),
  };
  return { lb, model: model as unknown as RenderLoadBalancer };
}
