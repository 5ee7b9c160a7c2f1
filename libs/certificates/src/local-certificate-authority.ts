import { createPrivateKey, generateKeyPairSync, KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import * as forge from 'node-forge';
import {
  CertificateError,
  CertificateRole,
  CreateAuthorityOptions,
  IssuedCertificate,
  IssueOptions,
  LoadAuthorityOptions,
  SigningDigest,
} from './certificate.types';

/** `[certificates] cert_validity_time` default. */
export const DEFAULT_CERT_VALIDITY_SECONDS = 30 * 24 * 3600;
const DEFAULT_CA_VALIDITY_SECONDS = 10 * 365 * 24 * 3600;
const RSA_BITS = 2048;

const SIGNATURE_OIDS: Record<SigningDigest, string> = {
  sha256: forge.pki.oids.sha256WithRSAEncryption,
  sha384: forge.pki.oids.sha384WithRSAEncryption,
  sha512: forge.pki.oids.sha512WithRSAEncryption,
};

/** Present in node-forge since 0.x but missing from @types/node-forge. */
interface ForgeTbs {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

interface KeyPair {
  privateKey: KeyObject;
  privateKeyPem: string;
  publicKey: forge.pki.rsa.PublicKey;
}

/**
 * RSA key generation in node-forge's JavaScript takes seconds; OpenSSL via node:crypto
 * takes tens of milliseconds. forge only needs the public half to build the certificate.
 */
function generateRsaKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: RSA_BITS, publicExponent: 65537 });
  const privateKeyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, privateKeyPem, publicKey: forge.pki.publicKeyFromPem(publicPem) as forge.pki.rsa.PublicKey };
}

/** 128 random bits as a positive DER INTEGER of exactly 16 bytes (top bit clear, next set). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function lf(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}

/**
 * Sign the TBSCertificate with OpenSSL (node:crypto) instead of forge's JavaScript RSA:
 * same bytes, a fraction of the time.
 */
