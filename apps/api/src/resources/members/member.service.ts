import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { EntityManager, In } from 'typeorm';
import {
  FlavorEntity, FlavorProfileEntity, HealthMonitorEntity, LoadBalancerEntity, MemberEntity, NetworkEntity, PoolEntity, SubnetEntity,
} from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection, treeFields } from '../../core/collection';
import { ListSpec } from '../../query/list-query';
import { MemberCreateDto, MemberUpdateDto } from '../dto/dtos';
import { checkMemberAddress, newMember } from '../rules/pool.rules';
import { memberView } from '../views';
import { LoadBalancerService } from '../load-balancers/load-balancer.service';
import { findOr404 } from '../../core/child-lookup';
import { gatePoolTree, markPoolTree } from '../pools/pool-tree';
import { mergePut, putChanges } from '../pools/put-semantics';
import { BatchItem, checkBatchUnique, planBatch, planIsEmpty } from './member-batch';
import { MEMBER_PUT } from './member-put';

const MEMBER_SPEC: ListSpec = {
  alias: 'o',
  hasTags: true,
  defaultOrder: ['o.created_at', 'o.id'],
  fields: {
    ...treeFields('o'),
    name: { column: 'o.name' },
    address: { column: 'o.ip_address' },
    protocol_port: { column: 'o.protocol_port', kind: 'int' },
    weight: { column: 'o.weight', kind: 'int' },
    backup: { column: 'o.backup', kind: 'bool' },
    subnet_id: { column: 'o.subnet_id' },
    monitor_address: { column: 'o.monitor_address' },
    monitor_port: { column: 'o.monitor_port', kind: 'int' },
    vnic_type: { column: 'o.vnic_type' },
  },
};

/** Member routes (spec 9.4), always under their pool: `/pools/{pool_id}/members`. */
@Injectable()
export class MemberService {
  constructor(private readonly core: ApiCore, private readonly loadBalancers: LoadBalancerService) {}

  /** The pool named in the URL; runs before the body is looked at (a routing error upstream, spec 6.2). */
  pool(poolId: string): Promise<PoolEntity> {
    return findOr404(this.core.dataSource.manager, PoolEntity, 'Pool', poolId);
  }

  async list(req: Request, ctx: RequestContext, pool: PoolEntity) {
    this.core.policy.enforce(ctx, 'read', pool.projectId);
    const { items, links } = await listCollection({
      req, ctx, em: this.core.dataSource.manager, entity: MemberEntity, spec: MEMBER_SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      scope: (qb) => qb.andWhere('o.pool_id = :scopePool', { scopePool: pool.id }),
      render: async (rows) => rows.map(memberView),
    });
    return { members: items, members_links: links };
  }

  async show(ctx: RequestContext, pool: PoolEntity, id: string) {
    const member = await this.find(this.core.dataSource.manager, pool.id, id);
    this.core.policy.enforce(ctx, 'read', member.projectId);
    return memberView(member);
  }

  async create(ctx: RequestContext, pool: PoolEntity, body: MemberCreateDto) {
    this.core.policy.enforce(ctx, 'write', pool.projectId);
    const em = this.core.dataSource.manager;
    const lb = await this.loadBalancers.find(em, pool.loadBalancerId);
    // Address, subnet and SR-IOV problems are reported before quota and the 409 gates (spec 6.4).
    await this.checkNewMember(em, lb, body);
    return this.core.write(ctx, async (unit) => {
      await unit.checkQuota(pool.projectId, 'member');
      const gated = await gatePoolTree(unit.em, pool.id, true);
      await this.checkPairFree(unit.em, pool.id, body.address, body.protocol_port);
      const member = newMember(this.core.config, body as unknown as Record<string, unknown>, {
        id: pool.id, projectId: pool.projectId, hasMonitor: await this.hasMonitor(unit.em, pool.id),
      });
      await unit.em.insert(MemberEntity, member);
      await markPoolTree(unit.em, gated.lb, pool.id, 'PENDING_UPDATE');
      await unit.submit(this.loadBalancers.driverOf(gated.lb), { kind: 'member.create', loadBalancerId: gated.lb.id, targetId: member.id });
      return memberView(await this.find(unit.em, pool.id, member.id));
    });
  }

