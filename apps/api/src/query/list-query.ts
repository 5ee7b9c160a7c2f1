import type { Request } from 'express';
import { SelectQueryBuilder } from 'typeorm';
import { ApiFault } from '../common/api-fault';
import { coerceBool } from '../validation/fields';

export type FilterKind = 'string' | 'bool' | 'int' | 'float' | 'array';

/** One attribute a list can be filtered and sorted on: its API name mapped to a SQL expression. */
export interface ListableField {
  column: string;
  kind?: FilterKind;
  sortable?: boolean;
}

export interface ListSpec {
  /** Table alias used in the query builder. */
  alias: string;
  fields: Record<string, ListableField>;
  hasTags: boolean;
  /** Whether rows have created_at/id for the default tie-break ordering. */
  defaultOrder: string[];
}

export interface ListParams {
  limit: number | null;
  marker?: string;
  pageReverse: boolean;
  sort: Array<{ key: string; dir: 'ASC' | 'DESC' }>;
  rawSort?: string;
  rawSortKey?: string;
  filters: Record<string, string>;
  fields?: string[];
  tags: { all: string[]; any: string[]; notAll: string[]; notAny: string[] };
}

const RESERVED = ['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'fields', 'page_reverse'];
const TAG_PARAMS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'];

function asList(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function one(v: unknown): string | undefined {
  const l = asList(v);
  return l.length ? l[l.length - 1] : undefined;
}

/** Pagination parameters are checked even on GET-one requests (upstream parses them in a hook). */
export function parsePaginationOnly(query: Request['query'], maxLimit: number | null): void {
  parseLimit(one(query.limit), maxLimit);
  parseSort(query, undefined);
}

function parseLimit(raw: string | undefined, maxLimit: number | null): number | null {
  if (raw === undefined) return maxLimit;
  if (raw === 'infinite') return null;
  if (!/^-?\d+$/.test(raw.trim())) throw ApiFault.badRequest(`Supplied pagination limit '${raw}' is not valid.`);
  const n = Number(raw);
  if (n <= 0) return null;
  return maxLimit === null ? n : Math.min(n, maxLimit);
}

function parseSort(query: Request['query'], spec: ListSpec | undefined): ListParams['sort'] {
  const out: ListParams['sort'] = [];
  const sort = one(query.sort);
  const push = (key: string, dirRaw: string | undefined) => {
    const dir = (dirRaw ?? 'asc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw ApiFault.badRequest(`Supplied sort direction '${dirRaw}' is not valid.`);
    if (spec && !(spec.fields[key] && spec.fields[key].sortable !== false)) throw ApiFault.badRequest(`Supplied sort key '${key}' is not valid.`);
    out.push({ key, dir: dir === 'asc' ? 'ASC' : 'DESC' });
  };
  if (sort !== undefined) {
    for (const part of sort.split(',').filter(Boolean)) {
      const bits = part.split(':');
      if (bits.length > 2) throw ApiFault.badRequest(`Supplied sort key '${part}' is not valid.`);
      push(bits[0].trim(), bits[1]?.trim());
    }
    return out;
  }
  const keys = (one(query.sort_key) ?? '').split(',').filter(Boolean);
  const dirs = (one(query.sort_dir) ?? '').split(',').filter(Boolean);
  if (!keys.length) {
    dirs.forEach((d) => { if (!/^(asc|desc)$/i.test(d)) throw ApiFault.badRequest(`Supplied sort direction '${d}' is not valid.`); });
  }
  keys.forEach((k, i) => push(k.trim(), dirs[i]?.trim()));
  return out;
}

export function parseListParams(query: Request['query'], spec: ListSpec, maxLimit: number | null, ignore: string[] = []): ListParams {
  const filters: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (RESERVED.includes(key) || TAG_PARAMS.includes(key) || ignore.includes(key)) continue;
    const name = key === 'load_balancer_id' ? 'loadbalancer_id' : key;
    if (!spec.fields[name] || Array.isArray(value)) throw ApiFault.badRequest('One or more arguments are either duplicate or invalid');
    filters[name] = String(value);
  }
  const split = (k: string) => asList(query[k]).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const fields = query.fields === undefined ? undefined : split('fields');
  return {
    limit: parseLimit(one(query.limit), maxLimit),
    marker: one(query.marker),
    pageReverse: one(query.page_reverse) === 'True',
    sort: parseSort(query, spec),
    rawSort: one(query.sort),
    rawSortKey: one(query.sort_key),
    filters,
    fields,
    tags: { all: split('tags'), any: split('tags-any'), notAll: split('not-tags'), notAny: split('not-tags-any') },
  };
}

/** Applies filters, tag filters, ordering and the marker/limit window to a query builder. */
export async function applyListParams<T extends object>(qb: SelectQueryBuilder<T>, spec: ListSpec, p: ListParams): Promise<SelectQueryBuilder<T>> {
  let n = 0;
  const param = (v: unknown) => {
    const name = `f${n++}`;
    qb.setParameter(name, v);
    return `:${name}`;
  };
  for (const [name, raw] of Object.entries(p.filters)) {
    const field = spec.fields[name];
    switch (field.kind ?? 'string') {
      case 'bool':
        qb.andWhere(`${field.column} = ${param(coerceBool(raw.toLowerCase()) === true)}`);
        break;
      case 'int':
      case 'float':
        if (!/^-?\d+(\.\d+)?$/.test(raw)) qb.andWhere('false');
        else qb.andWhere(`${field.column} = ${param(Number(raw))}`);
        break;
      case 'array':
        qb.andWhere(`${param(raw)} = ANY(${field.column})`);
        break;
      default:
        qb.andWhere(`${field.column}::text = ${param(raw)}`);
    }
  }
  const tags = `${spec.alias}.tags`;
  if (p.tags.all.length) qb.andWhere(`${tags} @> ${param(p.tags.all)}::text[]`);
  if (p.tags.any.length) qb.andWhere(`${tags} && ${param(p.tags.any)}::text[]`);
  if (p.tags.notAll.length) qb.andWhere(`NOT (${tags} @> ${param(p.tags.notAll)}::text[])`);
  if (p.tags.notAny.length) qb.andWhere(`NOT (${tags} && ${param(p.tags.notAny)}::text[])`);

  const order: Array<{ expr: string; dir: 'ASC' | 'DESC' }> = p.sort.map((s) => ({ expr: spec.fields[s.key].column, dir: s.dir }));
  for (const col of spec.defaultOrder) if (!order.some((o) => o.expr === col)) order.push({ expr: col, dir: 'ASC' });

  if (p.marker !== undefined) {
    // Keyset pagination over the full ordering: rows strictly after (or before, page_reverse) the marker row.
    const markerRow = await qb.connection
      .createQueryBuilder()
      .select(order.map((o, i) => `${o.expr} AS k${i}`))
      .from(qb.expressionMap.mainAlias!.target, spec.alias)
      .where(`${spec.alias}.id::text = :marker`, { marker: p.marker })
      .getRawOne();
    if (!markerRow) throw ApiFault.badRequest(`Supplied pagination marker '${p.marker}' is not valid.`);
    const clauses: string[] = [];
    order.forEach((o, i) => {
      const eqs = order.slice(0, i).map((prev, j) => `${prev.expr} IS NOT DISTINCT FROM ${param(markerRow[`k${j}`])}`);
      const after = (o.dir === 'ASC') !== p.pageReverse;
      const v = param(markerRow[`k${i}`]);
      const cmp = after ? `(${o.expr} > ${v} OR (${o.expr} IS NULL AND ${v} IS NOT NULL))` : `(${o.expr} < ${v} OR (${o.expr} IS NOT NULL AND ${v} IS NULL))`;
      clauses.push([...eqs, cmp].join(' AND '));
    });
    qb.andWhere(`(${clauses.map((c) => `(${c})`).join(' OR ')})`);
  }
  order.forEach((o, i) => (i === 0 ? qb.orderBy(o.expr, o.dir, o.dir === 'ASC' ? 'NULLS FIRST' : 'NULLS LAST') : qb.addOrderBy(o.expr, o.dir, o.dir === 'ASC' ? 'NULLS FIRST' : 'NULLS LAST')));
  if (p.limit !== null) qb.limit(p.limit);
  return qb;
}

/** `<collection>_links`: `next` when the page is full, `previous` when a marker was given and the page is not empty. */
export function buildLinks(req: Request, baseUri: string | undefined, p: ListParams, items: Array<{ id: string }>): Array<{ href: string; rel: string }> {
  const links: Array<{ href: string; rel: string }> = [];
  if (!items.length) return links;
  const path = req.originalUrl.split('?')[0];
  const base = baseUri ? baseUri.replace(/\/$/, '') + path : `${req.protocol}://${req.get('host')}${path}`;
  const carry = new URLSearchParams();
  for (const [k, v] of Object.entries(p.filters)) carry.append(k, v);
  const extra = carry.toString() ? `&${carry.toString()}` : '';
  const head = (limit: number | null) => {
    const parts = [`limit=${limit ?? ''}`];
    if (p.rawSort !== undefined) parts.push(`sort=${encodeURIComponent(p.rawSort)}`);
    if (p.rawSortKey !== undefined) parts.push(`sort_key=${encodeURIComponent(p.rawSortKey)}`);
    return parts.join('&');
  };
  if (p.limit !== null && items.length >= p.limit) {
    links.push({ href: `${base}?${head(p.limit)}&marker=${items[items.length - 1].id}${extra}`, rel: 'next' });
  }
  if (p.marker !== undefined) {
    links.push({ href: `${base}?${head(p.limit)}&marker=${items[0].id}${extra}&page_reverse=True`, rel: 'previous' });
  }
  return links;
}

/** Field selection: keep only the requested attributes (unknown names are ignored). */
export function selectFields<T extends Record<string, unknown>>(obj: T, fields: string[] | undefined): Partial<T> {
  if (!fields) return obj;
  const out: Partial<T> = {};
  for (const f of fields) if (f in obj) (out as Record<string, unknown>)[f] = obj[f];
  return out;
}
