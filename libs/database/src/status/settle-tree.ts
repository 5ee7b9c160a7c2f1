import { EntityManager } from 'typeorm';

/**
 * Finishes the pending changes of one load balancer's tree the way a provider reports success:
 * rows in PENDING_DELETE go away (or the load balancer becomes DELETED), everything PENDING_CREATE/UPDATE
 * becomes ACTIVE, and operating statuses of touched objects start from ONLINE/OFFLINE/NO_MONITOR.
 * Idempotent: running it twice changes nothing the second time. Used by the noop provider and by the
 * worker's final "mark active" task.
 */
export async function settleLoadBalancerTree(em: EntityManager, lbId: string): Promise<'DELETED' | 'ACTIVE' | 'MISSING'> {
  const [lb] = await em.query(`SELECT provisioning_status FROM load_balancer WHERE id = $1 FOR UPDATE`, [lbId]);
  if (!lb) return 'MISSING';
  if (lb.provisioning_status === 'PENDING_DELETE' || lb.provisioning_status === 'DELETED') {
    await em.query(`DELETE FROM listener WHERE load_balancer_id = $1`, [lbId]);
    await em.query(`DELETE FROM pool WHERE load_balancer_id = $1`, [lbId]);
    await em.query(
      `UPDATE load_balancer SET provisioning_status = 'DELETED', operating_status = 'OFFLINE', updated_at = now() AT TIME ZONE 'utc' WHERE id = $1`,
      [lbId],
    );
    return 'DELETED';
  }
  const listeners = `SELECT id FROM listener WHERE load_balancer_id = $1`;
  const pools = `SELECT id FROM pool WHERE load_balancer_id = $1`;
  const policies = `SELECT id FROM l7policy WHERE listener_id IN (${listeners})`;
  await em.query(`DELETE FROM l7rule WHERE provisioning_status = 'PENDING_DELETE' AND l7policy_id IN (${policies})`, [lbId]);
  await em.query(`DELETE FROM l7policy WHERE provisioning_status = 'PENDING_DELETE' AND listener_id IN (${listeners})`, [lbId]);
  await em.query(`DELETE FROM member WHERE provisioning_status = 'PENDING_DELETE' AND pool_id IN (${pools})`, [lbId]);
  await em.query(`DELETE FROM health_monitor WHERE provisioning_status = 'PENDING_DELETE' AND pool_id IN (${pools})`, [lbId]);
  await em.query(`DELETE FROM pool WHERE provisioning_status = 'PENDING_DELETE' AND load_balancer_id = $1`, [lbId]);
  await em.query(`DELETE FROM listener WHERE provisioning_status = 'PENDING_DELETE' AND load_balancer_id = $1`, [lbId]);
  // keep L7 policy positions dense (1..N) after deletions
  await em.query(
    `UPDATE l7policy p SET position = r.pos FROM (
       SELECT id, row_number() OVER (PARTITION BY listener_id ORDER BY position, created_at) AS pos
       FROM l7policy WHERE listener_id IN (${listeners})) r
     WHERE p.id = r.id AND p.position <> r.pos`,
    [lbId],
  );
  const pending = `provisioning_status IN ('PENDING_CREATE', 'PENDING_UPDATE')`;
  const online = `CASE WHEN enabled THEN 'ONLINE' ELSE 'OFFLINE' END`;
  const activate = (table: string, scope: string) =>
    em.query(`UPDATE ${table} SET provisioning_status = 'ACTIVE', operating_status = ${online} WHERE ${pending} AND ${scope}`, [lbId]);
  await activate('l7rule', `l7policy_id IN (${policies})`);
  await activate('l7policy', `listener_id IN (${listeners})`);
  await activate('health_monitor', `pool_id IN (${pools})`);
  await em.query(
    `UPDATE member m SET provisioning_status = 'ACTIVE', operating_status = CASE
        WHEN NOT m.enabled THEN 'OFFLINE'
        WHEN EXISTS (SELECT 1 FROM health_monitor h WHERE h.pool_id = m.pool_id) THEN
          CASE WHEN m.operating_status IN ('NO_MONITOR') THEN 'OFFLINE' ELSE m.operating_status END
        ELSE 'NO_MONITOR' END
     WHERE m.${pending} AND m.pool_id IN (${pools})`,
    [lbId],
  );
  await activate('pool', `load_balancer_id = $1`);
  await activate('listener', `load_balancer_id = $1`);
  await em.query(`UPDATE load_balancer SET provisioning_status = 'ACTIVE', operating_status = ${online} WHERE ${pending} AND id = $1`, [lbId]);
  return 'ACTIVE';
}

/**
 * What a failed flow leaves behind: the failed object in ERROR and its parents ACTIVE again, never PENDING_*.
 * `target` names the object the flow was about; objects of the tree still pending become ERROR if they were
 * being created or changed by this flow, and the load balancer returns to ACTIVE (or ERROR for its own create).
 */
export async function failLoadBalancerTree(em: EntityManager, lbId: string, lbFailed: boolean): Promise<void> {
  const listeners = `SELECT id FROM listener WHERE load_balancer_id = $1`;
  const pools = `SELECT id FROM pool WHERE load_balancer_id = $1`;
  const policies = `SELECT id FROM l7policy WHERE listener_id IN (${listeners})`;
  const pending = `provisioning_status LIKE 'PENDING_%'`;
  for (const [table, scope] of [
    ['l7rule', `l7policy_id IN (${policies})`],
    ['l7policy', `listener_id IN (${listeners})`],
    ['member', `pool_id IN (${pools})`],
    ['health_monitor', `pool_id IN (${pools})`],
    ['pool', `load_balancer_id = $1`],
    ['listener', `load_balancer_id = $1`],
  ]) {
    await em.query(`UPDATE ${table} SET provisioning_status = 'ERROR' WHERE ${pending} AND ${scope}`, [lbId]);
  }
  await em.query(
    `UPDATE load_balancer SET provisioning_status = $2 WHERE id = $1 AND provisioning_status LIKE 'PENDING_%'`,
    [lbId, lbFailed ? 'ERROR' : 'ACTIVE'],
  );
}
