import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { EntityManager } from 'typeorm';
import { PROVISIONING_STATUSES } from '../../../../../libs/common/src';
import { L7PolicyEntity, L7RuleEntity, ListenerEntity, LoadBalancerEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection, treeFields } from '../../core/collection';
import { findOr404 } from '../../core/child-lookup';
import { ListSpec } from '../../query/list-query';
import { L7RuleCreateDto, L7RuleUpdateDto } from '../dto/dtos';
import { checkL7Rule, newL7Rule } from '../rules/l7.rules';
import { lockLoadBalancer } from '../tree.repository';
import { l7ruleView } from '../views';
import { LoadBalancerService } from '../load-balancers/load-balancer.service';
import { mergePut, putChanges } from '../pools/put-semantics';
import { MAX_L7RULES_PER_POLICY } from '../l7policies/l7policy.service';
import { L7RULE_NOT_NULLABLE, L7RULE_PUT } from './l7rule-put';

const L7RULE_SPEC: ListSpec = {
  alias: 'o',
  hasTags: true,
  defaultOrder: ['o.created_at', 'o.id'],
  fields: {
    ...treeFields('o'),
    type: { column: 'o.type' },
    compare_type: { column: 'o.compare_type' },
    key: { column: 'o.key' },
    value: { column: 'o.value' },
    invert: { column: 'o.invert', kind: 'bool' },
  },
};

/** L7 rule routes (spec 9.7), always under their policy: `/l7policies/{l7policy_id}/rules`. */
@Injectable()
export class L7RuleService {
  constructor(private readonly core: ApiCore, private readonly loadBalancers: LoadBalancerService) {}

  /** The policy named in the URL, looked up before the body (a routing error upstream: `L7Policy <id> not found.`). */
  policy(policyId: string): Promise<L7PolicyEntity> {
    return findOr404(this.core.dataSource.manager, L7PolicyEntity, 'L7Policy', policyId);
  }

  async list(req: Request, ctx: RequestContext, policy: L7PolicyEntity) {
    this.core.policy.enforce(ctx, 'read', policy.projectId);
    const { items, links } = await listCollection({
      req, ctx, em: this.core.dataSource.manager, entity: L7RuleEntity, spec: L7RULE_SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      scope: (qb) => qb.andWhere('o.l7policy_id = :scopePolicy', { scopePolicy: policy.id }),
      render: async (rows) => rows.map(l7ruleView),
    });
    return { rules: items, rules_links: links };
  }

  async show(ctx: RequestContext, policy: L7PolicyEntity, id: string) {
    const rule = await this.find(this.core.dataSource.manager, policy.id, id);
    this.core.policy.enforce(ctx, 'read', rule.projectId);
    return l7ruleView(rule);
  }

