import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { EntityManager } from 'typeorm';
import { l4Family } from '../../../../../libs/common/src';
import { ListenerEntity, LoadBalancerEntity, PoolEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection, treeFields } from '../../core/collection';
import { ListSpec } from '../../query/list-query';
import { ListenerCreateDto, ListenerUpdateDto } from '../dto/dtos';
import { checkInsertHeaders, checkListener, newListener, normaliseCidrs } from '../rules/listener.rules';
import { checkPoolProtocol } from '../rules/pool.rules';
import { TreeRepository, lockLoadBalancer } from '../tree.repository';
import { LoadBalancerService } from '../load-balancers/load-balancer.service';
import { findOr404 } from '../../core/child-lookup';
import { mergePut, putChanges } from '../pools/put-semantics';
import { listenerPutTable } from './listener-put';
import { TlsReferenceValidator } from '../certificates/tls-reference.validator';

const LISTENER_SPEC: ListSpec = {
  alias: 'o',
  hasTags: true,
  defaultOrder: ['o.created_at', 'o.id'],
  fields: {
    ...treeFields('o'),
    name: { column: 'o.name' },
    description: { column: 'o.description' },
    protocol: { column: 'o.protocol' },
    protocol_port: { column: 'o.protocol_port', kind: 'int' },
    connection_limit: { column: 'o.connection_limit', kind: 'int' },
    default_pool_id: { column: 'o.default_pool_id' },
    loadbalancer_id: { column: 'o.load_balancer_id' },
    default_tls_container_ref: { column: 'o.default_tls_container_ref' },
    sni_container_refs: { column: 'o.sni_container_refs', kind: 'array', sortable: false },
    client_ca_tls_container_ref: { column: 'o.client_ca_tls_container_ref' },
    client_authentication: { column: 'o.client_authentication' },
    client_crl_container_ref: { column: 'o.client_crl_container_ref' },
    timeout_client_data: { column: 'o.timeout_client_data', kind: 'int' },
    timeout_member_connect: { column: 'o.timeout_member_connect', kind: 'int' },
    timeout_member_data: { column: 'o.timeout_member_data', kind: 'int' },
    timeout_tcp_inspect: { column: 'o.timeout_tcp_inspect', kind: 'int' },
    allowed_cidrs: { column: 'o.allowed_cidrs', kind: 'array', sortable: false },
    tls_ciphers: { column: 'o.tls_ciphers' },
    tls_versions: { column: 'o.tls_versions', kind: 'array', sortable: false },
    alpn_protocols: { column: 'o.alpn_protocols', kind: 'array', sortable: false },
    hsts_max_age: { column: 'o.hsts_max_age', kind: 'int' },
    hsts_include_subdomains: { column: 'o.hsts_include_subdomains', kind: 'bool' },
    hsts_preload: { column: 'o.hsts_preload', kind: 'bool' },
  },
};

/** Listener routes (spec 9.2): validation order of 6.4, the LB gate of 7.4 and the status changes of 7.3. */
@Injectable()
export class ListenerService {
  constructor(private readonly core: ApiCore, private readonly loadBalancers: LoadBalancerService, private readonly tls: TlsReferenceValidator) {}

  async list(req: Request, ctx: RequestContext) {
    const em = this.core.dataSource.manager;
    const tree = new TreeRepository(em);
    const { items, links } = await listCollection({
      req, ctx, em, entity: ListenerEntity, spec: LISTENER_SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      projectColumn: 'o.project_id',
      render: (rows) => tree.listenerViews(rows),
    });
    return { listeners: items, listeners_links: links };
  }

  find(em: EntityManager, id: string): Promise<ListenerEntity> {
    return findOr404(em, ListenerEntity, 'Listener', id);
  }

  async show(ctx: RequestContext, id: string) {
    const em = this.core.dataSource.manager;
    const listener = await this.find(em, id);
    this.core.policy.enforce(ctx, 'read', listener.projectId);
    const [view] = await new TreeRepository(em).listenerViews([listener]);
    return view;
  }

