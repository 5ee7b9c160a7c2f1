import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { EntityManager } from 'typeorm';
import { AvailabilityZoneEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { ListSpec, applyListParams, buildLinks, parseListParams, selectFields } from '../../query/list-query';
import { isUniqueViolation, refuseNulls, rejectTagFilters } from '../providers/catalog-helpers';
import { AvailabilityZoneCreateDto, AvailabilityZoneUpdateDto } from './availability-zone.dto';

const SPEC: ListSpec = {
  alias: 'o',
  hasTags: false,
  defaultOrder: ['o.name'],
  fields: {
    name: { column: 'o.name' },
    description: { column: 'o.description' },
    enabled: { column: 'o.enabled', kind: 'bool' },
    availability_zone_profile_id: { column: 'o.availability_zone_profile_id' },
  },
};

export function azView(az: AvailabilityZoneEntity) {
  return { name: az.name, description: az.description ?? '', enabled: az.enabled, availability_zone_profile_id: az.availabilityZoneProfileId };
}

function fromRow(row: Record<string, any>): AvailabilityZoneEntity {
  return Object.assign(new AvailabilityZoneEntity(), { name: row.name, description: row.description, enabled: row.enabled, availabilityZoneProfileId: row.availability_zone_profile_id });
}

/** Availability zones (spec 9.12): keyed by name; everyone reads, admins write; in use by a load balancer → 409 on delete. */
@Injectable()
export class AvailabilityZoneService {
  constructor(private readonly core: ApiCore) {}

  /** The collection has no `id`: the marker is a name (AZ lists are short, so the window is cut in memory). */
  async list(req: Request, ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'read');
    rejectTagFilters(req);
    const params = parseListParams(req.query, SPEC, this.core.config.api.paginationMaxLimit);
    const qb = this.core.dataSource.manager.getRepository(AvailabilityZoneEntity).createQueryBuilder('o');
    await applyListParams(qb, SPEC, { ...params, marker: undefined, limit: null });
    const rows = await qb.getMany();
    let window = rows;
    if (params.marker !== undefined) {
      const at = rows.findIndex((r) => r.name === params.marker);
      if (at < 0) throw ApiFault.badRequest(`Supplied pagination marker '${params.marker}' is not valid.`);
      window = params.pageReverse ? rows.slice(0, at) : rows.slice(at + 1);
    }
    if (params.limit !== null) window = params.pageReverse ? window.slice(Math.max(0, window.length - params.limit)) : window.slice(0, params.limit);
    const views = window.map(azView);
    const links = buildLinks(req, this.core.config.api.apiBaseUri, params, views.map((v) => ({ id: v.name })));
    return { availability_zones: views.map((v) => selectFields(v, params.fields)), availability_zones_links: links };
  }

  async show(ctx: RequestContext, name: string) {
    this.core.policy.enforceOwnProject(ctx, 'read');
    return azView(await this.find(this.core.dataSource.manager, name));
  }

  async create(ctx: RequestContext, body: AvailabilityZoneCreateDto) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return this.core.dataSource.transaction(async (em) => {
      const [profile] = await em.query(`SELECT id FROM availability_zone_profile WHERE id = $1 FOR SHARE`, [body.availability_zone_profile_id]);
      if (!profile) throw ApiFault.invalidOption(body.availability_zone_profile_id, 'availability_zone_profile_id');
      const row = Object.assign(new AvailabilityZoneEntity(), {
        name: body.name, description: body.description ?? null, enabled: body.enabled ?? true, availabilityZoneProfileId: body.availability_zone_profile_id,
      });
      try {
        await em.insert(AvailabilityZoneEntity, row);
      } catch (err) {
        if (isUniqueViolation(err)) throw ApiFault.conflict(`A availability zone of ${body.name} already exists.`);
        throw err;
      }
      return azView(row);
    });
  }

  async update(ctx: RequestContext, name: string, body: AvailabilityZoneUpdateDto, raw: Record<string, unknown>) {
    refuseNulls(raw, ['enabled']);
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return this.core.dataSource.transaction(async (em) => {
      const current = await this.find(em, name, true);
      const next = Object.assign(new AvailabilityZoneEntity(), current, {
        description: 'description' in raw ? body.description ?? null : current.description,
        enabled: body.enabled ?? current.enabled,
      });
      await em.update(AvailabilityZoneEntity, { name }, { description: next.description, enabled: next.enabled });
      return azView(next);
    });
  }

  async delete(ctx: RequestContext, name: string): Promise<void> {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    await this.core.dataSource.transaction(async (em) => {
      await this.find(em, name, true);
      const [inUse] = await em.query(`SELECT 1 FROM load_balancer WHERE availability_zone = $1 AND provisioning_status <> 'DELETED' LIMIT 1`, [name]);
      if (inUse) throw ApiFault.conflict(`Availability Zone ${name} is in use and cannot be modified.`);
      await em.query(`UPDATE load_balancer SET availability_zone = NULL WHERE availability_zone = $1`, [name]);
      await em.delete(AvailabilityZoneEntity, { name });
    });
  }

  async find(em: EntityManager, name: string, lock = false): Promise<AvailabilityZoneEntity> {
    const [row] = await em.query(`SELECT * FROM availability_zone WHERE name = $1${lock ? ' FOR UPDATE' : ''}`, [name]);
    if (!row) throw ApiFault.notFound('Availability Zone', name);
    return fromRow(row);
  }
}
