import { createPrivateKey, createPublicKey, KeyObject, verify, X509Certificate } from 'node:crypto';
import * as forge from 'node-forge';
import { CERT_MESSAGES } from './certificate-errors';
import { CertificateContentError, TlsBundle } from './tls-bundle';

/** No key-manager secret we accept is larger than this (a long chain is a few kilobytes). */
export const MAX_SECRET_BYTES = 64 * 1024;
const MAX_CERTIFICATES = 16;

export interface PemBlock {
  label: string;
  /** The whole block, BEGIN to END line. */
  pem: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n([A-Za-z0-9+/=\r\n]{0,65536}?)-----END \1-----/g;
const KEY_LABELS = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];

function asText(data: string | Buffer): string {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (buf.length > MAX_SECRET_BYTES) throw new CertificateContentError(`Validation failure: certificate data is larger than ${MAX_SECRET_BYTES} bytes.`);
  return buf.toString('latin1');
}

/** The PEM blocks of a text; anything between blocks is ignored and never passed on. */
export function pemBlocks(data: string | Buffer): PemBlock[] {
  const text = asText(data);
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1], pem: m[0].replace(/\r\n/g, '\n') + '\n' }));
}

export function looksLikePem(data: string | Buffer): boolean {
  return asText(data).includes('-----BEGIN ');
}

/** Certificates of a PEM text (or one DER certificate), re-encoded by OpenSSL so only certificate bytes pass through. */
export function readCertificates(data: string | Buffer): X509Certificate[] {
  if (!looksLikePem(data)) {
    if (typeof data === 'string' || data.length === 0) throw new CertificateContentError(CERT_MESSAGES.unreadableCert);
    try {
      return [new X509Certificate(data)];
    } catch {
      throw new CertificateContentError(CERT_MESSAGES.unreadableCert);
    }
  }
  const blocks = pemBlocks(data).filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
  if (!blocks.length) throw new CertificateContentError(CERT_MESSAGES.unreadableCert);
  if (blocks.length > MAX_CERTIFICATES) throw new CertificateContentError(`Validation failure: more than ${MAX_CERTIFICATES} certificates in one bundle.`);
  return blocks.map((b) => {
    try {
      return new X509Certificate(b.pem);
    } catch {
      throw new CertificateContentError(CERT_MESSAGES.unreadableCert);
    }
  });
}

export function readPrivateKey(data: string | Buffer, passphrase?: string | null): KeyObject {
  const blocks = looksLikePem(data) ? pemBlocks(data).filter((b) => KEY_LABELS.includes(b.label)) : [];
  if (looksLikePem(data) && blocks.length !== 1) throw new CertificateContentError('Validation failure: exactly one private key must be supplied.');
  const encrypted = blocks[0]?.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(blocks[0]?.pem ?? '');
  if (encrypted && !passphrase) throw new CertificateContentError('Passphrase needed to decrypt key but client did not provide one.');
  try {
    return blocks.length
      ? createPrivateKey({ key: blocks[0].pem, format: 'pem', passphrase: passphrase ?? undefined })
      : createPrivateKey({ key: typeof data === 'string' ? Buffer.from(data, 'latin1') : data, format: 'der', type: 'pkcs8' });
  } catch (err) {
    if (encrypted) throw new CertificateContentError('Private Key could not be decrypted with the passphrase provided.');
    throw new CertificateContentError(`Validation failure: the private key could not be read: ${(err as Error).message}`);
  }
}

function exportKey(key: KeyObject): string {
  const type = key.asymmetricKeyType === 'rsa' ? 'pkcs1' : key.asymmetricKeyType === 'ec' ? 'sec1' : 'pkcs8';
  return key.export({ format: 'pem', type } as never).toString();
}

function subjectNames(cert: X509Certificate): { commonName: string | null; dnsNames: string[] } {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? null;
  const dnsNames = (cert.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  return { commonName: cn, dnsNames };
}

/**
 * A certificate with its key and intermediates, validated the way upstream's certificate parser does:
 * readable X.509, a key that matches, and a subject with a CN or DNS names. Among several certificates in
 * the certificate field, the one the key belongs to is the leaf; the others count as intermediates.
 */
export function buildBundle(input: {
  certificate: string | Buffer;
  privateKey: string | Buffer | KeyObject | null | undefined;
  intermediates?: string | Buffer | null;
  passphrase?: string | null;
}): TlsBundle {
  const certs = readCertificates(input.certificate);
  if (!input.privateKey) throw new CertificateContentError('Validation failure: the certificate reference holds no private key.');
  const key = input.privateKey instanceof KeyObject ? input.privateKey : readPrivateKey(input.privateKey, input.passphrase);
  if (key.type !== 'private') throw new CertificateContentError('Validation failure: the certificate reference holds no private key.');
  const leafIndex = certs.findIndex((c) => c.checkPrivateKey(key));
  if (leafIndex < 0) throw new CertificateContentError(CERT_MESSAGES.misMatchedKey);
  const leaf = certs[leafIndex];
  const names = subjectNames(leaf);
  if (!names.commonName && !names.dnsNames.length) throw new CertificateContentError(CERT_MESSAGES.missingSubject);
  const intermediates = [
    ...certs.filter((_, i) => i !== leafIndex),
    ...(input.intermediates ? readCertificates(input.intermediates) : []),
  ];
  if (intermediates.length > MAX_CERTIFICATES) throw new CertificateContentError(`Validation failure: more than ${MAX_CERTIFICATES} certificates in one bundle.`);
  return {
    certificate: leaf.toString(),
    privateKey: exportKey(key),
    intermediates: intermediates.map((c) => c.toString()),
    commonName: names.commonName,
    dnsNames: names.dnsNames,
    notAfter: new Date(leaf.validTo),
  };
}

/** A PKCS#12 bundle without a pass phrase (as upstream requires); RSA keys (node-forge reads PKCS#12). */
export function parsePkcs12(data: Buffer): TlsBundle {
  if (data.length > MAX_SECRET_BYTES) throw new CertificateContentError(`Validation failure: certificate data is larger than ${MAX_SECRET_BYTES} bytes.`);
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(data.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, '');
  } catch (err) {
    throw new CertificateContentError(CERT_MESSAGES.unreadablePkcs12(String((err as Error).message ?? err)));
  }
  const bagsOf = (type: string) => (p12.getBags({ bagType: type })[type] ?? []) as forge.pkcs12.Bag[];
  const keyBag = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag), ...bagsOf(forge.pki.oids.keyBag)].find((b) => b.key);
  const certBags = bagsOf(forge.pki.oids.certBag).filter((b) => b.cert);
  if (!keyBag?.key || !certBags.length) {
    throw new CertificateContentError(CERT_MESSAGES.unreadablePkcs12('the bundle must hold a certificate and its private key'));
  }
  const certPems = certBags.map((b) => forge.pki.certificateToPem(b.cert!)).join('');
  return buildBundle({ certificate: certPems, privateKey: forge.pki.privateKeyToPem(keyBag.key as forge.pki.rsa.PrivateKey) });
}