  async create(ctx: RequestContext, body: ListenerCreateDto) {
    // The graph-only keys belong to the fully populated load balancer create (spec 9.2.1).
    for (const key of ['default_pool', 'l7policies'] as const) {
      const v = body[key];
      if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) {
        throw ApiFault.validation(`${key} is only accepted when creating a fully populated load balancer.`);
      }
    }
    const em = this.core.dataSource.manager;
    const lb = await this.loadBalancers.find(em, body.loadbalancer_id);
    this.core.policy.enforce(ctx, 'write', lb.projectId);
    if (body.default_pool_id) await this.checkDefaultPool(em, lb.id, body.protocol, body.default_pool_id);
    return this.core.write(ctx, async (unit) => {
      await unit.checkQuota(lb.projectId, 'listener');
      const locked = await lockLoadBalancer(unit.em, lb.id, { allowed: ['ACTIVE'], message: 'immutable', setTo: 'PENDING_UPDATE' });
      // Upstream runs the TLS/header/CIDR checks after the gate: a busy load balancer answers 409 first.
      this.checkCidrsAllowed(locked, body.allowed_cidrs);
      const listener = newListener(this.core.config, body as unknown as Record<string, unknown>, {
        id: lb.id, projectId: lb.projectId, vips: await this.vipAddresses(unit.em, locked),
      });
      await this.checkPortFree(unit.em, lb.id, listener.protocol, listener.protocolPort);
      await this.tls.checkListener(ctx, lb.projectId, body);
      await unit.em.insert(ListenerEntity, listener);
      await unit.submit(this.loadBalancers.driverOf(locked), { kind: 'listener.create', loadBalancerId: lb.id, targetId: listener.id });
      const [view] = await new TreeRepository(unit.em).listenerViews([listener]);
      return view;
    });
  }

  async update(ctx: RequestContext, id: string, body: ListenerUpdateDto, present: Set<string>) {
    const em = this.core.dataSource.manager;
    const stored = await this.find(em, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    if (present.has('default_pool_id') && body.default_pool_id) {
      await this.checkDefaultPool(em, stored.loadBalancerId, stored.protocol, body.default_pool_id);
    }
    return this.core.write(ctx, async (unit) => {
      const locked = await lockLoadBalancer(unit.em, stored.loadBalancerId, { allowed: ['ACTIVE'], message: 'immutable', setTo: 'PENDING_UPDATE' });
      const current = await this.find(unit.em, id);
      const table = listenerPutTable(this.core.config);
      // Checks run on the merged state, so stored CA/certificates/HSTS settings count as well as the new ones.
      const merged: Record<string, unknown> = { ...mergePut(table, current, body, present), protocol: current.protocol };
      checkListener(this.core.config, merged, true);
      await this.tls.checkListener(ctx, stored.projectId, merged, present);
      merged.insert_headers = checkInsertHeaders(current.protocol, merged.insert_headers, true);
      if (present.has('allowed_cidrs')) {
        this.checkCidrsAllowed(locked, body.allowed_cidrs);
        merged.allowed_cidrs = normaliseCidrs(merged.allowed_cidrs, await this.vipAddresses(unit.em, locked));
      }
      await unit.em.update(ListenerEntity, { id }, {
        ...putChanges(table, merged, present), provisioningStatus: 'PENDING_UPDATE', updatedAt: new Date(),
      });
      await unit.submit(this.loadBalancers.driverOf(locked), { kind: 'listener.update', loadBalancerId: locked.id, targetId: id });
      const [view] = await new TreeRepository(unit.em).listenerViews([await this.find(unit.em, id)]);
      return view;
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const stored = await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforce(ctx, 'write', stored.projectId);
    await this.core.write(ctx, async (unit) => {
      const locked = await lockLoadBalancer(unit.em, stored.loadBalancerId, { allowed: ['ACTIVE'], message: 'immutable', setTo: 'PENDING_UPDATE' });
      // The L7 policies go with the listener; its default pool stays on the load balancer (spec 9.2.4).
      await unit.em.update(ListenerEntity, { id }, { provisioningStatus: 'PENDING_DELETE', updatedAt: new Date() });
      await unit.submit(this.loadBalancers.driverOf(locked), { kind: 'listener.delete', loadBalancerId: locked.id, targetId: id });
    });
  }

  /** Counters summed over the amphorae; active connections only from amphorae in service (spec 9.1.7). */
  async stats(ctx: RequestContext, id: string) {
    const em = this.core.dataSource.manager;
    const listener = await this.find(em, id);
    this.core.policy.enforce(ctx, 'read', listener.projectId);
    const [row] = await em.query(
      `SELECT coalesce(sum(s.bytes_in),0)::bigint AS bytes_in, coalesce(sum(s.bytes_out),0)::bigint AS bytes_out,
              coalesce(sum(s.active_connections) FILTER (WHERE a.status = 'ALLOCATED' OR a.id IS NULL),0)::bigint AS active_connections,
              coalesce(sum(s.total_connections),0)::bigint AS total_connections, coalesce(sum(s.request_errors),0)::bigint AS request_errors
         FROM listener_statistics s LEFT JOIN amphora a ON a.id = s.amphora_id
        WHERE s.listener_id = $1`, [id]);
    return { stats: Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) };
  }

  /** `default_pool_id` must name a pool of the same load balancer whose protocol the listener can use (spec 9.2.2). */
  private async checkDefaultPool(em: EntityManager, lbId: string, listenerProtocol: string, poolId: string): Promise<void> {
    if (listenerProtocol === 'PROMETHEUS') throw ApiFault.badRequest('Protocol PROMETHEUS listeners cannot have child objects.');
    const pool = await findOr404(em, PoolEntity, 'Pool', poolId);
    if (pool.loadBalancerId !== lbId) throw ApiFault.notFound('Pool', poolId);
    checkPoolProtocol(listenerProtocol, pool.protocol);
  }

  private checkCidrsAllowed(lb: LoadBalancerEntity, cidrs: unknown): void {
    if (Array.isArray(cidrs) && cidrs.length && lb.vipSgIds?.length) {
      throw ApiFault.validation('Allowed CIDRs are not allowed when using custom VIP Security Groups.');
    }
  }

  /** Two listeners of one load balancer may not share a port within one L4 family (spec 10.3). */
  private async checkPortFree(em: EntityManager, lbId: string, protocol: string, port: number): Promise<void> {
    const sameport = await em.find(ListenerEntity, { where: { loadBalancerId: lbId, protocolPort: port } });
    const clash = sameport.find((l) => l4Family(l.protocol) === l4Family(protocol));
    if (clash) throw ApiFault.conflict(`Another Listener on this Load Balancer is already using protocol ${clash.protocol} and protocol_port ${port}`);
  }

  /** The primary and additional VIP addresses, against which `allowed_cidrs` IP versions are checked. */
  private async vipAddresses(em: EntityManager, lb: LoadBalancerEntity): Promise<string[]> {
    const extra: Array<{ ip_address: string | null }> = await em.query(`SELECT ip_address FROM additional_vip WHERE load_balancer_id = $1`, [lb.id]);
    return [lb.vipAddress, ...extra.map((v) => v.ip_address)].filter((a): a is string => !!a);
  }
}
