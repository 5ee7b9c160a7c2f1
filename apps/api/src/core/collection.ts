import type { Request } from 'express';
import { EntityManager, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ApiFault } from '../common/api-fault';
import { PolicyService } from '../auth/policy.service';
import { RequestContext } from '../auth/request-context';
import { ListSpec, applyListParams, buildLinks, parseListParams, selectFields } from '../query/list-query';

export interface CollectionRequest<E extends ObjectLiteral> {
  req: Request;
  ctx: RequestContext;
  em: EntityManager;
  entity: EntityTarget<E>;
  spec: ListSpec;
  maxLimit: number | null;
  baseUri?: string;
  policy: PolicyService;
  /** Column holding the owning project; undefined for objects scoped by their parent instead. */
  projectColumn?: string;
  /** Restricts the rows (parent scoping, hiding DELETED rows...). */
  scope?: (qb: SelectQueryBuilder<E>) => void;
  render: (rows: E[]) => Promise<Array<Record<string, unknown> & { id: string }>>;
}

/**
 * A list request end to end: project scoping as upstream (global readers see all projects, others only
 * their own), filters, tags, sorting, keyset pagination with links, and field selection.
 */
export async function listCollection<E extends ObjectLiteral>(c: CollectionRequest<E>): Promise<{ items: Record<string, unknown>[]; links: Array<{ href: string; rel: string }> }> {
  const params = parseListParams(c.req.query, c.spec, c.maxLimit);
  const qb = c.em.getRepository(c.entity).createQueryBuilder(c.spec.alias);
  if (c.projectColumn) {
    const requested = params.filters.project_id;
    if (!c.policy.allows(c.ctx, 'read-global', requested)) {
      const project = requested ?? c.ctx.projectId;
      if (!project) throw ApiFault.forbidden();
      c.policy.enforce(c.ctx, 'read', project);
      qb.andWhere(`${c.projectColumn} = :scopeProject`, { scopeProject: project });
    }
  }
  c.scope?.(qb);
  await applyListParams(qb, c.spec, params);
  const rows = await qb.getMany();
  const views = await c.render(rows);
  return { items: views.map((v) => selectFields(v, params.fields)), links: buildLinks(c.req, c.baseUri, params, views) };
}

/** Common list specs: fields every LB-tree object can be filtered and sorted on. */
export function treeFields(alias: string): ListSpec['fields'] {
  return {
    id: { column: `${alias}.id` },
    project_id: { column: `${alias}.project_id` },
    tenant_id: { column: `${alias}.project_id` },
    provisioning_status: { column: `${alias}.provisioning_status` },
    operating_status: { column: `${alias}.operating_status` },
    admin_state_up: { column: `${alias}.enabled`, kind: 'bool' },
    created_at: { column: `${alias}.created_at` },
    updated_at: { column: `${alias}.updated_at` },
    tags: { column: `${alias}.tags`, kind: 'array', sortable: false },
  };
}
