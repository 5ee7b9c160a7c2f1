/**
 * Neutron's list semantics for GET /v2.0/<collection>: every query parameter other than the paging and
 * field ones is an exact-match filter on that attribute (repeated values are ORed, booleans compare
 * case-insensitively), ports also filter on `fixed_ips=ip_address=...` / `fixed_ips=subnet_id=...`;
 * a filter on an attribute the object does not have is a 400 (Neutron's filter validation); `fields`
 * selects keys; `limit`/`marker` page by id with `<collection>_links`.
 */

export class NeutronQueryError extends Error {}

const CONTROL = new Set(['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse']);

function matches(value: unknown, wanted: string): boolean {
  if (typeof value === 'boolean') return String(value) === wanted.toLowerCase();
  if (value === null || value === undefined) return wanted === '' || wanted.toLowerCase() === 'none';
  if (Array.isArray(value)) return value.map(String).includes(wanted);
  return String(value) === wanted;
}

function fixedIpMatch(item: Record<string, unknown>, wanted: string): boolean {
  const eq = wanted.indexOf('=');
  if (eq < 0) throw new NeutronQueryError(`Invalid input for fixed_ips. Reason: '${wanted}' is not of the form key=value.`);
  const key = wanted.slice(0, eq);
  const value = wanted.slice(eq + 1);
  if (!['ip_address', 'subnet_id', 'ip_address_substr'].includes(key)) throw new NeutronQueryError(`Invalid input for fixed_ips. Reason: unknown key ${key}.`);
  const ips = (item.fixed_ips as Array<Record<string, string>>) ?? [];
  if (key === 'ip_address_substr') return ips.some((ip) => ip.ip_address.includes(value));
  return ips.some((ip) => ip[key] === value);
}

export function neutronList<T extends Record<string, unknown> & { id: string }>(
  items: T[],
  query: Record<string, string[]>,
  selfUrl: string,
): { items: Array<Record<string, unknown>>; links: Array<{ href: string; rel: string }> } {
  const known = new Set(items.length ? Object.keys(items[0]) : []);
  for (const key of Object.keys(query)) {
    if (CONTROL.has(key) || key === 'fixed_ips') continue;
    if (items.length && !known.has(key)) throw new NeutronQueryError(`[${key}] is invalid attribute for filtering`);
  }
  let filtered = items.filter((item) =>
    Object.entries(query).every(([key, values]) => {
      if (CONTROL.has(key)) return true;
      if (key === 'fixed_ips') return values.every((v) => fixedIpMatch(item, v));
      return values.some((v) => matches(item[key], v));
    }),
  );
  const marker = query.marker?.[0];
  if (marker) filtered = filtered.filter((i) => i.id > marker);
  const limitRaw = query.limit?.[0];
  const links: Array<{ href: string; rel: string }> = [];
  if (limitRaw !== undefined) {
    const limit = Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 0) throw new NeutronQueryError(`Invalid input for limit. Reason: '${limitRaw}' is not an integer.`);
    if (limit > 0 && filtered.length > limit) {
      filtered = filtered.slice(0, limit);
      const next = new URLSearchParams();
      for (const [k, vs] of Object.entries(query)) if (k !== 'marker') for (const v of vs) next.append(k, v);
      next.append('marker', filtered[filtered.length - 1].id);
      links.push({ href: `${selfUrl}?${next.toString()}`, rel: 'next' });
    }
  }
  const fields = query.fields;
  const out = fields ? filtered.map((item) => Object.fromEntries(fields.filter((f) => f in item).map((f) => [f, item[f]]))) : filtered;
  return { items: out, links };
}
