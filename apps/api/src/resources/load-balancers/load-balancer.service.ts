import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { EntityManager } from 'typeorm';
import {
  AdditionalVipEntity, HealthMonitorEntity, L7PolicyEntity, L7RuleEntity, ListenerEntity, LoadBalancerEntity,
  MemberEntity, PoolEntity, SubnetEntity, releasePort,
} from '../../../../../libs/database/src';
import { l4Family } from '../../../../../libs/common/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore, WriteUnit } from '../../core/write-unit';
import { listCollection, treeFields } from '../../core/collection';
import { LoadBalancerCreateDto, LoadBalancerUpdateDto, PoolGraphDto } from '../dto/dtos';
import { newListener } from '../rules/listener.rules';
import { checkPoolProtocol, newHealthMonitor, newMember, newPool } from '../rules/pool.rules';
import { newL7Policy, newL7Rule } from '../rules/l7.rules';
import { TreeRepository, lockLoadBalancer } from '../tree.repository';
import { resolveVip } from './vip.resolver';
import { statusTree } from './status-tree';
import { findOr404 } from '../../core/child-lookup';
import { LoadBalancerPlacement } from '../flavors/load-balancer-placement';
import { TlsReferenceValidator } from '../certificates/tls-reference.validator';

const LB_SPEC = {
  alias: 'o',
  hasTags: true,
  defaultOrder: ['o.created_at', 'o.id'],
  fields: {
    ...treeFields('o'),
    name: { column: 'o.name' },
    description: { column: 'o.description' },
    vip_address: { column: 'o.vip_address' },
    vip_port_id: { column: 'o.vip_port_id' },
    vip_subnet_id: { column: 'o.vip_subnet_id' },
    vip_network_id: { column: 'o.vip_network_id' },
    vip_qos_policy_id: { column: 'o.vip_qos_policy_id' },
    vip_vnic_type: { column: 'o.vip_vnic_type' },
    provider: { column: 'o.provider' },
    flavor_id: { column: 'o.flavor_id' },
    availability_zone: { column: 'o.availability_zone' },
  },
};

@Injectable()
export class LoadBalancerService {
  constructor(private readonly core: ApiCore, private readonly placement: LoadBalancerPlacement, private readonly tls: TlsReferenceValidator) {}

  async list(req: Request, ctx: RequestContext) {
    const em = this.core.dataSource.manager;
    const tree = new TreeRepository(em);
    const { items, links } = await listCollection({
      req, ctx, em, entity: LoadBalancerEntity, spec: LB_SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      projectColumn: 'o.project_id',
      scope: (qb) => qb.andWhere(`o.provisioning_status <> 'DELETED'`),
      render: (rows) => tree.loadBalancerViews(rows),
    });
    return { loadbalancers: items, loadbalancers_links: links };
  }

  async find(em: EntityManager, id: string): Promise<LoadBalancerEntity> {
    const lb = await findOr404(em, LoadBalancerEntity, 'Load Balancer', id);
    if (lb.provisioningStatus === 'DELETED') throw ApiFault.notFound('Load Balancer', id);
    return lb;
  }

  async show(ctx: RequestContext, id: string) {
    const em = this.core.dataSource.manager;
    const lb = await this.find(em, id);
    this.core.policy.enforce(ctx, 'read', lb.projectId);
    const [view] = await new TreeRepository(em).loadBalancerViews([lb]);
    return view;
  }

