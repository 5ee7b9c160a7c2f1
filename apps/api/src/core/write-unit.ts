import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { OCTAVIA_CONFIG, OctaviaConfig } from '../../../../libs/common/src';
import { ApiFault } from '../common/api-fault';
import { PolicyService } from '../auth/policy.service';
import { RequestContext } from '../auth/request-context';
import { AfterCommit, PROVIDER_DRIVERS, ProviderChange, ProviderDriver } from '../providers/provider-driver';

export type QuotaResource = 'load_balancer' | 'listener' | 'pool' | 'health_monitor' | 'member' | 'l7policy' | 'l7rule';

const QUOTA_LABEL: Record<QuotaResource, string> = {
  load_balancer: 'Load Balancer', listener: 'Listener', pool: 'Pool', health_monitor: 'Health Monitor',
  member: 'Member', l7policy: 'L7 Policy', l7rule: 'L7 Rule',
};

const QUOTA_USAGE: Record<QuotaResource, string> = {
  load_balancer: `SELECT count(*)::int AS n FROM load_balancer WHERE project_id = $1 AND provisioning_status <> 'DELETED'`,
  listener: `SELECT count(*)::int AS n FROM listener WHERE project_id = $1`,
  pool: `SELECT count(*)::int AS n FROM pool WHERE project_id = $1`,
  health_monitor: `SELECT count(*)::int AS n FROM health_monitor WHERE project_id = $1`,
  member: `SELECT count(*)::int AS n FROM member WHERE project_id = $1`,
  l7policy: `SELECT count(*)::int AS n FROM l7policy WHERE project_id = $1`,
  l7rule: `SELECT count(*)::int AS n FROM l7rule WHERE project_id = $1`,
};

/** One API write: a transaction, the provider records written inside it, and their dispatch after commit. */
export class WriteUnit {
  private readonly afterCommit: AfterCommit[] = [];
  private quotaLocked = new Set<string>();

  constructor(readonly em: EntityManager, private readonly core: ApiCore, readonly ctx: RequestContext) {}

  async submit(providerName: string, change: ProviderChange): Promise<void> {
    this.afterCommit.push(await this.core.provider(providerName).submit(this.em, change));
  }

  /** Quota check under a per-project transaction lock, so concurrent creates cannot both squeeze past the limit. */
  async checkQuota(projectId: string | null, resource: QuotaResource, adding = 1): Promise<void> {
    if (!this.core.policy.quotasEnforced || !projectId || adding <= 0) return;
    if (!this.quotaLocked.has(projectId)) {
      await this.em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`quota:${projectId}`]);
      // As upstream, the first check of a project gives it an all-null (= defaults) quota row, so it is listed.
      await this.em.query(`INSERT INTO quotas (project_id) VALUES ($1) ON CONFLICT (project_id) DO NOTHING`, [projectId]);
      this.quotaLocked.add(projectId);
    }
    const [row] = await this.em.query(`SELECT ${resource} AS v FROM quotas WHERE project_id = $1`, [projectId]);
    const limit: number = row?.v ?? this.core.defaultQuota(resource);
    if (limit === -1) return;
    const [{ n }] = await this.em.query(QUOTA_USAGE[resource], [projectId]);
    if (n + adding > limit) throw ApiFault.quota(QUOTA_LABEL[resource]);
  }

  async finish(): Promise<void> {
    for (const action of this.afterCommit) await action();
  }
}

@Injectable()
export class ApiCore {
  private readonly logger = new Logger('ApiCore');

  constructor(
    readonly dataSource: DataSource,
    @Inject(OCTAVIA_CONFIG) readonly config: OctaviaConfig,
    readonly policy: PolicyService,
    @Inject(PROVIDER_DRIVERS) private readonly providers: Map<string, ProviderDriver>,
  ) {}

  provider(name: string): ProviderDriver {
    const driver = this.providers.get(name);
    if (!driver) throw new ApiFault(501, `Provider '${name}' was not found.`);
    return driver;
  }

  hasProvider(name: string): boolean {
    return this.providers.has(name);
  }

  defaultQuota(resource: QuotaResource): number {
    const q = this.config.quotas;
    return {
      load_balancer: q.loadBalancer, listener: q.listener, pool: q.pool, health_monitor: q.healthMonitor,
      member: q.member, l7policy: q.l7policy, l7rule: q.l7rule,
    }[resource];
  }

  /** Runs `fn` in a transaction, then (only after commit) dispatches what the providers recorded. */
  async write<T>(ctx: RequestContext, fn: (unit: WriteUnit) => Promise<T>): Promise<T> {
    let unit!: WriteUnit;
    const result = await this.dataSource.transaction(async (em) => {
      unit = new WriteUnit(em, this, ctx);
      return fn(unit);
    });
    try {
      await unit.finish();
    } catch (err) {
      this.logger.error({ msg: 'after-commit provider action failed', error: String(err) });
    }
    return result;
  }
}
