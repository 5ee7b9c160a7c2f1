import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Health manager: the failover flow a claim started (so its outcome is tracked and a FAILED flow is retried
 * with backoff), and the circuit breaker's operator acknowledgement (`octavia-ts health-manager reset-breaker`).
 */
export class HealthManagerFailover1763880000000 implements MigrationInterface {
  name = 'HealthManagerFailover1763880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "amphora_health" ADD COLUMN IF NOT EXISTS "failover_flow_id" uuid`);
    await q.query(`CREATE INDEX IF NOT EXISTS "ix_amphora_health_failover_flow" ON "amphora_health" ("failover_flow_id") WHERE failover_flow_id IS NOT NULL`);
    await q.query(
      `CREATE TABLE IF NOT EXISTS "health_manager_breaker" ("id" smallint NOT NULL DEFAULT 1, "acknowledged_at" TIMESTAMP, "acknowledged_by" character varying(255), CONSTRAINT "pk_health_manager_breaker" PRIMARY KEY ("id"), CONSTRAINT "ck_health_manager_breaker_single" CHECK ("id" = 1))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS "health_manager_breaker"`);
    await q.query(`DROP INDEX IF EXISTS "ix_amphora_health_failover_flow"`);
    await q.query(`ALTER TABLE "amphora_health" DROP COLUMN IF EXISTS "failover_flow_id"`);
  }
}