  async create(ctx: RequestContext, body: LoadBalancerCreateDto) {
    const projectId = body.project_id ?? body.tenant_id ?? ctx.projectId;
    if (!projectId) {
      throw ApiFault.validation('Missing project ID in request where one is required. An administrator should check the keystone settings in the Octavia configuration.');
    }
    this.core.policy.enforce(ctx, 'write', projectId);
    if (projectId !== ctx.projectId) this.core.policy.enforce(ctx, 'admin');

    return this.core.write(ctx, async (unit) => {
      const { em } = unit;
      // Flavor, availability zone and provider (resources/flavors/load-balancer-placement.ts).
      const placement = await this.placement.resolve(em, body);
      const { provider, driver: driverName, topology } = placement;
      await unit.checkQuota(projectId, 'load_balancer');
      this.placement.validateMetadata(placement, body);
      this.placement.checkGraphMembers(placement, body as unknown as Record<string, unknown>);
      const id = randomUUID();
      const vip = await resolveVip(em, this.core.config, body, id, projectId, topology);
      this.placement.checkVipNetwork(placement, vip.networkId);
      const lb = em.create(LoadBalancerEntity, {
        id,
        projectId,
        name: body.name ?? null,
        description: body.description ?? null,
        provisioningStatus: 'PENDING_CREATE',
        operatingStatus: 'OFFLINE',
        enabled: body.admin_state_up === undefined ? true : !!body.admin_state_up,
        topology,
        provider,
        flavorId: body.flavor_id ?? null,
        availabilityZone: body.availability_zone ?? null,
        serverGroupId: null,
        tags: body.tags ?? [],
        createdAt: new Date(),
        updatedAt: null,
        vipAddress: vip.address,
        vipPortId: vip.portId,
        vipSubnetId: vip.subnetId,
        vipNetworkId: vip.networkId,
        vipQosPolicyId: vip.qosPolicyId,
        vipOctaviaOwned: vip.octaviaOwned,
        vipVnicType: placement.sriovVip ? 'direct' : 'normal',
        vipSgIds: body.vip_sg_ids ?? [],
      });
      await em.insert(LoadBalancerEntity, lb);
      const vips = [vip.address];
      const seenSubnets = new Set([vip.subnetId]);
      for (const av of body.additional_vips ?? []) {
        if (seenSubnets.has(av.subnet_id)) throw ApiFault.validation('Duplicate VIP subnet(s) specified. Only one IP can be bound per subnet.');
        seenSubnets.add(av.subnet_id);
        const subnet = await em.findOneBy(SubnetEntity, { id: av.subnet_id });
        if (subnet && subnet.networkId !== vip.networkId) throw ApiFault.validation('All VIP subnets must belong to the same network.');
        await em.insert(AdditionalVipEntity, { loadBalancerId: id, subnetId: av.subnet_id, networkId: vip.networkId, ipAddress: av.ip_address ?? null, portId: vip.portId });
        if (av.ip_address) vips.push(av.ip_address);
      }
      await this.createGraph(unit, lb, vips, body as unknown as Record<string, unknown>);
      await unit.submit(driverName, { kind: 'loadbalancer.create', loadBalancerId: id, targetId: id, payload: this.placement.flowPayload(placement) });
      return new TreeRepository(em).expandedLoadBalancer(id);
    });
  }

