import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { QuotaEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore, QuotaResource } from '../../core/write-unit';
import { ListSpec, applyListParams, buildLinks, parseListParams, selectFields } from '../../query/list-query';
import { CONTROL_CHARS, quoteValue } from '../../validation/fields';
import { QuotaDto } from './quota.dto';
import { QUOTA_FIELDS, effectiveLimits, quotaBody, quotaChanges, storedLimits } from './quota-view';

const QUOTA_SPEC: ListSpec = {
  alias: 'q',
  hasTags: false,
  // quotas have neither created_at nor id; the project id gives a stable order for markers
  defaultOrder: ['q.project_id'],
  fields: {
    project_id: { column: 'q.project_id' },
    tenant_id: { column: 'q.project_id' },
    ...Object.fromEntries(QUOTA_FIELDS.flatMap((f) => f.keys.map((k) => [k, { column: `q.${f.resource}`, kind: 'int' as const }]))),
  },
};

/** The project id column holds 36 characters; a path value that cannot be stored is a 400 on writes. */
function checkProjectId(projectId: string): void {
  if (projectId.length > 36 || CONTROL_CHARS.test(projectId)) {
    const reason = CONTROL_CHARS.test(projectId) ? 'Value must not contain control characters' : 'Value should have a maximum character requirement of 36';
    throw ApiFault.badRequest(`Invalid input for field/attribute project_id. Value: '${quoteValue(projectId)}'. ${reason}`);
  }
}

/** Quota routes (spec 9.8): per-project limits with configured defaults behind every null. */
@Injectable()
export class QuotaService {
  constructor(private readonly core: ApiCore) {}

  private readonly defaultOf = (r: QuotaResource) => this.core.defaultQuota(r);

  /** Only projects with a quota row; global readers see all, others their own (spec 8.7). Raw stored values. */
  async list(req: Request, ctx: RequestContext) {
    if (['tags', 'tags-any', 'not-tags', 'not-tags-any'].some((k) => k in req.query)) {
      throw ApiFault.badRequest('One or more arguments are either duplicate or invalid');
    }
    const params = parseListParams(req.query, QUOTA_SPEC, this.core.config.api.paginationMaxLimit);
    const requested = params.filters.project_id ?? params.filters.tenant_id;
    const qb = this.core.dataSource.manager.getRepository(QuotaEntity).createQueryBuilder('q');
    if (!this.core.policy.allows(ctx, 'read-quota-global', requested)) {
      const project = requested ?? ctx.projectId;
      if (!project) throw ApiFault.forbidden();
      this.core.policy.enforce(ctx, 'read-quota', project);
      qb.andWhere('q.project_id = :scopeProject', { scopeProject: project });
    }
    // The whole (small) table in order; marker and limit are applied here because the rows have no `id`.
    await applyListParams(qb, QUOTA_SPEC, { ...params, limit: null, marker: undefined });
    let rows = await qb.getMany();
    if (params.marker !== undefined) {
      const at = rows.findIndex((r) => r.projectId === params.marker);
      if (at < 0) throw ApiFault.badRequest(`Supplied pagination marker '${params.marker}' is not valid.`);
      rows = params.pageReverse ? rows.slice(0, at) : rows.slice(at + 1);
    }
    if (params.limit !== null) rows = rows.slice(0, params.limit);
    const views = rows.map((r) => ({ project_id: r.projectId, tenant_id: r.projectId, ...quotaBody(storedLimits(r)) }));
    return {
      quotas: views.map((v) => selectFields(v, params.fields)),
      quotas_links: buildLinks(req, this.core.config.api.apiBaseUri, params, views.map((v) => ({ id: v.project_id }))),
    };
  }

  /** Effective limits of one project: its row with defaults behind every null, or the defaults alone. */
  async show(ctx: RequestContext, projectId: string) {
    this.core.policy.enforce(ctx, 'read-quota', projectId);
    const row = projectId.length <= 36 ? await this.core.dataSource.manager.findOneBy(QuotaEntity, { projectId }) : null;
    return this.single(projectId, effectiveLimits(row, this.defaultOf));
  }

  /** The configured defaults (`[quotas] default_*_quota`), for a project or for the caller's own. */
  configuredDefaults(ctx: RequestContext, projectId: string | undefined) {
    this.core.policy.enforce(ctx, 'read-quota', projectId ?? ctx.projectId);
    return quotaBody(effectiveLimits(null, this.defaultOf));
  }

  /** PUT: creates the row if needed, applies the sent limits, answers the effective values (202). */
  async set(ctx: RequestContext, projectId: string, body: QuotaDto, present: Set<string>) {
    checkProjectId(projectId);
    this.core.policy.enforce(ctx, 'write-quota', projectId);
    const changes = quotaChanges(body as Record<string, unknown>, present);
    return this.core.write(ctx, async (unit) => {
      await unit.em.query(`INSERT INTO quotas (project_id) VALUES ($1) ON CONFLICT (project_id) DO NOTHING`, [projectId]);
      if (Object.keys(changes).length) await unit.em.update(QuotaEntity, { projectId }, changes);
      const row = await unit.em.findOneByOrFail(QuotaEntity, { projectId });
      return this.single(projectId, effectiveLimits(row, this.defaultOf));
    });
  }

  /** DELETE: every limit back to the default; the row stays, so the project is still listed (spec 9.8.2). */
  async reset(ctx: RequestContext, projectId: string): Promise<void> {
    this.core.policy.enforce(ctx, 'write-quota', projectId);
    await this.core.write(ctx, async (unit) => {
      const row = projectId.length <= 36 && !CONTROL_CHARS.test(projectId) ? await unit.em.findOne(QuotaEntity, { where: { projectId }, lock: { mode: 'pessimistic_write' } }) : null;
      if (!row) throw ApiFault.notFound('Quotas', projectId);
      const cleared: Partial<QuotaEntity> = {};
      for (const f of QUOTA_FIELDS) (cleared as Record<string, unknown>)[f.prop] = null;
      await unit.em.update(QuotaEntity, { projectId }, cleared);
    });
  }

  private single(projectId: string, limits: ReturnType<typeof effectiveLimits>) {
    return { ...quotaBody(limits), project_id: projectId, tenant_id: projectId };
  }
}
