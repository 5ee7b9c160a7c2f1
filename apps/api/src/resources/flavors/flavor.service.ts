import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { EntityManager } from 'typeorm';
import { FlavorEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { listCollection } from '../../core/collection';
import { ListSpec } from '../../query/list-query';
import { UUID_RE } from '../../validation/fields';
import { isUniqueViolation, NIL_UUID, refuseNulls, rejectTagFilters } from '../providers/catalog-helpers';
import { FlavorCreateDto, FlavorUpdateDto } from './flavor.dto';

const SPEC: ListSpec = {
  alias: 'o',
  hasTags: false,
  defaultOrder: ['o.id'],
  fields: {
    id: { column: 'o.id' },
    name: { column: 'o.name' },
    description: { column: 'o.description' },
    enabled: { column: 'o.enabled', kind: 'bool' },
    flavor_profile_id: { column: 'o.flavor_profile_id' },
  },
};

export function flavorView(f: FlavorEntity) {
  return { id: f.id, name: f.name, description: f.description ?? '', enabled: f.enabled, flavor_profile_id: f.flavorProfileId };
}

function fromRow(row: Record<string, any>): FlavorEntity {
  return Object.assign(new FlavorEntity(), { id: row.id, name: row.name, description: row.description, enabled: row.enabled, flavorProfileId: row.flavor_profile_id });
}

/** Flavors (spec 9.10): everyone reads, admins write; a flavor in use by a load balancer cannot be deleted. */
@Injectable()
export class FlavorService {
  constructor(private readonly core: ApiCore) {}

  async list(req: Request, ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'read');
    rejectTagFilters(req);
    const { items, links } = await listCollection({
      req, ctx, em: this.core.dataSource.manager, entity: FlavorEntity, spec: SPEC, policy: this.core.policy,
      maxLimit: this.core.config.api.paginationMaxLimit, baseUri: this.core.config.api.apiBaseUri,
      scope: (qb) => qb.andWhere('o.id <> :nil', { nil: NIL_UUID }),
      render: async (rows) => rows.map(flavorView),
    });
    return { flavors: items, flavors_links: links };
  }

  async show(ctx: RequestContext, id: string) {
    this.core.policy.enforceOwnProject(ctx, 'read');
    return flavorView(await this.find(this.core.dataSource.manager, id));
  }

  async create(ctx: RequestContext, body: FlavorCreateDto) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return this.core.dataSource.transaction(async (em) => {
      // The profile must exist (upstream answers a dangling id with a 500); it stays until we commit.
      const [profile] = body.flavor_profile_id === NIL_UUID ? [] : await em.query(`SELECT id FROM flavor_profile WHERE id = $1 FOR SHARE`, [body.flavor_profile_id]);
      if (!profile) throw ApiFault.invalidOption(body.flavor_profile_id, 'flavor_profile_id');
      const row = Object.assign(new FlavorEntity(), {
        id: randomUUID(), name: body.name, description: body.description ?? null, enabled: body.enabled ?? true, flavorProfileId: body.flavor_profile_id,
      });
      await this.unique(body.name, () => em.insert(FlavorEntity, row));
      return flavorView(row);
    });
  }

  async update(ctx: RequestContext, id: string, body: FlavorUpdateDto, raw: Record<string, unknown>) {
    refuseNulls(raw, ['name', 'enabled']);
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return this.core.dataSource.transaction(async (em) => {
      const current = await this.find(em, id, true);
      const next = Object.assign(new FlavorEntity(), current, {
        name: body.name ?? current.name,
        description: 'description' in raw ? body.description ?? null : current.description,
        enabled: body.enabled ?? current.enabled,
      });
      await this.unique(next.name, () => em.update(FlavorEntity, { id }, { name: next.name, description: next.description, enabled: next.enabled }));
      return flavorView(next);
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    await this.core.dataSource.transaction(async (em) => {
      // The row lock makes a concurrent load balancer create (which reads the flavor FOR SHARE) finish first.
      await this.find(em, id, true);
      const [inUse] = await em.query(`SELECT 1 FROM load_balancer WHERE flavor_id = $1 AND provisioning_status <> 'DELETED' LIMIT 1`, [id]);
      if (inUse) throw ApiFault.conflict(`Flavor ${id} is in use and cannot be modified.`);
      await em.query(`UPDATE load_balancer SET flavor_id = NULL WHERE flavor_id = $1`, [id]);
      await em.delete(FlavorEntity, { id });
    });
  }

  async find(em: EntityManager, id: string, lock = false): Promise<FlavorEntity> {
    if (!UUID_RE.test(id) || id === NIL_UUID) throw ApiFault.notFound('Flavor', id);
    const [row] = await em.query(`SELECT * FROM flavor WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!row) throw ApiFault.notFound('Flavor', id);
    return fromRow(row);
  }

  private async unique(name: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw ApiFault.conflict(`A flavor of ${name} already exists.`);
      throw err;
    }
  }
}