  /** The fully populated create (spec 9.1.5): pools by name, listeners with default pools and L7 policies, one transaction. */
  private async createGraph(unit: WriteUnit, lb: LoadBalancerEntity, vips: string[], raw: Record<string, unknown>): Promise<void> {
    const { em } = unit;
    const config = this.core.config;
    const rawListeners = (raw.listeners as Record<string, unknown>[] | undefined) ?? [];
    const rawPools = (raw.pools as Record<string, unknown>[] | undefined) ?? [];
    if (!rawListeners.length && !rawPools.length) return;

    // Collect every pool object in the graph: top-level, default pools and redirect pools.
    const poolObjects: Record<string, unknown>[] = [...rawPools];
    for (const l of rawListeners) {
      if (l.default_pool) poolObjects.push(l.default_pool as Record<string, unknown>);
      for (const p of (l.l7policies as Record<string, unknown>[] | undefined) ?? []) if (p.redirect_pool) poolObjects.push(p.redirect_pool as Record<string, unknown>);
    }
    const definitions = new Map<string, Record<string, unknown>>();
    for (const p of poolObjects) {
      if (!p.name) throw ApiFault.validation('Pools must be named when creating a fully populated loadbalancer.');
      const isReference = Object.keys(p).every((k) => k === 'name');
      if (isReference) continue;
      if (definitions.has(p.name as string)) throw ApiFault.validation('Pool names must be unique when creating a fully populated loadbalancer.');
      for (const attr of ['protocol', 'lb_algorithm']) if (!p[attr]) throw ApiFault.validation(`Pool definition for '${p.name}' missing required attribute: ${attr}`);
      definitions.set(p.name as string, p);
    }
    for (const p of poolObjects) if (!definitions.has(p.name as string)) throw ApiFault.validation(`Pool '${p.name}' was referenced but no full definition was found.`);

    await unit.checkQuota(lb.projectId, 'pool', definitions.size);
    await unit.checkQuota(lb.projectId, 'listener', rawListeners.length);
    const poolsByName = new Map<string, PoolEntity>();
    let hmCount = 0;
    let memberCount = 0;
    for (const [name, def] of definitions) {
      const value = def as PoolGraphDto;
      const present = new Set(Object.keys(def));
      const pool = newPool(config, value as unknown as Record<string, unknown>, lb);
      await this.tls.checkPool(unit.ctx, lb.projectId, def);
      await em.insert(PoolEntity, pool);
      poolsByName.set(name, pool);
      if (present.has('healthmonitor') && value.healthmonitor) {
        hmCount++;
        const hmRaw = def.healthmonitor as Record<string, unknown>;
        await em.insert(HealthMonitorEntity, newHealthMonitor(config, value.healthmonitor as unknown as Record<string, unknown>, new Set(Object.keys(hmRaw)), { id: pool.id, projectId: lb.projectId, protocol: pool.protocol }));
      }
      const seen = new Set<string>();
      for (const m of value.members ?? []) {
        memberCount++;
        const key = `${m.address}:${m.protocol_port}`;
        if (seen.has(key)) throw ApiFault.conflict(`Another member on this pool is already using ip ${m.address} on protocol_port ${m.protocol_port}`);
        seen.add(key);
        await em.insert(MemberEntity, newMember(config, m as unknown as Record<string, unknown>, { id: pool.id, projectId: lb.projectId, hasMonitor: !!value.healthmonitor }));
      }
    }
    await unit.checkQuota(lb.projectId, 'health_monitor', hmCount);
    await unit.checkQuota(lb.projectId, 'member', memberCount);

    const ports = new Map<string, string>();
    for (const l of rawListeners) {
      const listener = newListener(config, l, { id: lb.id, projectId: lb.projectId, vips });
      await this.tls.checkListener(unit.ctx, lb.projectId, l);
      const portKey = `${l4Family(listener.protocol)}:${listener.protocolPort}`;
      if (ports.has(portKey)) throw ApiFault.conflict(`Another Listener on this Load Balancer is already using protocol ${ports.get(portKey)} and protocol_port ${listener.protocolPort}`);
      ports.set(portKey, listener.protocol);
      if (l.default_pool) {
        const pool = poolsByName.get((l.default_pool as Record<string, unknown>).name as string)!;
        checkPoolProtocol(listener.protocol, pool.protocol);
        listener.defaultPoolId = pool.id;
      }
      await em.insert(ListenerEntity, listener);
      let position = 1;
      for (const p of (l.l7policies as Record<string, unknown>[] | undefined) ?? []) {
        const present = new Set(Object.keys(p));
        const body: Record<string, unknown> = { ...p };
        if (p.redirect_pool) {
          const pool = poolsByName.get((p.redirect_pool as Record<string, unknown>).name as string)!;
          checkPoolProtocol(listener.protocol, pool.protocol);
          body.redirect_pool_id = pool.id;
          present.add('redirect_pool_id');
          delete body.redirect_pool;
        }
        const policy = newL7Policy(body, present, listener, position++);
        await em.insert(L7PolicyEntity, policy);
        for (const r of (p.rules as Record<string, unknown>[] | undefined) ?? []) await em.insert(L7RuleEntity, newL7Rule(r, policy));
      }
    }
  }

