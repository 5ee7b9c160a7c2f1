import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AvailabilityZoneProfileEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection } from '../../core/collection';
import { ListSpec } from '../../query/list-query';
import { UUID_RE } from '../../validation/fields';
import { NIL_UUID, parseMetadata, refuseNulls, rejectTagFilters } from '../providers/catalog-helpers';
import { ProviderCatalog } from '../providers/provider-catalog';
import { AvailabilityZoneProfileCreateDto, AvailabilityZoneProfileUpdateDto } from './availability-zone.dto';

const SPEC: ListSpec = {
  alias: 'o',
  hasTags: false,
  defaultOrder: ['o.id'],
  fields: {
    id: { column: 'o.id' },
    name: { column: 'o.name' },
    provider_name: { column: 'o.provider_name' },
    availability_zone_data: { column: 'o.availability_zone_data' },
  },
};

export function azProfileView(p: AvailabilityZoneProfileEntity) {
  return { id: p.id, name: p.name, provider_name: p.providerName, availability_zone_data: p.availabilityZoneData };
}

/** Availability zone profiles (spec 9.13): admin only; the provider checks the data; in use by an AZ → 409. */
@Injectable()
export class AvailabilityZoneProfileService {
  constructor(private readonly core: ApiCore, private readonly providers: ProviderCatalog) {}

  async list(req: Request, ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    rejectTagFilters(req);
    const { items, links } = await listCollection({
      req, ctx, em: this.core.dataSource.manager, entity: AvailabilityZoneProfileEntity, spec: SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      scope: (qb) => qb.andWhere('o.id <> :nil', { nil: NIL_UUID }),
      render: async (rows) => rows.map(azProfileView),
    });
    return { availability_zone_profiles: items, availability_zone_profile_links: links };
  }

  async show(ctx: RequestContext, id: string) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return azProfileView(await this.find(id));
  }

  async create(ctx: RequestContext, body: AvailabilityZoneProfileCreateDto) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    this.checkData(body.provider_name, body.availability_zone_data);
    const row = Object.assign(new AvailabilityZoneProfileEntity(), {
      id: randomUUID(), name: body.name, providerName: body.provider_name, availabilityZoneData: body.availability_zone_data,
    });
    await this.core.dataSource.manager.insert(AvailabilityZoneProfileEntity, row);
    return azProfileView(row);
  }

  async update(ctx: RequestContext, id: string, body: AvailabilityZoneProfileUpdateDto, raw: Record<string, unknown>) {
    refuseNulls(raw, ['name', 'provider_name', 'availability_zone_data']);
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return this.core.dataSource.transaction(async (em) => {
      const current = await this.find(id, true, em);
      const changesDriverData = 'provider_name' in raw || 'availability_zone_data' in raw;
      if (changesDriverData) await this.checkNotInUse(em, id);
      const next = Object.assign(new AvailabilityZoneProfileEntity(), current, {
        name: body.name ?? current.name,
        providerName: body.provider_name ?? current.providerName,
        availabilityZoneData: body.availability_zone_data ?? current.availabilityZoneData,
      });
      if (changesDriverData) this.checkData(next.providerName, next.availabilityZoneData);
      await em.update(AvailabilityZoneProfileEntity, { id }, { name: next.name, providerName: next.providerName, availabilityZoneData: next.availabilityZoneData });
      return azProfileView(next);
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    await this.core.dataSource.transaction(async (em) => {
      await this.find(id, true, em);
      await this.checkNotInUse(em, id);
      await em.delete(AvailabilityZoneProfileEntity, { id });
    });
  }

  private async checkNotInUse(em: import('typeorm').EntityManager, id: string): Promise<void> {
    const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM availability_zone WHERE availability_zone_profile_id = $1`, [id]);
    if (n > 0) throw ApiFault.conflict(`Availability Zone Profile ${id} is in use and cannot be modified.`);
  }

  private checkData(provider: string, data: string): void {
    this.providers.driverOf(provider);
    this.providers.validate(provider, 'availabilityZone', parseMetadata(data, 'availability_zone_data'));
  }

  async find(id: string, lock = false, em = this.core.dataSource.manager): Promise<AvailabilityZoneProfileEntity> {
    if (!UUID_RE.test(id) || id === NIL_UUID) throw ApiFault.notFound('Availability Zone Profile', id);
    const [row] = await em.query(`SELECT * FROM availability_zone_profile WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!row) throw ApiFault.notFound('Availability Zone Profile', id);
    return Object.assign(new AvailabilityZoneProfileEntity(), { id: row.id, name: row.name, providerName: row.provider_name, availabilityZoneData: row.availability_zone_data });
  }
}
