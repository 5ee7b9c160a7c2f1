import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { EntityManager } from 'typeorm';
import { HealthMonitorEntity, PoolEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection, treeFields } from '../../core/collection';
import { ListSpec } from '../../query/list-query';
import { HealthMonitorCreateDto, HealthMonitorUpdateDto } from '../dto/dtos';
import { checkHealthMonitor, newHealthMonitor } from '../rules/pool.rules';
import { healthMonitorView } from '../views';
import { LoadBalancerService } from '../load-balancers/load-balancer.service';
import { findOr404 } from '../../core/child-lookup';
import { gatePoolTree, markPoolTree } from '../pools/pool-tree';
import { mergePut, putChanges } from '../pools/put-semantics';
import { HEALTH_MONITOR_PUT, HM_NOT_NULLABLE } from './health-monitor-put';

const HEALTH_MONITOR_SPEC: ListSpec = {
  alias: 'o',
  hasTags: true,
  defaultOrder: ['o.created_at', 'o.id'],
  fields: {
    ...treeFields('o'),
    name: { column: 'o.name' },
    type: { column: 'o.type' },
    delay: { column: 'o.delay', kind: 'int' },
    timeout: { column: 'o.timeout', kind: 'int' },
    max_retries: { column: 'o.rise_threshold', kind: 'int' },
    max_retries_down: { column: 'o.fall_threshold', kind: 'int' },
    http_method: { column: 'o.http_method' },
    url_path: { column: 'o.url_path' },
    expected_codes: { column: 'o.expected_codes' },
    http_version: { column: 'o.http_version', kind: 'float' },
    domain_name: { column: 'o.domain_name' },
    pool_id: { column: 'o.pool_id' },
  },
};

/** Health monitor routes (spec 9.5): at most one per pool; writes need the pool and its load balancer ACTIVE. */
@Injectable()
export class HealthMonitorService {
  constructor(private readonly core: ApiCore, private readonly loadBalancers: LoadBalancerService) {}

  async list(req: Request, ctx: RequestContext) {
    const { items, links } = await listCollection({
      req, ctx, em: this.core.dataSource.manager, entity: HealthMonitorEntity, spec: HEALTH_MONITOR_SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      projectColumn: 'o.project_id',
      render: async (rows) => rows.map(healthMonitorView),
    });
    return { healthmonitors: items, healthmonitors_links: links };
  }

  find(em: EntityManager, id: string): Promise<HealthMonitorEntity> {
    return findOr404(em, HealthMonitorEntity, 'Health Monitor', id);
  }

  async show(ctx: RequestContext, id: string) {
    const hm = await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforce(ctx, 'read', hm.projectId);
    return healthMonitorView(hm);
  }

  async create(ctx: RequestContext, body: HealthMonitorCreateDto, present: Set<string>) {
    const em = this.core.dataSource.manager;
    const pool = await findOr404(em, PoolEntity, 'Pool', body.pool_id);
    this.core.policy.enforce(ctx, 'write', pool.projectId);
    // Type/pool-protocol rules come before quota and gates upstream; the per-type field checks after them.
    checkHealthMonitor(this.core.config, { type: body.type, delay: body.delay }, pool.protocol, new Set());
    return this.core.write(ctx, async (unit) => {
      await unit.checkQuota(pool.projectId, 'health_monitor');
      const { lb } = await gatePoolTree(unit.em, pool.id, true);
      const hm = newHealthMonitor(this.core.config, body as unknown as Record<string, unknown>, present, {
        id: pool.id, projectId: pool.projectId, protocol: pool.protocol,
      });
      if (await unit.em.countBy(HealthMonitorEntity, { poolId: pool.id })) throw ApiFault.conflict('This pool already has a health monitor');
      await unit.em.insert(HealthMonitorEntity, hm);
      await markPoolTree(unit.em, lb, pool.id, 'PENDING_UPDATE');
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'healthmonitor.create', loadBalancerId: lb.id, targetId: hm.id });
      return healthMonitorView(await this.find(unit.em, hm.id));
    });
  }

  async update(ctx: RequestContext, id: string, body: HealthMonitorUpdateDto, present: Set<string>) {
    const em = this.core.dataSource.manager;
    const stored = await this.find(em, id);
    const pool = await findOr404(em, PoolEntity, 'Pool', stored.poolId);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    const sent = body as Record<string, unknown>;
    for (const key of HM_NOT_NULLABLE) if (present.has(key) && sent[key] == null) throw ApiFault.invalidOption('None', key);
    // Upstream validates a health monitor update entirely before the gates.
    this.checkMerged(stored, pool, body, present);
    return this.core.write(ctx, async (unit) => {
      const { lb } = await gatePoolTree(unit.em, pool.id, true);
      const current = await this.find(unit.em, id);
      const merged = this.checkMerged(current, pool, body, present);
      await unit.em.update(HealthMonitorEntity, { id }, {
        ...putChanges(HEALTH_MONITOR_PUT, merged, present), provisioningStatus: 'PENDING_UPDATE', updatedAt: new Date(),
      });
      await markPoolTree(unit.em, lb, pool.id, 'PENDING_UPDATE');
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'healthmonitor.update', loadBalancerId: lb.id, targetId: id });
      return healthMonitorView(await this.find(unit.em, id));
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const stored = await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    await this.core.write(ctx, async (unit) => {
      const { lb } = await gatePoolTree(unit.em, stored.poolId, true);
      await unit.em.update(HealthMonitorEntity, { id }, { provisioningStatus: 'PENDING_DELETE', updatedAt: new Date() });
      await markPoolTree(unit.em, lb, stored.poolId, 'PENDING_UPDATE');
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'healthmonitor.delete', loadBalancerId: lb.id, targetId: id });
    });
  }

  /** The stored monitor with the PUT applied, checked as a whole (type is immutable, so it comes from the row). */
  private checkMerged(hm: HealthMonitorEntity, pool: PoolEntity, body: HealthMonitorUpdateDto, present: Set<string>): Record<string, unknown> {
    const merged = { ...mergePut(HEALTH_MONITOR_PUT, hm, body, present), type: hm.type };
    checkHealthMonitor(this.core.config, merged, pool.protocol, present);
    return merged;
  }
}
