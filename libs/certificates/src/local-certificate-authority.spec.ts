import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import * as forge from 'node-forge';
import {
  certificateExpiresWithin,
  certificateExpiry,
  isCertificateExpired,
  splitPemBundle,
} from './certificate-expiry';
import { CertificateError } from './certificate.types';
import { DEFAULT_CERT_VALIDITY_SECONDS, LocalCertificateAuthority } from './local-certificate-authority';

const AMPHORA_ID = '2f1e3c1a-7d4b-4e55-9a0e-5b7c3f0c9d11';

function opensslText(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem }).toString();
}

describe('LocalCertificateAuthority', () => {
  let ca: LocalCertificateAuthority;

  beforeAll(() => {
    ca = LocalCertificateAuthority.create({ commonName: 'spec CA' });
  });

  it('creates a self-signed CA certificate with CA:TRUE', () => {
    const cert = new X509Certificate(ca.certificatePem);
    expect(cert.subject).toBe('CN=spec CA');
    expect(cert.issuer).toBe('CN=spec CA');
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(ca.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it('issues an amphora server certificate with the upstream profile', () => {
    const issued = ca.issueServerCertificate(AMPHORA_ID);
    const cert = new X509Certificate(issued.certificatePem);
    expect(cert.subject).toBe(`CN=${AMPHORA_ID}`);
    expect(cert.subjectAltName).toBe(`DNS:${AMPHORA_ID}`);
    expect(cert.ca).toBe(false);
    expect(cert.checkHost(AMPHORA_ID)).toBe(AMPHORA_ID);
    expect(cert.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(ca.hasIssued(issued.certificatePem)).toBe(true);
    expect(cert.keyUsage?.sort()).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect((cert.publicKey.asymmetricKeyDetails ?? {}).modulusLength).toBe(2048);
    expect(issued.privateKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(cert.checkPrivateKey(createPrivateKey(issued.privateKeyPem))).toBe(true);
    expect(issued.bundlePem).toBe(issued.certificatePem + issued.privateKeyPem);
    expect(issued.certificatePem).not.toContain('\r');

    const text = opensslText(issued.certificatePem);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(
      /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Data Encipherment, Key Agreement/,
    );
    expect(text).toMatch(/X509v3 Extended Key Usage: critical\s+TLS Web Server Authentication, TLS Web Client Authentication/);
  });

  it('sets the AKI of issued certificates to the CA subject key identifier', () => {
    const issued = ca.issueServerCertificate(AMPHORA_ID);
    const caSki = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(opensslText(ca.certificatePem))?.[1];
    const aki = /Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(opensslText(issued.certificatePem))?.[1];
    expect(caSki).toBeDefined();
    expect(aki).toBe(caSki);
  });

  it('issues 30-day certificates by default with a positive 128-bit random serial', () => {
    const before = Date.now();
    const a = ca.issueServerCertificate(AMPHORA_ID);
    const b = ca.issueServerCertificate(AMPHORA_ID);
    expect(a.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(a.serialNumber).not.toBe(b.serialNumber);
    expect(new X509Certificate(a.certificatePem).serialNumber.toLowerCase()).toBe(a.serialNumber);
    const lifetime = a.notAfter.getTime() - a.notBefore.getTime();
    expect(lifetime).toBe(DEFAULT_CERT_VALIDITY_SECONDS * 1000);
    expect(Math.abs(certificateExpiry(a.certificatePem).getTime() - a.notAfter.getTime())).toBe(0);
    expect(a.notBefore.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('honours a custom validity', () => {
    const issued = ca.issueServerCertificate(AMPHORA_ID, { validitySeconds: 3600 });
    expect(issued.notAfter.getTime() - issued.notBefore.getTime()).toBe(3600_000);
    expect(() => ca.issueServerCertificate(AMPHORA_ID, { validitySeconds: 0 })).toThrow(CertificateError);
  });

  it('issues a client-only certificate for the controller', () => {
    const issued = ca.issueClientCertificate('octavia-controller');
    const cert = new X509Certificate(issued.certificatePem);
    expect(cert.subject).toBe('CN=octavia-controller');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('issues a certificate in well under a second', () => {
    const start = process.hrtime.bigint();
    ca.issueServerCertificate(AMPHORA_ID);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    expect(ms).toBeLessThan(1000);
  });

  it('round-trips through PEM, including an encrypted CA key', () => {
    const encrypted = forge.pki.encryptRsaPrivateKey(forge.pki.privateKeyFromPem(ca.privateKeyPem), 'secret', {
      algorithm: 'aes256',
    });
    const loaded = LocalCertificateAuthority.fromPem(ca.certificatePem, encrypted, { passphrase: 'secret' });
    const issued = loaded.issueServerCertificate(AMPHORA_ID);
    expect(ca.hasIssued(issued.certificatePem)).toBe(true);
    expect(() => LocalCertificateAuthority.fromPem(ca.certificatePem, encrypted, { passphrase: 'wrong' })).toThrow(
      CertificateError,
    );
  });

  it('rejects a key that does not belong to the CA certificate', () => {
    const other = LocalCertificateAuthority.create();
    expect(() => LocalCertificateAuthority.fromPem(ca.certificatePem, other.privateKeyPem)).toThrow(/does not match/);
    expect(other.hasIssued(ca.issueServerCertificate(AMPHORA_ID).certificatePem)).toBe(false);
  });

  it('produces certificates that complete a mutual TLS handshake checked against the amphora id', async () => {
    const serverCa = ca;
    const clientCa = LocalCertificateAuthority.create({ commonName: 'client CA' });
    const server = serverCa.issueServerCertificate(AMPHORA_ID);
    const client = clientCa.issueClientCertificate('controller');
    const srv = tls.createServer({
      key: server.privateKeyPem,
      cert: server.certificatePem,
      ca: clientCa.certificatePem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    srv.on('secureConnection', (socket) => socket.end('hello'));
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: (srv.address() as AddressInfo).port,
          key: client.privateKeyPem,
          cert: client.certificatePem,
          ca: serverCa.certificatePem,
          servername: AMPHORA_ID,
          maxVersion: 'TLSv1.2',
        });
        let data = '';
        socket.on('data', (d) => (data += d.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(reply).toBe('hello');
    } finally {
      srv.close();
    }
  });
});

describe('certificate expiry helpers', () => {
  const ca = LocalCertificateAuthority.create();
  const now = new Date();
  const issued = ca.issueServerCertificate(AMPHORA_ID, { validitySeconds: 7 * 24 * 3600, notBefore: now });

  it('reads notAfter from a cert or a cert+key bundle', () => {
    expect(certificateExpiry(issued.bundlePem).getTime()).toBe(issued.notAfter.getTime());
  });

  it('answers the housekeeping question "expires within the buffer?"', () => {
    expect(certificateExpiresWithin(issued.certificatePem, 14 * 24 * 3600, now)).toBe(true);
    expect(certificateExpiresWithin(issued.certificatePem, 6 * 24 * 3600, now)).toBe(false);
  });

  it('detects expired and not-yet-valid certificates', () => {
    expect(isCertificateExpired(issued.certificatePem, now)).toBe(false);
    expect(isCertificateExpired(issued.certificatePem, new Date(now.getTime() + 8 * 24 * 3600_000))).toBe(true);
    expect(isCertificateExpired(issued.certificatePem, new Date(now.getTime() - 3600_000))).toBe(true);
  });

  it('rejects garbage as a value error', () => {
    expect(() => certificateExpiry('not a cert')).toThrow(CertificateError);
  });

  it('splits a bundle into certificates and key', () => {
    const parts = splitPemBundle(issued.bundlePem + ca.certificatePem);
    expect(parts.certificates).toEqual([issued.certificatePem, ca.certificatePem]);
    expect(parts.privateKey).toBe(issued.privateKeyPem);
  });
});
