import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { EntityManager } from 'typeorm';
import { ListenerEntity, LoadBalancerEntity, PoolEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection, treeFields } from '../../core/collection';
import { ListSpec } from '../../query/list-query';
import { PoolCreateDto, PoolUpdateDto } from '../dto/dtos';
import { checkPoolProtocol, checkPoolTls, checkSessionPersistence, newPool } from '../rules/pool.rules';
import { TreeRepository, lockLoadBalancer } from '../tree.repository';
import { LoadBalancerService } from '../load-balancers/load-balancer.service';
import { findOr404 } from '../../core/child-lookup';
import { gatePoolTree, markPoolTree } from './pool-tree';
import { mergeSessionPersistence, poolPutTable } from './pool-put';
import { mergePut, putChanges } from './put-semantics';
import { TlsReferenceValidator } from '../certificates/tls-reference.validator';

const POOL_SPEC: ListSpec = {
  alias: 'o',
  hasTags: true,
  defaultOrder: ['o.created_at', 'o.id'],
  fields: {
    ...treeFields('o'),
    name: { column: 'o.name' },
    description: { column: 'o.description' },
    protocol: { column: 'o.protocol' },
    lb_algorithm: { column: 'o.lb_algorithm' },
    loadbalancer_id: { column: 'o.load_balancer_id' },
    healthmonitor_id: { column: '(SELECT h.id FROM health_monitor h WHERE h.pool_id = o.id)', sortable: false },
    tls_enabled: { column: 'o.tls_enabled', kind: 'bool' },
    tls_container_ref: { column: 'o.tls_container_ref' },
    ca_tls_container_ref: { column: 'o.ca_tls_container_ref' },
    crl_container_ref: { column: 'o.crl_container_ref' },
    tls_ciphers: { column: 'o.tls_ciphers' },
    tls_versions: { column: 'o.tls_versions', kind: 'array', sortable: false },
    alpn_protocols: { column: 'o.alpn_protocols', kind: 'array', sortable: false },
  },
};

/** Pool routes (spec 9.3): a pool hangs off a load balancer, optionally as a listener's default pool. */
@Injectable()
export class PoolService {
  constructor(private readonly core: ApiCore, private readonly loadBalancers: LoadBalancerService, private readonly tls: TlsReferenceValidator) {}

  async list(req: Request, ctx: RequestContext) {
    const em = this.core.dataSource.manager;
    const tree = new TreeRepository(em);
    const { items, links } = await listCollection({
      req, ctx, em, entity: PoolEntity, spec: POOL_SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      projectColumn: 'o.project_id',
      render: (rows) => tree.poolViews(rows),
    });
    return { pools: items, pools_links: links };
  }

  find(em: EntityManager, id: string): Promise<PoolEntity> {
    return findOr404(em, PoolEntity, 'Pool', id);
  }

  async show(ctx: RequestContext, id: string) {
    const em = this.core.dataSource.manager;
    const pool = await this.find(em, id);
    this.core.policy.enforce(ctx, 'read', pool.projectId);
    return this.view(em, pool.id);
  }

  async create(ctx: RequestContext, body: PoolCreateDto) {
    if (!body.loadbalancer_id && !body.listener_id) throw ApiFault.validation('Must provide at least one of: loadbalancer_id, listener_id');
    const em = this.core.dataSource.manager;
    const lb = body.loadbalancer_id ? await this.loadBalancers.find(em, body.loadbalancer_id) : null;
    const listener = body.listener_id ? await findOr404(em, ListenerEntity, 'Listener', body.listener_id) : null;
    if (lb && listener && listener.loadBalancerId !== lb.id) {
      throw ApiFault.validation(`Listener ${listener.id} does not belong to load balancer ${lb.id}.`);
    }
    const owner = lb ?? (await this.loadBalancers.find(em, listener!.loadBalancerId));
    this.core.policy.enforce(ctx, 'write', owner.projectId);
    if (listener) checkPoolProtocol(listener.protocol, body.protocol);
    checkSessionPersistence(body.protocol, body.session_persistence, null, false);
    return this.core.write(ctx, async (unit) => {
      await unit.checkQuota(owner.projectId, 'pool');
      const locked = await lockLoadBalancer(unit.em, owner.id, { allowed: ['ACTIVE'], message: 'immutable', setTo: 'PENDING_UPDATE' });
      if (listener) {
        const current = await findOr404(unit.em, ListenerEntity, 'Listener', listener.id);
        if (current.defaultPoolId) throw ApiFault.conflict('This listener already has a default pool');
      }
      // TLS reference/cipher/version checks come after the gate upstream.
      const pool = newPool(this.core.config, body as unknown as Record<string, unknown>, { id: owner.id, projectId: owner.projectId });
      this.checkProviderAlgorithm(locked, pool.lbAlgorithm);
      await this.tls.checkPool(ctx, owner.projectId, body);
      await unit.em.insert(PoolEntity, pool);
      if (listener) {
        await unit.em.update(ListenerEntity, { id: listener.id }, { defaultPoolId: pool.id, provisioningStatus: 'PENDING_UPDATE' });
      }
      await unit.submit(this.loadBalancers.driverOf(locked), { kind: 'pool.create', loadBalancerId: owner.id, targetId: pool.id });
      return this.view(unit.em, pool.id);
    });
  }

