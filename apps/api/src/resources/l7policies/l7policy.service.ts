import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { EntityManager } from 'typeorm';
import { L7PolicyEntity, L7RuleEntity, ListenerEntity, PoolEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection, treeFields } from '../../core/collection';
import { findOr404 } from '../../core/child-lookup';
import { ListSpec } from '../../query/list-query';
import { checkL7Rule, newL7Policy, newL7Rule, normaliseL7Action } from '../rules/l7.rules';
import { checkPoolProtocol } from '../rules/pool.rules';
import { TreeRepository, lockLoadBalancer } from '../tree.repository';
import { LoadBalancerService } from '../load-balancers/load-balancer.service';
import { mergePut, putChanges } from '../pools/put-semantics';
import { L7PolicyCreateDto, L7PolicyUpdateDto } from './l7policy.dto';
import { L7POLICY_ACTION_PUT, L7POLICY_PUT } from './l7policy-put';
import { placePolicy } from './l7policy-positions';

/** At most this many rules per policy (spec 9.7.2). */
export const MAX_L7RULES_PER_POLICY = 50;

/** Listener protocols on which the amphora provider can evaluate L7 policies (spec 9.6.3). */
const AMPHORA_L7_PROTOCOLS = ['HTTP', 'TERMINATED_HTTPS'];

const L7POLICY_SPEC: ListSpec = {
  alias: 'o',
  hasTags: true,
  // upstream lists are not ordered by position (spec 8.3)
  defaultOrder: ['o.created_at', 'o.id'],
  fields: {
    ...treeFields('o'),
    name: { column: 'o.name' },
    description: { column: 'o.description' },
    listener_id: { column: 'o.listener_id' },
    action: { column: 'o.action' },
    redirect_pool_id: { column: 'o.redirect_pool_id' },
    redirect_url: { column: 'o.redirect_url' },
    redirect_prefix: { column: 'o.redirect_prefix' },
    redirect_http_code: { column: 'o.redirect_http_code', kind: 'int' },
    position: { column: 'o.position', kind: 'int' },
  },
};

/** L7 policy routes (spec 9.6): action/redirect normalisation, dense positions per listener, the LB gate of 7.4. */
@Injectable()
export class L7PolicyService {
  constructor(private readonly core: ApiCore, private readonly loadBalancers: LoadBalancerService) {}

  async list(req: Request, ctx: RequestContext) {
    const em = this.core.dataSource.manager;
    const tree = new TreeRepository(em);
    const { items, links } = await listCollection({
      req, ctx, em, entity: L7PolicyEntity, spec: L7POLICY_SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      projectColumn: 'o.project_id',
      render: (rows) => tree.l7policyViews(rows),
    });
    return { l7policies: items, l7policies_links: links };
  }

  find(em: EntityManager, id: string, resource = 'L7 Policy'): Promise<L7PolicyEntity> {
    return findOr404(em, L7PolicyEntity, resource, id);
  }

  async show(ctx: RequestContext, id: string) {
    const em = this.core.dataSource.manager;
    const policy = await this.find(em, id);
    this.core.policy.enforce(ctx, 'read', policy.projectId);
    return this.view(em, policy);
  }

  async create(ctx: RequestContext, body: L7PolicyCreateDto, present: Set<string>) {
    const em = this.core.dataSource.manager;
    const listener = await findOr404(em, ListenerEntity, 'Listener', body.listener_id);
    this.core.policy.enforce(ctx, 'write', listener.projectId);
    if (listener.protocol === 'PROMETHEUS') throw ApiFault.badRequest('Protocol PROMETHEUS listeners cannot have child objects.');
    const input = { ...(body as unknown as Record<string, unknown>) };
    delete input.rules;
    // Normalised on a copy first so that action problems are 400s before quota and the 409 gate (spec 6.4).
    normaliseL7Action({ ...input }, present, false);
    if (input.redirect_pool_id) await this.checkRedirectPool(em, listener, input.redirect_pool_id as string);
    const rules = body.rules ?? [];
    for (const rule of rules) checkL7Rule(rule as unknown as Record<string, unknown>);
    return this.core.write(ctx, async (unit) => {
      await unit.checkQuota(listener.projectId, 'l7policy');
      await unit.checkQuota(listener.projectId, 'l7rule', rules.length);
      const lb = await lockLoadBalancer(unit.em, listener.loadBalancerId, { allowed: ['ACTIVE'], message: 'immutable', setTo: 'PENDING_UPDATE' });
      const driver = this.loadBalancers.driverOf(lb);
      if (driver === 'amphora' && !AMPHORA_L7_PROTOCOLS.includes(listener.protocol)) {
        throw new ApiFault(501, `Provider '${lb.provider || 'amphora'}' does not support a requested option: L7 policies are only supported on HTTP and TERMINATED_HTTPS listeners.`);
      }
      if (input.redirect_pool_id) await this.checkRedirectPool(unit.em, listener, input.redirect_pool_id as string);
      const [{ n }] = await unit.em.query(`SELECT count(*)::int AS n FROM l7policy WHERE listener_id = $1`, [listener.id]);
      // inserted last, then moved to the requested position
      const policy = newL7Policy(input, present, listener, n + 1);
      if (rules.length > MAX_L7RULES_PER_POLICY) throw ApiFault.conflict(`Too many rules on L7 policy ${policy.id}`);
      await unit.em.insert(L7PolicyEntity, policy);
      await placePolicy(unit.em, listener.id, policy.id, body.position);
      for (const rule of rules) await unit.em.insert(L7RuleEntity, newL7Rule(rule as unknown as Record<string, unknown>, policy));
      await unit.em.update(ListenerEntity, { id: listener.id }, { provisioningStatus: 'PENDING_UPDATE' });
      await unit.submit(driver, { kind: 'l7policy.create', loadBalancerId: lb.id, targetId: policy.id });
      return this.view(unit.em, await this.find(unit.em, policy.id));
    });
  }

