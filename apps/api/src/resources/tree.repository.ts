import { EntityManager, In } from 'typeorm';
import {
  HealthMonitorEntity, L7PolicyEntity, L7RuleEntity, ListenerEntity, LoadBalancerEntity, MemberEntity, PoolEntity,
} from '../../../../libs/database/src';
import { ApiFault } from '../common/api-fault';
import { UUID_RE } from '../validation/fields';
import {
  LoadBalancerRefs, healthMonitorView, l7policyView, l7ruleView, listenerView, loadBalancerView, memberView, poolView,
} from './views';

function group<T>(rows: T[], key: (r: T) => string, value: (r: T) => string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const k = key(r);
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(value(r));
  }
  return out;
}

/** Batched look-ups of the child references each view shows, so a page of N objects costs a fixed number of queries. */
export class TreeRepository {
  constructor(private readonly em: EntityManager) {}

  async loadBalancerRefs(lbIds: string[]): Promise<Map<string, LoadBalancerRefs>> {
    const out = new Map<string, LoadBalancerRefs>();
    if (!lbIds.length) return out;
    // Sequential on purpose: inside a transaction all queries share one connection.
    const listeners = await this.em.query(`SELECT id, load_balancer_id FROM listener WHERE load_balancer_id = ANY($1) ORDER BY created_at, id`, [lbIds]);
    const pools = await this.em.query(`SELECT id, load_balancer_id FROM pool WHERE load_balancer_id = ANY($1) ORDER BY created_at, id`, [lbIds]);
    const vips = await this.em.query(`SELECT load_balancer_id, subnet_id, ip_address, port_id FROM additional_vip WHERE load_balancer_id = ANY($1)`, [lbIds]);
    const l = group<{ id: string; load_balancer_id: string }>(listeners, (r) => r.load_balancer_id, (r) => r.id);
    const p = group<{ id: string; load_balancer_id: string }>(pools, (r) => r.load_balancer_id, (r) => r.id);
    for (const id of lbIds) {
      out.set(id, {
        listenerIds: l.get(id) ?? [],
        poolIds: p.get(id) ?? [],
        additionalVips: vips
          .filter((v: { load_balancer_id: string }) => v.load_balancer_id === id)
          .map((v: { subnet_id: string; ip_address: string | null; port_id: string | null }) => ({ subnet_id: v.subnet_id, ip_address: v.ip_address, port_id: v.port_id })),
      });
    }
    return out;
  }

  async l7policyIdsByListener(listenerIds: string[]): Promise<Map<string, string[]>> {
    if (!listenerIds.length) return new Map();
    const rows = await this.em.query(`SELECT id, listener_id FROM l7policy WHERE listener_id = ANY($1) ORDER BY position`, [listenerIds]);
    return group<{ id: string; listener_id: string }>(rows, (r) => r.listener_id, (r) => r.id);
  }

  async ruleIdsByPolicy(policyIds: string[]): Promise<Map<string, string[]>> {
    if (!policyIds.length) return new Map();
    const rows = await this.em.query(`SELECT id, l7policy_id FROM l7rule WHERE l7policy_id = ANY($1) ORDER BY created_at, id`, [policyIds]);
    return group<{ id: string; l7policy_id: string }>(rows, (r) => r.l7policy_id, (r) => r.id);
  }

  /** Listeners that use each pool: as default pool, or as redirect target of an enabled L7 policy with at least one rule. */
  async poolRefs(poolIds: string[]): Promise<Map<string, { listenerIds: string[]; memberIds: string[]; healthMonitorId: string | null }>> {
    const out = new Map<string, { listenerIds: string[]; memberIds: string[]; healthMonitorId: string | null }>();
    if (!poolIds.length) return out;
    const users = await this.em.query(
        `SELECT DISTINCT pool_id, listener_id FROM (
           SELECT default_pool_id AS pool_id, id AS listener_id FROM listener WHERE default_pool_id = ANY($1)
           UNION ALL
           SELECT p.redirect_pool_id, p.listener_id FROM l7policy p
            WHERE p.redirect_pool_id = ANY($1) AND p.enabled AND EXISTS (SELECT 1 FROM l7rule r WHERE r.l7policy_id = p.id)
         ) u`,
        [poolIds],
      );
    const members = await this.em.query(`SELECT id, pool_id FROM member WHERE pool_id = ANY($1) ORDER BY created_at, id`, [poolIds]);
    const hms = await this.em.query(`SELECT id, pool_id FROM health_monitor WHERE pool_id = ANY($1)`, [poolIds]);
    const u = group<{ pool_id: string; listener_id: string }>(users, (r) => r.pool_id, (r) => r.listener_id);
    const m = group<{ id: string; pool_id: string }>(members, (r) => r.pool_id, (r) => r.id);
    const h = new Map<string, string>(hms.map((r: { id: string; pool_id: string }) => [r.pool_id, r.id]));
    for (const id of poolIds) out.set(id, { listenerIds: u.get(id) ?? [], memberIds: m.get(id) ?? [], healthMonitorId: h.get(id) ?? null });
    return out;
  }

