import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { EntityManager } from 'typeorm';
import { AmphoraEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection } from '../../core/collection';
import { ListSpec } from '../../query/list-query';
import { UUID_RE } from '../../validation/fields';
import { lockLoadBalancer } from '../tree.repository';
import { amphoraView } from './amphora.view';

/** Amphorae belong to the amphora provider whatever the load balancer's provider: their flows go to the worker. */
const AMPHORA_DRIVER = 'amphora';

const AMPHORA_SPEC: ListSpec = {
  alias: 'o',
  hasTags: false,
  defaultOrder: ['o.created_at', 'o.id'],
  fields: {
    id: { column: 'o.id' },
    loadbalancer_id: { column: 'o.load_balancer_id' },
    compute_id: { column: 'o.compute_id' },
    lb_network_ip: { column: 'o.lb_network_ip' },
    vrrp_ip: { column: 'o.vrrp_ip' },
    ha_ip: { column: 'o.ha_ip' },
    vrrp_port_id: { column: 'o.vrrp_port_id' },
    ha_port_id: { column: 'o.ha_port_id' },
    cert_expiration: { column: 'o.cert_expiration' },
    cert_busy: { column: 'o.cert_busy', kind: 'bool' },
    role: { column: 'o.role' },
    status: { column: 'o.status' },
    vrrp_interface: { column: 'o.vrrp_interface' },
    vrrp_id: { column: 'o.vrrp_id', kind: 'int' },
    vrrp_priority: { column: 'o.vrrp_priority', kind: 'int' },
    cached_zone: { column: 'o.cached_zone' },
    created_at: { column: 'o.created_at' },
    updated_at: { column: 'o.updated_at' },
    image_id: { column: 'o.image_id' },
    compute_flavor: { column: 'o.compute_flavor' },
    // matched against the project of the amphora's load balancer (spec 9.14)
    project_id: { column: '(SELECT lb.project_id FROM load_balancer lb WHERE lb.id = o.load_balancer_id)' },
  },
};

/** The admin-only amphora API under `/v2/octavia/amphorae` (spec 9.14). */
@Injectable()
export class AmphoraService {
  constructor(private readonly core: ApiCore) {}

  async list(req: Request, ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    if (['tags', 'tags-any', 'not-tags', 'not-tags-any'].some((k) => k in req.query)) {
      throw ApiFault.badRequest('One or more arguments are either duplicate or invalid');
    }
    const { items, links } = await listCollection({
      req, ctx, em: this.core.dataSource.manager, entity: AmphoraEntity, spec: AMPHORA_SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      scope: (qb) => qb.andWhere(`o.status <> 'DELETED'`),
      render: async (rows) => rows.map(amphoraView),
    });
    return { amphorae: items, amphorae_links: links };
  }

  /** An amphora that is not DELETED, or `Amphora <id> not found.` (404). */
  async find(em: EntityManager, id: string, lock = false): Promise<AmphoraEntity> {
    const amp = UUID_RE.test(id) ? await em.findOne(AmphoraEntity, { where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) }) : null;
    if (!amp || amp.status === 'DELETED') throw ApiFault.notFound('Amphora', id);
    return amp;
  }

  async show(ctx: RequestContext, id: string) {
    const amp = await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return amphoraView(amp);
  }

  /** One element per listener the amphora reports for; none at all (or no such amphora) is a 404. */
  async stats(ctx: RequestContext, id: string) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    const rows: Array<Record<string, string | number>> = UUID_RE.test(id)
      ? await this.core.dataSource.manager.query(
        `SELECT s.amphora_id AS id, s.listener_id, coalesce(l.load_balancer_id, a.load_balancer_id) AS loadbalancer_id,
                s.active_connections, s.bytes_in, s.bytes_out, s.request_errors, s.total_connections
           FROM listener_statistics s
           JOIN amphora a ON a.id = s.amphora_id
           LEFT JOIN listener l ON l.id = s.listener_id
          WHERE s.amphora_id = $1 AND a.status <> 'DELETED'
          ORDER BY s.listener_id`, [id])
      : [];
    if (!rows.length) throw ApiFault.notFound('Amphora stats for', id);
    return {
      amphora_stats: rows.map((r) => ({
        active_connections: Number(r.active_connections),
        bytes_in: Number(r.bytes_in),
        bytes_out: Number(r.bytes_out),
        id: r.id,
        listener_id: r.listener_id,
        loadbalancer_id: r.loadbalancer_id,
        request_errors: Number(r.request_errors),
        total_connections: Number(r.total_connections),
      })),
    };
  }

  /** `PUT .../config`: the worker pushes the agent configuration again; no status changes (spec 9.14). */
  async configure(ctx: RequestContext, id: string): Promise<void> {
    await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforceOwnProject(ctx, 'admin');
    await this.core.write(ctx, async (unit) => {
      const amp = await this.find(unit.em, id);
      await unit.submit(AMPHORA_DRIVER, { kind: 'amphora.config', loadBalancerId: amp.loadBalancerId, targetId: amp.id });
    });
  }

  /**
   * `PUT .../failover`: the amphora's load balancer must be ACTIVE and goes PENDING_UPDATE (409 otherwise,
   * spec 7.4); the flow goes ahead of builds (priority 160). A spare amphora (no load balancer) has no gate.
   */
  async failover(ctx: RequestContext, id: string): Promise<void> {
    await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforceOwnProject(ctx, 'admin');
    await this.core.write(ctx, async (unit) => {
      const amp = await this.find(unit.em, id);
      if (amp.loadBalancerId) {
        await lockLoadBalancer(unit.em, amp.loadBalancerId, { allowed: ['ACTIVE'], message: 'immutable', setTo: 'PENDING_UPDATE' });
      }
      await unit.submit(AMPHORA_DRIVER, { kind: 'amphora.failover', loadBalancerId: amp.loadBalancerId, targetId: amp.id, priority: 160 });
    });
  }

  /** DELETE: only an amphora in ERROR (409 otherwise); it goes PENDING_DELETE and the worker removes it. */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.find(this.core.dataSource.manager, id);
    this.core.policy.enforceOwnProject(ctx, 'admin');
    await this.core.write(ctx, async (unit) => {
      const amp = await this.find(unit.em, id, true);
      if (amp.status !== 'ERROR') throw ApiFault.immutable('amphora', id);
      await unit.em.update(AmphoraEntity, { id }, { status: 'PENDING_DELETE', updatedAt: new Date() });
      await unit.submit(AMPHORA_DRIVER, { kind: 'amphora.delete', loadBalancerId: amp.loadBalancerId, targetId: amp.id });
    });
  }
}