  async update(ctx: RequestContext, id: string, body: L7PolicyUpdateDto, present: Set<string>) {
    const em = this.core.dataSource.manager;
    const stored = await this.find(em, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    const listener = await findOr404(em, ListenerEntity, 'Listener', stored.listenerId);
    // Checked before the gate as well, so a bad update is a 400 even while the load balancer is busy.
    this.merge(stored, body, present);
    if (present.has('redirect_pool_id') && body.redirect_pool_id) await this.checkRedirectPool(em, listener, body.redirect_pool_id);
    return this.core.write(ctx, async (unit) => {
      const lb = await lockLoadBalancer(unit.em, listener.loadBalancerId, { allowed: ['ACTIVE'], message: 'immutable', setTo: 'PENDING_UPDATE' });
      const current = await this.find(unit.em, id);
      const merged = this.merge(current, body, present);
      if (present.has('redirect_pool_id') && body.redirect_pool_id) await this.checkRedirectPool(unit.em, listener, body.redirect_pool_id);
      await unit.em.update(L7PolicyEntity, { id }, {
        ...putChanges(L7POLICY_PUT, merged, present),
        action: merged.action as string,
        redirectPoolId: (merged.redirect_pool_id as string | null) ?? null,
        redirectUrl: (merged.redirect_url as string | null) ?? null,
        redirectPrefix: (merged.redirect_prefix as string | null) ?? null,
        redirectHttpCode: (merged.redirect_http_code as number | null) ?? null,
        provisioningStatus: 'PENDING_UPDATE',
        updatedAt: new Date(),
      });
      if (present.has('position')) await placePolicy(unit.em, listener.id, id, body.position);
      await unit.em.update(ListenerEntity, { id: listener.id }, { provisioningStatus: 'PENDING_UPDATE' });
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'l7policy.update', loadBalancerId: lb.id, targetId: id });
      return this.view(unit.em, await this.find(unit.em, id));
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const em = this.core.dataSource.manager;
    const stored = await this.find(em, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    const listener = await findOr404(em, ListenerEntity, 'Listener', stored.listenerId);
    await this.core.write(ctx, async (unit) => {
      const lb = await lockLoadBalancer(unit.em, listener.loadBalancerId, { allowed: ['ACTIVE'], message: 'immutable', setTo: 'PENDING_UPDATE' });
      // Rows (and the rules with them) go when the provider reports the delete; positions are compacted then.
      await unit.em.update(L7PolicyEntity, { id }, { provisioningStatus: 'PENDING_DELETE', updatedAt: new Date() });
      await unit.em.update(ListenerEntity, { id: listener.id }, { provisioningStatus: 'PENDING_UPDATE' });
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'l7policy.delete', loadBalancerId: lb.id, targetId: id });
    });
  }

  /** The stored policy with the PUT applied and the action/redirect fields normalised together (spec 9.6.2). */
  private merge(policy: L7PolicyEntity, body: L7PolicyUpdateDto, present: Set<string>): Record<string, unknown> {
    const merged = { ...mergePut(L7POLICY_PUT, policy, body, present), ...mergePut(L7POLICY_ACTION_PUT, policy, body, present) };
    normaliseL7Action(merged, present, true);
    return merged;
  }

  /** The redirect pool must exist on the listener's load balancer and speak a protocol the listener can use (spec 9.6.3). */
  private async checkRedirectPool(em: EntityManager, listener: ListenerEntity, poolId: string): Promise<void> {
    const pool = await findOr404(em, PoolEntity, 'Pool', poolId);
    if (pool.loadBalancerId !== listener.loadBalancerId) throw ApiFault.notFound('Pool', poolId);
    if (pool.protocol === 'UDP' || pool.protocol === 'SCTP') throw ApiFault.validation(`${pool.protocol} protocol pool can not be assigned to l7policy.`);
    checkPoolProtocol(listener.protocol, pool.protocol);
  }

  private async view(em: EntityManager, policy: L7PolicyEntity) {
    const [view] = await new TreeRepository(em).l7policyViews([policy]);
    return view;
  }
}