  async loadBalancerViews(lbs: LoadBalancerEntity[]) {
    const refs = await this.loadBalancerRefs(lbs.map((l) => l.id));
    return lbs.map((lb) => loadBalancerView(lb, refs.get(lb.id)!));
  }

  async listenerViews(listeners: ListenerEntity[]) {
    const refs = await this.l7policyIdsByListener(listeners.map((l) => l.id));
    return listeners.map((l) => listenerView(l, refs.get(l.id) ?? []));
  }

  async poolViews(pools: PoolEntity[]) {
    const refs = await this.poolRefs(pools.map((p) => p.id));
    return pools.map((p) => poolView(p, refs.get(p.id)!));
  }

  async l7policyViews(policies: L7PolicyEntity[]) {
    const refs = await this.ruleIdsByPolicy(policies.map((p) => p.id));
    return policies.map((p) => l7policyView(p, refs.get(p.id) ?? []));
  }

  /** The expanded create response: full listeners (with full L7 policies and rules) and full pools (with members and HM). */
  async expandedLoadBalancer(lbId: string) {
    const lb = await this.em.findOneByOrFail(LoadBalancerEntity, { id: lbId });
    const [view] = await this.loadBalancerViews([lb]);
    const listeners = await this.em.find(ListenerEntity, { where: { loadBalancerId: lbId }, order: { createdAt: 'ASC', id: 'ASC' } });
    const pools = await this.em.find(PoolEntity, { where: { loadBalancerId: lbId }, order: { createdAt: 'ASC', id: 'ASC' } });
    const policies = listeners.length ? await this.em.find(L7PolicyEntity, { where: { listenerId: In(listeners.map((l) => l.id)) }, order: { position: 'ASC' } }) : [];
    const rules = policies.length ? await this.em.find(L7RuleEntity, { where: { l7policyId: In(policies.map((p) => p.id)) } }) : [];
    const members = pools.length ? await this.em.find(MemberEntity, { where: { poolId: In(pools.map((p) => p.id)) }, order: { createdAt: 'ASC', id: 'ASC' } }) : [];
    const hms = pools.length ? await this.em.find(HealthMonitorEntity, { where: { poolId: In(pools.map((p) => p.id)) } }) : [];
    const policyViews = await this.l7policyViews(policies);
    const listenerViews = (await this.listenerViews(listeners)).map((lv) => {
      const { loadbalancers: _omit, ...rest } = lv;
      return {
        ...rest,
        l7policies: policyViews
          .filter((p) => p.listener_id === lv.id)
          .map((p) => ({ ...p, rules: rules.filter((r) => r.l7policyId === p.id).map(l7ruleView) })),
      };
    });
    const poolViews = (await this.poolViews(pools)).map((pv) => {
      const { loadbalancers: _lbs, healthmonitor_id: _hm, ...rest } = pv;
      const hm = hms.find((h) => h.poolId === pv.id);
      let healthmonitor: Record<string, unknown> | null = null;
      if (hm) {
        const { pools: _p, ...hmRest } = healthMonitorView(hm);
        healthmonitor = hmRest;
      }
      return { ...rest, members: members.filter((m) => m.poolId === pv.id).map(memberView), healthmonitor };
    });
    return { ...view, listeners: listenerViews, pools: poolViews };
  }
}

/** Locks the load balancer row and applies upstream's gate: the first concurrent writer wins, the next gets 409. */
export async function lockLoadBalancer(
  em: EntityManager,
  lbId: string,
  gate: { allowed: string[]; message: 'state' | 'immutable'; setTo?: string },
): Promise<LoadBalancerEntity> {
  const lb = UUID_RE.test(lbId) ? await em.findOne(LoadBalancerEntity, { where: { id: lbId }, lock: { mode: 'pessimistic_write' } }) : null;
  if (!lb || lb.provisioningStatus === 'DELETED') throw ApiFault.notFound('Load Balancer', lbId);
  if (!gate.allowed.includes(lb.provisioningStatus)) {
    throw gate.message === 'state' ? ApiFault.lbPendingState(lb.provisioningStatus, lbId) : ApiFault.immutable('Load Balancer', lbId);
  }
  if (gate.setTo) {
    lb.provisioningStatus = gate.setTo;
    await em.update(LoadBalancerEntity, { id: lbId }, { provisioningStatus: gate.setTo });
  }
  return lb;
}
