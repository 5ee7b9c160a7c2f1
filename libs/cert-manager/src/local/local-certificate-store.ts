import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { buildBundle, crlToPem, parseCaCertificate, parsePkcs12, readCrl } from '../pem-parser';
import { CertificateContentError } from '../tls-bundle';
import { StoreCipher } from './store-cipher';

/** Anything that runs parameterised SQL and returns rows (a TypeORM DataSource or EntityManager, a pg pool wrapper). */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<any[]>;
}

/** `bundle`: certificate + key (+ chain); `ca`: CA certificate(s) only; `crl`: a revocation list. */
export type LocalCertificateKind = 'bundle' | 'ca' | 'crl';

export interface LocalCertificateInput {
  name?: string | null;
  projectId?: string | null;
  /** PEM: the certificate (and optionally its chain). Alone, it is stored as a CA certificate. */
  certificate?: string | null;
  privateKey?: string | null;
  intermediates?: string | null;
  passphrase?: string | null;
  /** A PKCS#12 bundle without pass phrase. */
  pkcs12?: Buffer | null;
  /** PEM `X509 CRL`. */
  crl?: string | null;
}

export interface LocalCertificateRecord {
  id: string;
  ref: string;
  name: string | null;
  projectId: string | null;
  kind: LocalCertificateKind;
  subject: string | null;
  notAfter: Date | null;
  fingerprintSha256: string;
  createdAt: Date;
}

/** What is sealed in a row: validated, normalised PEM (keys unencrypted, as HAProxy needs them). */
export interface LocalCertificatePayload {
  certificate?: string;
  privateKey?: string;
  intermediates?: string[];
  crl?: string;
}

export const LOCAL_REF_PREFIX = 'local://';

interface Row {
  id: string;
  project_id: string | null;
  name: string | null;
  kind: LocalCertificateKind;
  subject: string | null;
  not_after: Date | null;
  fingerprint_sha256: string;
  nonce: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
  created_at: Date;
}

/**
 * Certificates for deployments without Barbican, kept encrypted in the `local_certificate` table and
 * referred to as `local://<uuid>`. Everything is validated before it is stored, so a stored certificate
 * is always usable.
 */
export class LocalCertificateStore {
  constructor(private readonly db: SqlRunner, private readonly cipher: StoreCipher) {}

  /** Validates the input and stores it; the content errors are the API's 400 messages. */
  async add(input: LocalCertificateInput): Promise<LocalCertificateRecord> {
    const { kind, payload, subject, notAfter, fingerprint } = prepare(input);
    const id = randomUUID();
    const sealed = this.cipher.seal(id, Buffer.from(JSON.stringify(payload), 'utf8'));
    const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    await this.db.query(
      `INSERT INTO local_certificate (id, project_id, name, kind, subject, not_after, fingerprint_sha256, nonce, ciphertext, auth_tag, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [id, input.projectId ?? null, input.name ?? null, kind, subject, notAfter, fingerprint, sealed.nonce, sealed.ciphertext, sealed.authTag, createdAt],
    );
    return { id, ref: LOCAL_REF_PREFIX + id, name: input.name ?? null, projectId: input.projectId ?? null, kind, subject, notAfter, fingerprintSha256: fingerprint, createdAt };
  }

  async list(projectId?: string): Promise<LocalCertificateRecord[]> {
    const rows: Row[] = projectId === undefined
      ? await this.db.query(`SELECT * FROM local_certificate ORDER BY created_at, id`)
      : await this.db.query(`SELECT * FROM local_certificate WHERE project_id = $1 ORDER BY created_at, id`, [projectId]);
    return rows.map(record);
  }

  async find(id: string): Promise<LocalCertificateRecord | null> {
    const row = await this.row(id);
    return row ? record(row) : null;
  }

  async delete(id: string): Promise<boolean> {
    if (!(await this.row(id))) return false;
    await this.db.query(`DELETE FROM local_certificate WHERE id = $1`, [id]);
    return true;
  }

  /** The decrypted content, or null when there is no such certificate. */
  async load(id: string): Promise<{ record: LocalCertificateRecord; payload: LocalCertificatePayload } | null> {
    const row = await this.row(id);
    if (!row) return null;
    const plain = this.cipher.open(row.id, { nonce: row.nonce, ciphertext: row.ciphertext, authTag: row.auth_tag });
    return { record: record(row), payload: JSON.parse(plain.toString('utf8')) as LocalCertificatePayload };
  }

  private async row(id: string): Promise<Row | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const [row] = await this.db.query(`SELECT * FROM local_certificate WHERE id = $1`, [id.toLowerCase()]);
    return (row as Row | undefined) ?? null;
  }
}

function record(row: Row): LocalCertificateRecord {
  return {
    id: row.id,
    ref: LOCAL_REF_PREFIX + row.id,
    name: row.name,
    projectId: row.project_id,
    kind: row.kind,
    subject: row.subject,
    notAfter: row.not_after,
    fingerprintSha256: row.fingerprint_sha256,
    createdAt: row.created_at,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function prepare(input: LocalCertificateInput): { kind: LocalCertificateKind; payload: LocalCertificatePayload; subject: string | null; notAfter: Date | null; fingerprint: string } {
  const given = [input.pkcs12 ? 'pkcs12' : null, input.certificate ? 'certificate' : null, input.crl ? 'crl' : null].filter(Boolean);
  if (given.length !== 1) throw new CertificateContentError('Validation failure: supply exactly one of certificate (with private_key for a server certificate), pkcs12 or crl.');
  if (input.crl) {
    if (input.privateKey || input.intermediates) throw new CertificateContentError('Validation failure: a CRL takes no private key or intermediates.');
    const crl = crlToPem(readCrl(input.crl, 'certificate revocation list').der);
    return { kind: 'crl', payload: { crl }, subject: null, notAfter: null, fingerprint: sha256(crl) };
  }
  if (input.certificate && !input.privateKey) {
    if (input.intermediates || input.passphrase) throw new CertificateContentError('Validation failure: intermediates and passphrase need a private_key.');
    const ca = parseCaCertificate(input.certificate, 'CA certificate');
    const first = new X509Certificate(ca);
    return { kind: 'ca', payload: { certificate: ca }, subject: first.subject.replace(/\n/g, ', '), notAfter: new Date(first.validTo), fingerprint: sha256(ca) };
  }
  const bundle = input.pkcs12
    ? parsePkcs12(input.pkcs12)
    : buildBundle({ certificate: input.certificate!, privateKey: input.privateKey, intermediates: input.intermediates, passphrase: input.passphrase });
  const subject = new X509Certificate(bundle.certificate).subject.replace(/\n/g, ', ');
  return {
    kind: 'bundle',
    payload: { certificate: bundle.certificate, privateKey: bundle.privateKey, intermediates: bundle.intermediates },
    subject,
    notAfter: bundle.notAfter,
    fingerprint: sha256(bundle.certificate),
  };
}
