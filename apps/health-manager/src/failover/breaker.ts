import { HealthDatabase, tsParam } from '../db/health-database';

/**
 * The operator's way past an open circuit breaker (`octavia-ts health-manager reset-breaker`): it records an
 * acknowledgement time. Amphorae already stale at that moment no longer count towards failover_threshold,
 * so they are failed over (still at most failover_threads at a time per manager); amphorae that go stale
 * afterwards count again, so a new mass failure trips the breaker again. Every manager reads it.
 */
export async function resetBreaker(db: HealthDatabase, by: string, now = Date.now()): Promise<void> {
  await db.run(
    'reset_breaker',
    `INSERT INTO health_manager_breaker (id, acknowledged_at, acknowledged_by) VALUES (1, ${tsParam(1)}, $2)
     ON CONFLICT (id) DO UPDATE SET acknowledged_at = EXCLUDED.acknowledged_at, acknowledged_by = EXCLUDED.acknowledged_by`,
    [now, by],
  );
}
