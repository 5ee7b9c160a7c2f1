/**
 * The certificate-manager seam: listener and pool TLS references (`default_tls_container_ref`,
 * `sni_container_refs`, `client_ca_tls_container_ref`, `tls_container_ref`, ...) are resolved through a
 * CertificateManager. The API uses it to refuse unusable references with a 400; the worker uses it to
 * build the PEM files it uploads to amphorae.
 */

/** A server (or pool client) certificate ready for HAProxy: validated, key decrypted, PEM only. */
export interface TlsBundle {
  /** The leaf certificate, PEM. */
  certificate: string;
  /** The private key matching `certificate`, unencrypted PEM. */
  privateKey: string;
  /** Intermediate certificates, PEM each, in the order given. */
  intermediates: string[];
  /** Subject common name, if any. */
  commonName: string | null;
  /** DNS subject alternative names. */
  dnsNames: string[];
  notAfter: Date;
}

/** Who asks: the API passes the caller's context (Barbican is read with the caller's token). */
export interface CertRequestContext {
  authToken?: string;
  projectId?: string;
  isAdmin?: boolean;
}

export interface CertificateManager {
  /** A certificate with its key (listener default/SNI certificates, pool client certificates). */
  get(ref: string, ctx: CertRequestContext): Promise<TlsBundle>;
  /** A single secret, raw: a CA certificate (chain) or a certificate revocation list, PEM or DER. */
  getSecret(ref: string, ctx: CertRequestContext): Promise<Buffer>;
}

/** The reference could not be fetched (unknown, forbidden, key manager unreachable). */
export class CertificateRetrievalError extends Error {
  constructor(readonly ref: string, readonly reason: string) {
    super(`could not retrieve ${ref}: ${reason}`);
  }
}

/**
 * The reference was fetched but its content is unusable; `message` is what the API answers with a 400
 * (upstream's wording where upstream has one).
 */
export class CertificateContentError extends Error {
  constructor(message: string, readonly ref?: string) {
    super(message);
  }
}
