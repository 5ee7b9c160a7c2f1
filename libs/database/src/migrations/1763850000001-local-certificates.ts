import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The local certificate store (libs/cert-manager) for deployments without Barbican: certificates, CA
 * certificates and CRLs referred to as `local://<id>`, their PEM content sealed with AES-256-GCM.
 */
export class LocalCertificates1763850000001 implements MigrationInterface {
  name = 'LocalCertificates1763850000001';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "local_certificate" ("id" uuid NOT NULL, "project_id" character varying(36), "name" character varying(255), "kind" character varying(16) NOT NULL, "subject" character varying(1024), "not_after" TIMESTAMP, "fingerprint_sha256" character varying(64) NOT NULL, "nonce" bytea NOT NULL, "ciphertext" bytea NOT NULL, "auth_tag" bytea NOT NULL, "created_at" TIMESTAMP NOT NULL, CONSTRAINT "pk_local_certificate" PRIMARY KEY ("id"), CONSTRAINT "ck_local_certificate_kind" CHECK ("kind" IN ('bundle', 'ca', 'crl')))`,
    );
    await q.query(`CREATE INDEX "ix_local_certificate_project" ON "local_certificate" ("project_id")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS "local_certificate"`);
  }
}
