/**
 * PUT semantics shared by the child resources (spec 9.2.1, 9.3.1, 9.4.1, 9.5.1): every updatable attribute
 * maps to one entity property, an absent key leaves the stored value, and an explicit `null` stores the
 * attribute's "null-out" value from the spec tables (`tags: null` keeps the stored tags).
 */

/** Marks an attribute whose explicit null leaves the stored value unchanged (tags). */
export const KEEP_ON_NULL = Symbol('keep-on-null');

export interface PutField<E> {
  prop: keyof E;
  /** What an explicit null stores: a value, or KEEP_ON_NULL. */
  onNull: unknown;
}

export type PutTable<E> = Record<string, PutField<E>>;

/** The stored values under their API names, for the semantic checks that run on the merged state. */
export function storedValues<E extends object>(table: PutTable<E>, entity: E): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(table)) out[key] = entity[field.prop];
  return out;
}

/** The state a PUT leads to, under API names: stored values with each sent key applied (null = null-out value). */
export function mergePut<E extends object>(table: PutTable<E>, entity: E, body: object, present: Set<string>): Record<string, unknown> {
  const merged = storedValues(table, entity);
  const sent = body as Record<string, unknown>;
  for (const [key, field] of Object.entries(table)) {
    if (!present.has(key)) continue;
    const value = sent[key];
    if (value !== null && value !== undefined) merged[key] = value;
    else if (field.onNull !== KEEP_ON_NULL) merged[key] = field.onNull;
  }
  return merged;
}

/** The entity changes for the keys the client sent, taken from the (checked, possibly normalised) merged state. */
export function putChanges<E extends object>(table: PutTable<E>, merged: Record<string, unknown>, present: Set<string>): Partial<E> {
  const changes: Partial<E> = {};
  for (const [key, field] of Object.entries(table)) {
    if (present.has(key)) (changes as Record<keyof E, unknown>)[field.prop] = merged[key];
  }
  return changes;
}