  async update(ctx: RequestContext, id: string, body: PoolUpdateDto, present: Set<string>) {
    if (present.has('lb_algorithm') && (body.lb_algorithm === null || body.lb_algorithm === undefined)) {
      throw ApiFault.invalidOption('None', 'lb_algorithm');
    }
    const stored = await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    let persistence = stored.sessionPersistence;
    if (present.has('session_persistence')) {
      persistence = body.session_persistence
        ? checkSessionPersistence(stored.protocol, mergeSessionPersistence(body.session_persistence, stored.sessionPersistence), stored.sessionPersistence, true)
        : null;
    }
    return this.core.write(ctx, async (unit) => {
      const { lb, pool } = await gatePoolTree(unit.em, id, false);
      const table = poolPutTable(this.core.config);
      const merged = mergePut(table, pool, body, present);
      if (present.has('ca_tls_container_ref') && !merged.ca_tls_container_ref && merged.crl_container_ref) {
        throw ApiFault.validation('A CA reference cannot be removed when a certificate revocation list is present.');
      }
      // On PUT the cipher/version/ALPN rules apply to what was sent (spec 9.3.3).
      const sent = (k: string) => (present.has(k) ? merged[k] : undefined);
      checkPoolTls(this.core.config, {
        crl_container_ref: merged.crl_container_ref, ca_tls_container_ref: merged.ca_tls_container_ref,
        tls_ciphers: sent('tls_ciphers'), tls_versions: sent('tls_versions'), alpn_protocols: sent('alpn_protocols'),
      });
      if (present.has('lb_algorithm')) this.checkProviderAlgorithm(lb, merged.lb_algorithm as string);
      await this.tls.checkPool(ctx, lb.projectId, merged, present);
      await markPoolTree(unit.em, lb, id, 'PENDING_UPDATE');
      await unit.em.update(PoolEntity, { id }, { ...putChanges(table, merged, present), sessionPersistence: persistence, updatedAt: new Date() });
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'pool.update', loadBalancerId: lb.id, targetId: id });
      return this.view(unit.em, id);
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const em = this.core.dataSource.manager;
    const stored = await this.find(em, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    await this.checkNotRedirectTarget(em, id);
    await this.core.write(ctx, async (unit) => {
      const { lb } = await gatePoolTree(unit.em, id, false);
      // again under the load balancer lock, in case an L7 policy started to use the pool meanwhile
      await this.checkNotRedirectTarget(unit.em, id);
      // Members and health monitor go with the pool; a listener's default_pool_id is cleared when it is gone.
      await markPoolTree(unit.em, lb, id, 'PENDING_DELETE');
      await unit.em.update(PoolEntity, { id }, { updatedAt: new Date() });
      await unit.submit(this.loadBalancers.driverOf(lb), { kind: 'pool.delete', loadBalancerId: lb.id, targetId: id });
    });
  }

  private async view(em: EntityManager, id: string) {
    const [view] = await new TreeRepository(em).poolViews([await this.find(em, id)]);
    return view;
  }

  private async checkNotRedirectTarget(em: EntityManager, poolId: string): Promise<void> {
    const [policy] = await em.query(`SELECT id FROM l7policy WHERE redirect_pool_id = $1 ORDER BY created_at, id LIMIT 1`, [poolId]);
    if (policy) throw ApiFault.conflict(`Pool ${poolId} is in use by L7 policy ${policy.id}`);
  }

  /** The amphora provider's own option check (spec 9.3.3): it has no SOURCE_IP_PORT balancing. */
  private checkProviderAlgorithm(lb: LoadBalancerEntity, algorithm: string): void {
    const provider = this.loadBalancers.driverOf(lb);
    if (provider === 'amphora' && algorithm === 'SOURCE_IP_PORT') {
      throw new ApiFault(501, `Provider '${provider}' does not support a requested option: Amphora provider does not support SOURCE_IP_PORT algorithm.`);
    }
  }
}
