import { generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import * as forge from 'node-forge';

/**
 * Certificates for tests: a CA, server certificates it issues, CRLs it signs and PKCS#12 bundles. Keys are
 * made by OpenSSL (node:crypto) because forge's JavaScript RSA key generation takes seconds.
 */
export interface TestKeyPair {
  key: KeyObject;
  keyPem: string;
  forgeKey: forge.pki.rsa.PrivateKey;
  forgePublic: forge.pki.rsa.PublicKey;
}

export function rsaKeyPair(): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    key: privateKey,
    keyPem,
    forgeKey: forge.pki.privateKeyFromPem(keyPem),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey,
  };
}

export interface TestCertificate {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  keys: TestKeyPair;
}

function serial(): string {
  const b = randomBytes(12);
  b[0] &= 0x7f;
  return b.toString('hex');
}

export function makeCa(commonName = 'Test Root CA'): TestCertificate {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.forgePublic;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86400_000);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]);
  cert.sign(keys.forgeKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem, cert, keys };
}

/** A server certificate signed by `issuer`; `commonName: null` leaves the subject without CN (and no SAN unless `dnsNames`). */
export function issueCertificate(issuer: TestCertificate, opts: { commonName?: string | null; dnsNames?: string[]; ca?: boolean } = {}): TestCertificate {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.forgePublic;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 90 * 86400_000);
  const cn = opts.commonName === undefined ? 'www.example.test' : opts.commonName;
  cert.setSubject(cn === null ? [{ name: 'organizationName', value: 'No Name Inc' }] : [{ name: 'commonName', value: cn }]);
  cert.setIssuer(issuer.cert.subject.attributes);
  const ext: any[] = [{ name: 'basicConstraints', cA: !!opts.ca, critical: true }];
  if (opts.dnsNames?.length) ext.push({ name: 'subjectAltName', altNames: opts.dnsNames.map((value) => ({ type: 2, value })) });
  cert.setExtensions(ext);
  cert.sign(issuer.keys.forgeKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem, cert, keys };
}

/** An X.509 v2 CRL signed by `issuer` (revoking the given serial numbers). */
export function makeCrl(issuer: TestCertificate, revokedSerials: string[] = []): string {
  const asn1 = forge.asn1;
  const sigAlg = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids.sha256WithRSAEncryption).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);
  const time = (d: Date) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d));
  const revoked = revokedSerials.map((s) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(s)),
      time(new Date()),
    ]));
  const tbsParts = [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(1)),
    sigAlg,
    forge.pki.distinguishedNameToAsn1(issuer.cert.subject),
    time(new Date(Date.now() - 60_000)),
    time(new Date(Date.now() + 7 * 86400_000)),
  ];
  if (revoked.length) tbsParts.push(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, revoked));
  const tbs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, tbsParts);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, issuer.keys.key);
  const crl = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    sigAlg,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + signature.toString('binary')),
  ]);
  const der = Buffer.from(asn1.toDer(crl).getBytes(), 'binary');
  return `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END X509 CRL-----\n`;
}

/** A PKCS#12 bundle (empty pass phrase, as `openssl pkcs12 -export -passout pass:` makes, unless given) holding `leaf` with its key and the `chain`. */
export function makePkcs12(leaf: TestCertificate, chain: TestCertificate[] = [], password = ''): Buffer {
  const p12 = forge.pkcs12.toPkcs12Asn1(leaf.keys.forgeKey, [leaf.cert, ...chain.map((c) => c.cert)], password, { algorithm: '3des' });
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
}
