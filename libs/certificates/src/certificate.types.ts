/** Digest used to sign issued certificates (`[certificates] signing_digest`). */
export type SigningDigest = 'sha256' | 'sha384' | 'sha512';

/** What a certificate is for; decides its extended key usage. */
export type CertificateRole = 'server' | 'client';

export interface IssuedCertificate {
  /** PEM of the certificate alone (LF line endings). */
  certificatePem: string;
  /** Unencrypted PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), as upstream's local generator writes. */
  privateKeyPem: string;
  /**
   * Certificate followed by key: the one-file form the amphora reads as
   * `agent_server_cert` and the controller as `[haproxy_amphora] client_cert`.
   */
  bundlePem: string;
  /** Lowercase hex, positive, 16 bytes. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

export interface IssueOptions {
  /** Validity in seconds (default `cert_validity_time` = 2592000 s = 30 days). */
  validitySeconds?: number;
  /** Start of validity (default: now). */
  notBefore?: Date;
}

export interface CreateAuthorityOptions {
  /** Subject CN of the CA (default `octavia-ts local CA`). */
  commonName?: string;
  /** CA validity in seconds (default 10 years). */
  validitySeconds?: number;
  /** Default validity for certificates it issues (default 30 days). */
  defaultValiditySeconds?: number;
  signingDigest?: SigningDigest;
  notBefore?: Date;
}

export interface LoadAuthorityOptions {
  /** Passphrase of an encrypted CA key (`[certificates] ca_private_key_passphrase`). */
  passphrase?: string;
  defaultValiditySeconds?: number;
  signingDigest?: SigningDigest;
}

/** Errors are values: a status for callers that map them to responses, and a readable message. */
export class CertificateError extends Error {
  constructor(
    readonly status: 400 | 500,
    message: string,
  ) {
    super(message);
    this.name = 'CertificateError';
  }
}