  async create(ctx: RequestContext, policy: L7PolicyEntity, body: L7RuleCreateDto) {
    this.core.policy.enforce(ctx, 'write', policy.projectId);
    // content errors are 400s before quota and the gates (spec 6.4)
    checkL7Rule(body as unknown as Record<string, unknown>);
    return this.core.write(ctx, async (unit) => {
      await unit.checkQuota(policy.projectId, 'l7rule');
      const { lb, current } = await this.gate(unit.em, policy.id);
      const [{ n }] = await unit.em.query(`SELECT count(*)::int AS n FROM l7rule WHERE l7policy_id = $1`, [policy.id]);
      if (n >= MAX_L7RULES_PER_POLICY) throw ApiFault.conflict(`Too many rules on L7 policy ${policy.id}`);
      const rule = newL7Rule(body as unknown as Record<string, unknown>, current);
      await unit.em.insert(L7RuleEntity, rule);
      await this.mark(unit.em, current);
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'l7rule.create', loadBalancerId: lb.id, targetId: rule.id });
      return l7ruleView(await this.find(unit.em, policy.id, rule.id));
    });
  }

  async update(ctx: RequestContext, policy: L7PolicyEntity, id: string, body: L7RuleUpdateDto, present: Set<string>) {
    const stored = await this.find(this.core.dataSource.manager, policy.id, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    const sent = body as Record<string, unknown>;
    for (const key of L7RULE_NOT_NULLABLE) if (present.has(key) && sent[key] == null) throw ApiFault.invalidOption('None', key);
    // the merged rule is re-validated as a whole (spec 9.7.2), before the gates
    checkL7Rule(mergePut(L7RULE_PUT, stored, body, present));
    return this.core.write(ctx, async (unit) => {
      const { lb, current: currentPolicy } = await this.gate(unit.em, policy.id);
      const current = await this.find(unit.em, policy.id, id);
      const merged = mergePut(L7RULE_PUT, current, body, present);
      checkL7Rule(merged);
      await unit.em.update(L7RuleEntity, { id }, { ...putChanges(L7RULE_PUT, merged, present), provisioningStatus: 'PENDING_UPDATE', updatedAt: new Date() });
      await this.mark(unit.em, currentPolicy);
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'l7rule.update', loadBalancerId: lb.id, targetId: id });
      return l7ruleView(await this.find(unit.em, policy.id, id));
    });
  }

  async delete(ctx: RequestContext, policy: L7PolicyEntity, id: string): Promise<void> {
    const stored = await this.find(this.core.dataSource.manager, policy.id, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    await this.core.write(ctx, async (unit) => {
      const { lb, current } = await this.gate(unit.em, policy.id);
      await unit.em.update(L7RuleEntity, { id }, { provisioningStatus: 'PENDING_DELETE', updatedAt: new Date() });
      await this.mark(unit.em, current);
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'l7rule.delete', loadBalancerId: lb.id, targetId: id });
    });
  }

  /**
   * The gates of a rule write (spec 7.4): with the load balancer row locked, the policy must be ACTIVE
   * (`L7Policy <id> is immutable`, checked first as upstream does), then the load balancer must be ACTIVE.
   */
  private async gate(em: EntityManager, policyId: string): Promise<{ lb: LoadBalancerEntity; current: L7PolicyEntity }> {
    const stale = await findOr404(em, L7PolicyEntity, 'L7Policy', policyId);
    const listener = await findOr404(em, ListenerEntity, 'Listener', stale.listenerId);
    const lb = await lockLoadBalancer(em, listener.loadBalancerId, { allowed: [...PROVISIONING_STATUSES], message: 'immutable' });
    const current = await findOr404(em, L7PolicyEntity, 'L7Policy', policyId);
    if (current.provisioningStatus !== 'ACTIVE') throw ApiFault.immutable('L7Policy', policyId);
    if (lb.provisioningStatus !== 'ACTIVE') throw ApiFault.immutable('Load Balancer', lb.id);
    return { lb, current };
  }

  /** Status fan-out of a rule write: the policy, its listener and the load balancer go PENDING_UPDATE (spec 7.3). */
  private async mark(em: EntityManager, policy: L7PolicyEntity): Promise<void> {
    await em.update(L7PolicyEntity, { id: policy.id }, { provisioningStatus: 'PENDING_UPDATE' });
    const listener = await em.findOneByOrFail(ListenerEntity, { id: policy.listenerId });
    await em.update(ListenerEntity, { id: listener.id }, { provisioningStatus: 'PENDING_UPDATE' });
    await em.update(LoadBalancerEntity, { id: listener.loadBalancerId }, { provisioningStatus: 'PENDING_UPDATE' });
  }

  /** A rule is found only through its own policy: another policy's rule is 404 here. */
  private async find(em: EntityManager, policyId: string, id: string): Promise<L7RuleEntity> {
    const rule = await findOr404(em, L7RuleEntity, 'L7 Rule', id);
    if (rule.l7policyId !== policyId) throw ApiFault.notFound('L7 Rule', id);
    return rule;
  }
}