function signCertificate(cert: forge.pki.Certificate, key: KeyObject, digest: SigningDigest): string {
  const oid = SIGNATURE_OIDS[digest];
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  const tbs = (forge.pki as unknown as ForgeTbs).getTBSCertificate(cert);
  const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  (cert as forge.pki.Certificate & { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
  cert.signature = sign(digest, der, key).toString('binary');
  return lf(forge.pki.certificateToPem(cert));
}

function validityWindow(notBefore: Date, seconds: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new CertificateError(400, `validity must be a positive number of seconds, got ${seconds}`);
  }
  // X.509 times have one-second resolution; keep the Date we return equal to what is encoded.
  const start = new Date(Math.floor(notBefore.getTime() / 1000) * 1000);
  return { notBefore: start, notAfter: new Date(start.getTime() + seconds * 1000) };
}

/**
 * A certificate authority held in memory: creates its own key and self-signed certificate or
 * loads existing PEMs, and issues amphora server certificates and controller client
 * certificates with the profile of upstream's local generator (amphora-agent-api.md §1.4).
 * No global state: each instance owns its key.
 */
export class LocalCertificateAuthority {
  private readonly caCert: forge.pki.Certificate;
  /** Subject key identifier of the CA, as raw bytes, used as AKI of issued certificates. */
  private readonly caKeyIdentifier: string;

  private constructor(
    readonly certificatePem: string,
    private readonly caKey: KeyObject,
    private readonly caKeyPem: string,
    private readonly defaultValiditySeconds: number,
    private readonly signingDigest: SigningDigest,
  ) {
    try {
      this.caCert = forge.pki.certificateFromPem(certificatePem);
    } catch (err) {
      throw new CertificateError(400, `CA certificate is not an RSA PEM certificate: ${(err as Error).message}`);
    }
    if (!new X509Certificate(certificatePem).checkPrivateKey(caKey)) {
      throw new CertificateError(400, 'CA private key does not match the CA certificate');
    }
    const ski = this.caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
    // Upstream falls back to an identifier derived from the CA public key when the CA
    // certificate carries no SKI.
    this.caKeyIdentifier = ski?.subjectKeyIdentifier
      ? forge.util.hexToBytes(ski.subjectKeyIdentifier)
      : forge.pki.getPublicKeyFingerprint(this.caCert.publicKey, { type: 'RSAPublicKey' }).getBytes();
  }

  /** Create a new CA with a fresh RSA 2048 key and a self-signed certificate. */
  static create(options: CreateAuthorityOptions = {}): LocalCertificateAuthority {
    const digest = options.signingDigest ?? 'sha256';
    const keys = generateRsaKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = randomSerial();
    const window = validityWindow(options.notBefore ?? new Date(), options.validitySeconds ?? DEFAULT_CA_VALIDITY_SECONDS);
    cert.validity.notBefore = window.notBefore;
    cert.validity.notAfter = window.notAfter;
    const subject = [{ name: 'commonName', value: options.commonName ?? 'octavia-ts local CA' }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: cert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    const pem = signCertificate(cert, keys.privateKey, digest);
    return new LocalCertificateAuthority(
      pem,
      keys.privateKey,
      keys.privateKeyPem,
      options.defaultValiditySeconds ?? DEFAULT_CERT_VALIDITY_SECONDS,
      digest,
    );
  }

  /** Load an existing CA (`[certificates] ca_certificate` / `ca_private_key`). */
  static fromPem(certificatePem: string, privateKeyPem: string, options: LoadAuthorityOptions = {}): LocalCertificateAuthority {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: privateKeyPem, format: 'pem', passphrase: options.passphrase });
    } catch (err) {
      throw new CertificateError(400, `cannot read the CA private key: ${(err as Error).message}`);
    }
    if (key.asymmetricKeyType !== 'rsa') {
      throw new CertificateError(400, `CA key must be RSA, got ${key.asymmetricKeyType ?? 'unknown'}`);
    }
    const keyPem = key.export({ type: 'pkcs1', format: 'pem' }).toString();
    return new LocalCertificateAuthority(
      lf(certificatePem),
      key,
      keyPem,
      options.defaultValiditySeconds ?? DEFAULT_CERT_VALIDITY_SECONDS,
      options.signingDigest ?? 'sha256',
    );
  }

  /** Unencrypted PKCS#1 PEM of the CA key (store it encrypted at rest). */
  get privateKeyPem(): string {
    return this.caKeyPem;
  }

  get notAfter(): Date {
    return this.caCert.validity.notAfter;
  }

  /**
   * Certificate for an amphora's agent: CN and DNS SAN are the amphora id, because the
   * controller verifies the agent's certificate against the amphora UUID, not its IP.
   */
  issueServerCertificate(amphoraId: string, options: IssueOptions = {}): IssuedCertificate {
    return this.issue(amphoraId, 'server', options);
  }

  /** Certificate the controller presents to agents (chains to the amphorae's client CA). */
  issueClientCertificate(commonName: string, options: IssueOptions = {}): IssuedCertificate {
    return this.issue(commonName, 'client', options);
  }

  /** True if `certificatePem` (first certificate of the text) was signed by this CA. */
  hasIssued(certificatePem: string): boolean {
    try {
      const cert = new X509Certificate(certificatePem);
      const ca = new X509Certificate(this.certificatePem);
      return cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch (err) {
      throw new CertificateError(400, `not a PEM certificate: ${(err as Error).message}`);
    }
  }

  private issue(commonName: string, role: CertificateRole, options: IssueOptions): IssuedCertificate {
    if (!commonName || commonName.length > 64) {
      throw new CertificateError(400, 'common name must be 1..64 characters');
    }
    const keys = generateRsaKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = randomSerial();
    const window = validityWindow(options.notBefore ?? new Date(), options.validitySeconds ?? this.defaultValiditySeconds);
    cert.validity.notBefore = window.notBefore;
    cert.validity.notAfter = window.notAfter;
    cert.setSubject([{ name: 'commonName', value: commonName }]);
    cert.setIssuer(this.caCert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      {
        name: 'keyUsage',
        digitalSignature: true,
        keyEncipherment: true,
        dataEncipherment: true,
        keyAgreement: true,
        critical: true,
      },
      // Upstream issues server+client for amphorae; a controller certificate only authenticates.
      role === 'server'
        ? { name: 'extKeyUsage', serverAuth: true, clientAuth: true, critical: true }
        : { name: 'extKeyUsage', clientAuth: true, critical: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: commonName }] },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: this.caKeyIdentifier },
    ]);
    const certificatePem = signCertificate(cert, this.caKey, this.signingDigest);
    return {
      certificatePem,
      privateKeyPem: keys.privateKeyPem,
      bundlePem: certificatePem + keys.privateKeyPem,
      serialNumber: cert.serialNumber,
      notBefore: window.notBefore,
      notAfter: window.notAfter,
    };
  }
}