  async update(ctx: RequestContext, id: string, body: LoadBalancerUpdateDto, present: Set<string>) {
    const lb = await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforce(ctx, 'write', lb.projectId);
    return this.core.write(ctx, async (unit) => {
      const locked = await lockLoadBalancer(unit.em, id, { allowed: ['ACTIVE'], message: 'state', setTo: 'PENDING_UPDATE' });
      const changes: Partial<LoadBalancerEntity> = { updatedAt: new Date() };
      if (present.has('name')) changes.name = body.name ?? null;
      if (present.has('description')) changes.description = body.description ?? null;
      if (present.has('admin_state_up')) changes.enabled = !!body.admin_state_up;
      if (present.has('vip_qos_policy_id')) changes.vipQosPolicyId = body.vip_qos_policy_id ?? null;
      if (present.has('vip_sg_ids')) changes.vipSgIds = body.vip_sg_ids ?? [];
      if (present.has('tags') && body.tags !== null) changes.tags = body.tags;
      await unit.em.update(LoadBalancerEntity, { id }, changes);
      await unit.submit(this.driverOf(locked), { kind: 'loadbalancer.update', loadBalancerId: id, targetId: id });
      const [view] = await new TreeRepository(unit.em).loadBalancerViews([await unit.em.findOneByOrFail(LoadBalancerEntity, { id })]);
      return view;
    });
  }

  async delete(ctx: RequestContext, id: string, cascade: boolean): Promise<void> {
    const lb = await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforce(ctx, 'write', lb.projectId);
    await this.core.write(ctx, async (unit) => {
      const [{ n }] = await unit.em.query(
        `SELECT (SELECT count(*) FROM listener WHERE load_balancer_id = $1) + (SELECT count(*) FROM pool WHERE load_balancer_id = $1) AS n`, [id]);
      if (Number(n) > 0 && !cascade) throw ApiFault.validation(`Cannot delete Load Balancer ${id} - it has children`);
      const locked = await lockLoadBalancer(unit.em, id, { allowed: ['ACTIVE', 'ERROR'], message: 'state', setTo: 'PENDING_DELETE' });
      await unit.em.update(LoadBalancerEntity, { id }, { updatedAt: new Date() });
      if (locked.vipOctaviaOwned && locked.vipPortId && this.driverOf(locked) === 'noop_driver') await releasePort(unit.em, locked.vipPortId);
      await unit.submit(this.driverOf(locked), { kind: 'loadbalancer.delete', loadBalancerId: id, targetId: id, payload: { cascade } });
    });
  }

  async failover(ctx: RequestContext, id: string): Promise<void> {
    await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforce(ctx, 'admin');
    await this.core.write(ctx, async (unit) => {
      const lb = await lockLoadBalancer(unit.em, id, { allowed: ['ACTIVE', 'ERROR'], message: 'state', setTo: 'PENDING_UPDATE' });
      await unit.submit(this.driverOf(lb), { kind: 'loadbalancer.failover', loadBalancerId: id, targetId: id, priority: 160 });
    });
  }

  async stats(ctx: RequestContext, id: string) {
    const em = this.core.dataSource.manager;
    const lb = await this.find(em, id);
    this.core.policy.enforce(ctx, 'read', lb.projectId);
    const [row] = await em.query(
      `SELECT coalesce(sum(s.bytes_in),0)::bigint AS bytes_in, coalesce(sum(s.bytes_out),0)::bigint AS bytes_out,
              coalesce(sum(s.active_connections) FILTER (WHERE a.status = 'ALLOCATED' OR a.id IS NULL),0)::bigint AS active_connections,
              coalesce(sum(s.total_connections),0)::bigint AS total_connections, coalesce(sum(s.request_errors),0)::bigint AS request_errors
         FROM listener_statistics s JOIN listener l ON l.id = s.listener_id LEFT JOIN amphora a ON a.id = s.amphora_id
        WHERE l.load_balancer_id = $1`, [id]);
    return { stats: Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) };
  }

  async status(ctx: RequestContext, id: string) {
    const em = this.core.dataSource.manager;
    const lb = await this.find(em, id);
    this.core.policy.enforce(ctx, 'read', lb.projectId);
    return { statuses: { loadbalancer: await statusTree(em, lb) } };
  }

  driverOf(lb: LoadBalancerEntity): string {
    return !lb.provider || lb.provider === 'octavia' ? 'amphora' : lb.provider;
  }
}
