import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { FlavorProfileEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection } from '../../core/collection';
import { ListSpec } from '../../query/list-query';
import { UUID_RE } from '../../validation/fields';
import { NIL_UUID, parseMetadata, refuseNulls, rejectTagFilters } from '../providers/catalog-helpers';
import { ProviderCatalog } from '../providers/provider-catalog';
import { FlavorProfileCreateDto, FlavorProfileUpdateDto } from './flavor.dto';

const SPEC: ListSpec = {
  alias: 'o',
  hasTags: false,
  defaultOrder: ['o.id'],
  fields: {
    id: { column: 'o.id' },
    name: { column: 'o.name' },
    provider_name: { column: 'o.provider_name' },
    flavor_data: { column: 'o.flavor_data' },
  },
};

export function flavorProfileView(p: FlavorProfileEntity) {
  return { id: p.id, name: p.name, provider_name: p.providerName, flavor_data: p.flavorData };
}

/** Flavor profiles (spec 9.11): admin only; the provider checks `flavor_data`; in use by a flavor → 409. */
@Injectable()
export class FlavorProfileService {
  constructor(private readonly core: ApiCore, private readonly providers: ProviderCatalog) {}

  async list(req: Request, ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    rejectTagFilters(req);
    const { items, links } = await listCollection({
      req, ctx, em: this.core.dataSource.manager, entity: FlavorProfileEntity, spec: SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      scope: (qb) => qb.andWhere('o.id <> :nil', { nil: NIL_UUID }),
      render: async (rows) => rows.map(flavorProfileView),
    });
    return { flavorprofiles: items, flavorprofile_links: links };
  }

  async show(ctx: RequestContext, id: string) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return flavorProfileView(await this.find(id));
  }

  async create(ctx: RequestContext, body: FlavorProfileCreateDto) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    this.checkData(body.provider_name, body.flavor_data);
    const row = Object.assign(new FlavorProfileEntity(), { id: randomUUID(), name: body.name, providerName: body.provider_name, flavorData: body.flavor_data });
    await this.core.dataSource.manager.insert(FlavorProfileEntity, row);
    return flavorProfileView(row);
  }

  async update(ctx: RequestContext, id: string, body: FlavorProfileUpdateDto, raw: Record<string, unknown>) {
    refuseNulls(raw, ['name', 'provider_name', 'flavor_data']);
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return this.core.dataSource.transaction(async (em) => {
      const current = await this.find(id, true, em);
      if ('provider_name' in raw || 'flavor_data' in raw) {
        // Flavors (and so load balancers) were built on the old provider/data.
        const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM flavor WHERE flavor_profile_id = $1`, [id]);
        if (n > 0) throw ApiFault.conflict(`Flavor profile ${id} is in use and cannot be modified.`);
      }
      const next = { ...current, name: body.name ?? current.name, providerName: body.provider_name ?? current.providerName, flavorData: body.flavor_data ?? current.flavorData };
      if ('provider_name' in raw || 'flavor_data' in raw) this.checkData(next.providerName, next.flavorData);
      await em.update(FlavorProfileEntity, { id }, { name: next.name, providerName: next.providerName, flavorData: next.flavorData });
      return flavorProfileView(next);
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    await this.core.dataSource.transaction(async (em) => {
      await this.find(id, true, em);
      const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM flavor WHERE flavor_profile_id = $1`, [id]);
      if (n > 0) throw ApiFault.conflict(`Flavor profile ${id} is in use and cannot be modified.`);
      await em.delete(FlavorProfileEntity, { id });
    });
  }

  /** Enabled provider (400), JSON (400), then the provider's own check (501). */
  private checkData(provider: string, data: string): void {
    this.providers.driverOf(provider);
    this.providers.validate(provider, 'flavor', parseMetadata(data, 'flavor_data'));
  }

  /** The profile row; with `lock`, held until the transaction ends so a concurrent flavor create cannot slip in. */
  async find(id: string, lock = false, em = this.core.dataSource.manager): Promise<FlavorProfileEntity> {
    if (!UUID_RE.test(id) || id === NIL_UUID) throw ApiFault.notFound('Flavor profile', id);
    const [row] = await em.query(`SELECT id, name, provider_name, flavor_data FROM flavor_profile WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!row) throw ApiFault.notFound('Flavor profile', id);
    return Object.assign(new FlavorProfileEntity(), { id: row.id, name: row.name, providerName: row.provider_name, flavorData: row.flavor_data });
  }
}
