import { QuotaEntity } from '../../../../../libs/database/src';
import { QuotaResource } from '../../core/write-unit';

/** Each quota resource: its entity property and the API spellings that name it (spec 9.8.1). */
export const QUOTA_FIELDS: ReadonlyArray<{ resource: QuotaResource; prop: keyof Omit<QuotaEntity, 'projectId'>; keys: readonly string[] }> = [
  { resource: 'load_balancer', prop: 'loadBalancer', keys: ['load_balancer', 'loadbalancer'] },
  { resource: 'listener', prop: 'listener', keys: ['listener'] },
  { resource: 'pool', prop: 'pool', keys: ['pool'] },
  { resource: 'health_monitor', prop: 'healthMonitor', keys: ['health_monitor', 'healthmonitor'] },
  { resource: 'member', prop: 'member', keys: ['member'] },
  { resource: 'l7policy', prop: 'l7policy', keys: ['l7policy'] },
  { resource: 'l7rule', prop: 'l7rule', keys: ['l7rule'] },
];

export type QuotaLimits = Record<QuotaResource, number | null>;

/** Both spellings of every limit, as upstream master renders them (python-octaviaclient reads the underscore ones). */
export function quotaBody(limits: QuotaLimits): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const f of QUOTA_FIELDS) for (const key of f.keys) out[key] = limits[f.resource];
  return out;
}

/** The stored limits (null = configured default). */
export function storedLimits(row: QuotaEntity | null): QuotaLimits {
  const out = {} as QuotaLimits;
  for (const f of QUOTA_FIELDS) out[f.resource] = row ? row[f.prop] : null;
  return out;
}

/** Stored limits with every null replaced by its configured default: what is enforced. */
export function effectiveLimits(row: QuotaEntity | null, defaults: (r: QuotaResource) => number): QuotaLimits {
  const stored = storedLimits(row);
  const out = {} as QuotaLimits;
  for (const f of QUOTA_FIELDS) out[f.resource] = stored[f.resource] ?? defaults(f.resource);
  return out;
}

/**
 * The changes of a PUT body: a sent key sets its limit (null = back to the default), absent keys stay;
 * when both spellings are sent, `loadbalancer` / `healthmonitor` win (spec 9.8.2).
 */
export function quotaChanges(body: Record<string, unknown>, present: Set<string>): Partial<QuotaEntity> {
  const changes: Partial<QuotaEntity> = {};
  for (const f of QUOTA_FIELDS) {
    const sent = [...f.keys].reverse().find((k) => present.has(k));
    if (sent !== undefined) (changes as Record<string, unknown>)[f.prop] = (body[sent] as number | null | undefined) ?? null;
  }
  return changes;
}