  async update(ctx: RequestContext, pool: PoolEntity, id: string, body: MemberUpdateDto, present: Set<string>) {
    const stored = await this.find(this.core.dataSource.manager, pool.id, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    return this.core.write(ctx, async (unit) => {
      const { lb } = await gatePoolTree(unit.em, pool.id, true);
      const current = await this.find(unit.em, pool.id, id);
      const merged = mergePut(MEMBER_PUT, current, body, present);
      await unit.em.update(MemberEntity, { id }, { ...putChanges(MEMBER_PUT, merged, present), provisioningStatus: 'PENDING_UPDATE', updatedAt: new Date() });
      await markPoolTree(unit.em, lb, pool.id, 'PENDING_UPDATE');
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'member.update', loadBalancerId: lb.id, targetId: id });
      return memberView(await this.find(unit.em, pool.id, id));
    });
  }

  async delete(ctx: RequestContext, pool: PoolEntity, id: string): Promise<void> {
    const stored = await this.find(this.core.dataSource.manager, pool.id, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    await this.core.write(ctx, async (unit) => {
      const { lb } = await gatePoolTree(unit.em, pool.id, true);
      await unit.em.update(MemberEntity, { id }, { provisioningStatus: 'PENDING_DELETE', updatedAt: new Date() });
      await markPoolTree(unit.em, lb, pool.id, 'PENDING_UPDATE');
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'member.delete', loadBalancerId: lb.id, targetId: id });
    });
  }

  /** `PUT /pools/{pool_id}/members` (spec 9.4.2); answers 202 with no body. */
  async batchUpdate(ctx: RequestContext, pool: PoolEntity, items: BatchItem[], additiveOnly: boolean): Promise<void> {
    this.core.policy.enforce(ctx, 'write', pool.projectId);
    checkBatchUnique(items);
    const em = this.core.dataSource.manager;
    const lb = await this.loadBalancers.find(em, pool.loadBalancerId);
    const draft = planBatch(await em.findBy(MemberEntity, { poolId: pool.id }), items, additiveOnly);
    for (const item of draft.create) await this.checkNewMember(em, lb, item.value);
    await this.core.write(ctx, async (unit) => {
      await unit.checkQuota(pool.projectId, 'member', draft.create.length - draft.delete.length);
      const gated = await gatePoolTree(unit.em, pool.id, true);
      // Planned again under the lock: the members may have changed since the first read.
      const plan = planBatch(await unit.em.findBy(MemberEntity, { poolId: pool.id }), items, additiveOnly);
      if (planIsEmpty(plan)) return;
      for (const item of plan.create) if (!draft.create.includes(item)) await this.checkNewMember(unit.em, lb, item.value);
      const hasMonitor = await this.hasMonitor(unit.em, pool.id);
      const created: string[] = [];
      for (const item of plan.create) {
        const member = newMember(this.core.config, item.value as unknown as Record<string, unknown>, { id: pool.id, projectId: pool.projectId, hasMonitor });
        await unit.em.insert(MemberEntity, member);
        created.push(member.id);
      }
      const now = new Date();
      for (const { member, item } of plan.update) {
        // request_sriov, subnet_id and the identifying pair are ignored for matched members
        const merged = mergePut(MEMBER_PUT, member, item.value, item.present);
        await unit.em.update(MemberEntity, { id: member.id }, { ...putChanges(MEMBER_PUT, merged, item.present), provisioningStatus: 'PENDING_UPDATE', updatedAt: now });
      }
      const deleted = plan.delete.map((m) => m.id);
      if (deleted.length) await unit.em.update(MemberEntity, { id: In(deleted) }, { provisioningStatus: 'PENDING_DELETE', updatedAt: now });
      await markPoolTree(unit.em, gated.lb, pool.id, 'PENDING_UPDATE');
      await unit.submit(this.loadBalancers.driverOf(gated.lb), {
        kind: 'member.batch_update', loadBalancerId: gated.lb.id, targetId: pool.id,
        payload: { created, updated: plan.update.map((u) => u.member.id), deleted },
      });
    });
  }

  /** A member is found only through its own pool: another pool's member is 404 here (spec 9.4). */
  private async find(em: EntityManager, poolId: string, id: string): Promise<MemberEntity> {
    const member = await findOr404(em, MemberEntity, 'Member', id);
    if (member.poolId !== poolId) throw ApiFault.notFound('Member', id);
    return member;
  }

  private async hasMonitor(em: EntityManager, poolId: string): Promise<boolean> {
    return (await em.countBy(HealthMonitorEntity, { poolId })) > 0;
  }

  private async checkPairFree(em: EntityManager, poolId: string, address: string, port: number): Promise<void> {
    if (await em.countBy(MemberEntity, { poolId, ipAddress: address, protocolPort: port })) {
      throw ApiFault.conflict(`Another member on this pool is already using ip ${address} on protocol_port ${port}`);
    }
  }

  /** Reserved addresses, unknown subnets and SR-IOV without a flavor that allows it (spec 9.4.1). */
  private async checkNewMember(em: EntityManager, lb: LoadBalancerEntity, body: MemberCreateDto): Promise<void> {
    checkMemberAddress(this.core.config, body.address);
    // With no local network rows the deployment runs the no-op network driver, which knows every subnet.
    if (body.subnet_id && (await em.count(NetworkEntity)) > 0 && !(await em.countBy(SubnetEntity, { id: body.subnet_id }))) {
      throw ApiFault.badRequest(`Subnet ${body.subnet_id} not found.`);
    }
    if (body.request_sriov && !(await this.flavorAllowsSriov(em, lb))) {
      throw ApiFault.badRequest('The load balancer flavor does not allow SR-IOV member ports.');
    }
  }

  private async flavorAllowsSriov(em: EntityManager, lb: LoadBalancerEntity): Promise<boolean> {
    if (!lb.flavorId) return false;
    const flavor = await em.findOneBy(FlavorEntity, { id: lb.flavorId });
    const profile = flavor ? await em.findOneBy(FlavorProfileEntity, { id: flavor.flavorProfileId }) : null;
    if (!profile) return false;
    try {
      return JSON.parse(profile.flavorData)?.allow_member_sriov === true;
    } catch (err) {
      // flavor data is validated as JSON when the profile is written; unreadable data allows nothing
      if (err instanceof SyntaxError) return false;
      throw err;
    }
  }
}