/** A key-manager secret that should hold a whole server certificate: a PEM bundle (certificate + key + chain) or PKCS#12. */
export function parseBundleSecret(payload: Buffer, passphrase?: string | null): TlsBundle {
  if (looksLikePem(payload)) {
    const blocks = pemBlocks(payload);
    const keys = blocks.filter((b) => KEY_LABELS.includes(b.label)).map((b) => b.pem).join('');
    const certs = blocks.filter((b) => !KEY_LABELS.includes(b.label)).map((b) => b.pem).join('');
    return buildBundle({ certificate: certs, privateKey: keys || null, passphrase });
  }
  return parsePkcs12(payload);
}

/** A CA certificate (or chain) for client authentication or member verification, as normalised PEM. */
export function parseCaCertificate(data: string | Buffer, what = 'client authentication CA certificate'): string {
  try {
    return readCertificates(data).map((c) => c.toString()).join('');
  } catch (err) {
    throw new CertificateContentError(
      `Validation failure: The ${what} is invalid. It must be a valid x509 PEM format certificate. Error: ${(err as Error).message}`,
    );
  }
}

const SIGNATURE_DIGESTS: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

export interface ParsedCrl {
  der: Buffer;
  tbs: Buffer;
  digest: string;
  signature: Buffer;
}

function crlInvalid(what: string, detail: string): CertificateContentError {
  return new CertificateContentError(`Validation failure: The ${what} is invalid. It must be a valid x509 PEM format certificate revocation list. Error: ${detail}`);
}

/** The structure of an X.509 CRL (PEM `X509 CRL` block or DER): to-be-signed part, digest and signature. */
export function readCrl(data: string | Buffer, what = 'client authentication certificate revocation list'): ParsedCrl {
  const blocks = looksLikePem(data) ? pemBlocks(data).filter((b) => b.label === 'X509 CRL') : [];
  let der: Buffer;
  if (blocks.length === 1) der = Buffer.from(blocks[0].pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  else if (!looksLikePem(data) && typeof data !== 'string' && data.length) der = data;
  else throw crlInvalid(what, blocks.length ? 'more than one CRL' : 'no X509 CRL block found');
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')), { decodeBitStrings: false } as never);
    const [tbsNode, algNode, sigNode] = asn1.value as forge.asn1.Asn1[];
    if (!tbsNode || !algNode || !sigNode || sigNode.type !== forge.asn1.Type.BITSTRING || typeof sigNode.value !== 'string') throw new Error('not a CertificateList');
    const digest = SIGNATURE_DIGESTS[forge.asn1.derToOid((algNode.value as forge.asn1.Asn1[])[0].value as string)];
    if (!digest) throw new Error('unsupported signature algorithm');
    return {
      der,
      tbs: Buffer.from(forge.asn1.toDer(tbsNode).getBytes(), 'binary'),
      digest,
      signature: Buffer.from((sigNode.value as string).slice(1), 'binary'),
    };
  } catch (err) {
    throw crlInvalid(what, (err as Error).message);
  }
}

export function crlToPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN X509 CRL-----\n${b64}\n-----END X509 CRL-----\n`;
}

/**
 * A certificate revocation list, checked to be a well-formed X.509 CRL signed by (one of) the CA
 * certificates it goes with; returned as normalised PEM.
 */
export function parseCrl(data: string | Buffer, caPem: string, what = 'client authentication certificate revocation list'): string {
  const crl = readCrl(data, what);
  const signed = readCertificates(caPem).some((ca) => {
    try {
      return verify(crl.digest, crl.tbs, createPublicKey(ca.publicKey.export({ format: 'pem', type: 'spki' })), crl.signature);
    } catch {
      return false;
    }
  });
  if (!signed) throw new CertificateContentError('Validation failure: The CRL specified is not valid for client certificate authority reference supplied.');
  return crlToPem(crl.der);
}
