import { X509Certificate } from 'node:crypto';
import { CertificateError } from './certificate.types';

function parseCertificate(pem: string | Buffer): X509Certificate {
  try {
    // X509Certificate reads the first certificate of a bundle, which is what we want for
    // `cert || key` files.
    return new X509Certificate(pem);
  } catch (err) {
    throw new CertificateError(400, `not a PEM certificate: ${(err as Error).message}`);
  }
}

/** Expiry (notAfter) of the first certificate in a PEM text or bundle. */
export function certificateExpiry(pem: string | Buffer): Date {
  return new Date(parseCertificate(pem).validTo);
}

/** Start of validity (notBefore) of the first certificate in a PEM text or bundle. */
export function certificateNotBefore(pem: string | Buffer): Date {
  return new Date(parseCertificate(pem).validFrom);
}

/**
 * True if the certificate expires before `now + seconds` — the housekeeping rotation test
 * (`cert_expiry_buffer`, 14 days by default).
 */
export function certificateExpiresWithin(pem: string | Buffer, seconds: number, now: Date = new Date()): boolean {
  return certificateExpiry(pem).getTime() < now.getTime() + seconds * 1000;
}

/** True if `now` lies outside the certificate's validity window. */
export function isCertificateExpired(pem: string | Buffer, now: Date = new Date()): boolean {
  const cert = parseCertificate(pem);
  return now.getTime() > new Date(cert.validTo).getTime() || now.getTime() < new Date(cert.validFrom).getTime();
}

/** Split a `cert || key` bundle into its certificate PEM blocks and its private key PEM. */
export function splitPemBundle(bundle: string): { certificates: string[]; privateKey: string | null } {
  const blocks = bundle.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
  const certificates = blocks.filter((b) => b.startsWith('-----BEGIN CERTIFICATE-----')).map((b) => `${b}\n`);
  const key = blocks.find((b) => /^-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(b));
  return { certificates, privateKey: key ? `${key}\n` : null };
}
