import { MigrationInterface, QueryRunner } from 'typeorm';

/** Which worker process runs a flow (host:pid), for operators and for the crash tests; unique live management addresses. */
export class FlowOwner1763800000000 implements MigrationInterface {
  name = 'FlowOwner1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "flow" ADD COLUMN IF NOT EXISTS "owner" character varying(255)`);
    await q.query(`CREATE UNIQUE INDEX IF NOT EXISTS "uq_amphora_live_mgmt_ip" ON "amphora" ("lb_network_ip") WHERE status NOT IN ('DELETED')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS "uq_amphora_live_mgmt_ip"`);
    await q.query(`ALTER TABLE "flow" DROP COLUMN IF EXISTS "owner"`);
  }
}
