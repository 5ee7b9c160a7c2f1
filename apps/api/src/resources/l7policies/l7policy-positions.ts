import { EntityManager } from 'typeorm';

/**
 * Where a policy lands in its listener's evaluation order (spec 9.6.3): positions stay dense (1..N);
 * without a position, or past the end, it is appended; otherwise it is inserted at that index and the
 * policies from there on move down by one. `others` is the listener's current order without the policy.
 */
export function placeInOrder(others: readonly string[], id: string, position: number | null | undefined): string[] {
  const order = others.filter((o) => o !== id);
  const index = position == null ? order.length : Math.min(Math.max(position, 1) - 1, order.length);
  order.splice(index, 0, id);
  return order;
}

/** Applies `placeInOrder` to a listener's policies in the database, writing only positions that change. */
export async function placePolicy(em: EntityManager, listenerId: string, policyId: string, position: number | null | undefined): Promise<void> {
  const rows: Array<{ id: string }> = await em.query(
    `SELECT id FROM l7policy WHERE listener_id = $1 AND id <> $2 ORDER BY position, created_at, id`, [listenerId, policyId]);
  const order = placeInOrder(rows.map((r) => r.id), policyId, position);
  await em.query(
    `UPDATE l7policy p SET position = v.pos FROM unnest($1::uuid[], $2::int[]) AS v(id, pos) WHERE p.id = v.id AND p.position IS DISTINCT FROM v.pos`,
    [order, order.map((_, i) => i + 1)],
  );
}
