import type { Request } from 'express';
import { ApiFault } from '../../common/api-fault';

/** Upstream's internal placeholder row (spec 9.10): hidden from lists, 404 on every single-object call. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Flavors, AZs and their profiles have no tags: tag parameters are unknown filters. */
export function rejectTagFilters(req: Request): void {
  for (const key of ['tags', 'tags-any', 'not-tags', 'not-tags-any']) {
    if (key in req.query) throw ApiFault.badRequest('One or more arguments are either duplicate or invalid');
  }
}

/** PostgreSQL's unique_violation. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string; driverError?: { code?: string } })?.code === '23505'
    || (err as { driverError?: { code?: string } })?.driverError?.code === '23505';
}

/** PUT with an explicit null for a field that has no "unset" value: `None is not a valid option for <field>`. */
export function refuseNulls(raw: Record<string, unknown>, fields: string[]): void {
  for (const f of fields) if (f in raw && raw[f] === null) throw ApiFault.invalidOption('None', f);
}

/** The stored metadata string as a JSON value; invalid JSON is `<data> is not a valid option for <field>`. */
export function parseMetadata(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw ApiFault.invalidOption(text, field);
  }
}
