import { selectFields } from '../query/list-query';

/**
 * `?fields=` on a GET of one object (spec 8.6): repeated and comma-separated names both work, unknown
 * names are ignored, and without the parameter the whole object is returned.
 */
export function withFields<T extends Record<string, unknown>>(view: T, raw: unknown): Partial<T> {
  if (raw === undefined) return view;
  const names = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter(Boolean);
  return selectFields(view, names);
}
