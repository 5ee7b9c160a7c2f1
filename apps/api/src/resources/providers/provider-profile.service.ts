import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { EntityManager } from 'typeorm';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection } from '../../core/collection';
import { ListSpec } from '../../query/list-query';
import { UUID_RE } from '../../validation/fields';
import { NIL_UUID, parseMetadata, refuseNulls, rejectTagFilters } from './catalog-helpers';
import { ProviderCatalog } from './provider-catalog';

/** What differs between flavor profiles (spec 9.11) and availability zone profiles (spec 9.13). */
export interface ProfileKind {
  /** Table of the profiles, and its entity (for list queries). */
  table: 'flavor_profile' | 'availability_zone_profile';
  entity: Function;
  /** API field and column holding the provider metadata (JSON text). */
  dataKey: 'flavor_data' | 'availability_zone_data';
  /** Entity property of that column. */
  dataProperty: string;
  /** Which provider capability list checks the metadata. */
  capability: 'flavor' | 'availabilityZone';
  /** Root keys of the list answer (upstream's links key is singular: `flavorprofile_links`). */
  collection: string;
  links: string;
  /** Name in 404s and 409s, as upstream writes it. */
  label: string;
  /** The table whose rows use a profile (flavor / availability_zone) and their column. */
  usedBy: { table: string; column: string };
}

/** A validated create/update body (the DTOs of the two kinds); the metadata sits under `ProfileKind.dataKey`. */
export type ProfileBody = { name?: string | null; provider_name?: string | null };

type ProfileRow = { id: string; name: string; provider_name: string } & Record<string, string>;

/**
 * Provider profiles: admin only; the provider checks the metadata (400 for a disabled provider or bad JSON,
 * 501 for what the driver does not support); a profile in use cannot be changed or deleted (409).
 */
export class ProviderProfileService {
  private readonly spec: ListSpec;

  constructor(protected readonly core: ApiCore, protected readonly providers: ProviderCatalog, private readonly kind: ProfileKind) {
    this.spec = {
      alias: 'o',
      hasTags: false,
      defaultOrder: ['o.id'],
      fields: {
        id: { column: 'o.id' },
        name: { column: 'o.name' },
        provider_name: { column: 'o.provider_name' },
        [kind.dataKey]: { column: `o.${kind.dataKey}` },
      },
    };
  }

  private view(row: ProfileRow) {
    return { id: row.id, name: row.name, provider_name: row.provider_name, [this.kind.dataKey]: row[this.kind.dataKey] };
  }

  async list(req: Request, ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    rejectTagFilters(req);
    const { dataKey, dataProperty } = this.kind;
    const { items, links } = await listCollection({
      req, ctx, em: this.core.dataSource.manager, entity: this.kind.entity, spec: this.spec, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      scope: (qb) => qb.andWhere('o.id <> :nil', { nil: NIL_UUID }),
      render: async (rows: Array<Record<string, string>>) =>
        rows.map((r) => this.view({ id: r.id, name: r.name, provider_name: r.providerName, [dataKey]: r[dataProperty] } as ProfileRow)),
    });
    return { [this.kind.collection]: items, [this.kind.links]: links };
  }

  async show(ctx: RequestContext, id: string) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return this.view(await this.find(id));
  }

  async create(ctx: RequestContext, body: ProfileBody) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    const data = (body as Record<string, unknown>)[this.kind.dataKey] as string;
    this.checkData(body.provider_name!, data);
    const row = { id: randomUUID(), name: body.name!, provider_name: body.provider_name!, [this.kind.dataKey]: data } as ProfileRow;
    await this.core.dataSource.query(`INSERT INTO ${this.kind.table} (id, name, provider_name, ${this.kind.dataKey}) VALUES ($1, $2, $3, $4)`, [row.id, row.name, row.provider_name, data]);
    return this.view(row);
  }

  async update(ctx: RequestContext, id: string, body: ProfileBody, raw: Record<string, unknown>) {
    const { dataKey } = this.kind;
    refuseNulls(raw, ['name', 'provider_name', dataKey]);
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return this.core.dataSource.transaction(async (em) => {
      const current = await this.find(id, true, em);
      const changesDriverData = 'provider_name' in raw || dataKey in raw;
      // Flavors / zones (and so load balancers) were built on the old provider and data.
      if (changesDriverData) await this.checkNotInUse(em, id);
      const next = {
        ...current,
        name: body.name ?? current.name,
        provider_name: body.provider_name ?? current.provider_name,
        [dataKey]: ((body as Record<string, unknown>)[dataKey] as string | null | undefined) ?? current[dataKey],
      } as ProfileRow;
      if (changesDriverData) this.checkData(next.provider_name, next[dataKey]);
      await em.query(`UPDATE ${this.kind.table} SET name = $2, provider_name = $3, ${dataKey} = $4 WHERE id = $1`, [id, next.name, next.provider_name, next[dataKey]]);
      return this.view(next);
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    await this.core.dataSource.transaction(async (em) => {
      await this.find(id, true, em);
      await this.checkNotInUse(em, id);
      await em.query(`DELETE FROM ${this.kind.table} WHERE id = $1`, [id]);
    });
  }

  private async checkNotInUse(em: EntityManager, id: string): Promise<void> {
    const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM ${this.kind.usedBy.table} WHERE ${this.kind.usedBy.column} = $1`, [id]);
    if (n > 0) throw ApiFault.conflict(`${this.kind.label} ${id} is in use and cannot be modified.`);
  }

  /** Enabled provider (400), JSON (400), then the provider's own check (501). */
  private checkData(provider: string, data: string): void {
    this.providers.driverOf(provider);
    this.providers.validate(provider, this.kind.capability, parseMetadata(data, this.kind.dataKey));
  }

  /** The profile row; with `lock`, held until the transaction ends so a concurrent flavor/zone create cannot slip in. */
  async find(id: string, lock = false, em = this.core.dataSource.manager): Promise<ProfileRow> {
    if (!UUID_RE.test(id) || id === NIL_UUID) throw ApiFault.notFound(this.kind.label, id);
    const [row] = await em.query(`SELECT id, name, provider_name, ${this.kind.dataKey} FROM ${this.kind.table} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!row) throw ApiFault.notFound(this.kind.label, id);
    return row as ProfileRow;
  }
}
