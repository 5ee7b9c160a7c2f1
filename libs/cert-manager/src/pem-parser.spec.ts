import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { buildBundle, parseBundleSecret, parseCaCertificate, parseCrl, parsePkcs12, readCertificates } from './pem-parser';
import { CertificateContentError } from './tls-bundle';
import { issueCertificate, makeCa, makeCrl, makePkcs12 } from './testing/test-certificates';

const ca = makeCa();
const intermediate = issueCertificate(ca, { commonName: 'Test Intermediate', ca: true });
const server = issueCertificate(intermediate, { commonName: 'www.example.test', dnsNames: ['www.example.test', 'example.test'] });
const other = issueCertificate(ca, { commonName: 'other.example.test' });

function contentError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CertificateContentError);
    return (err as Error).message;
  }
  throw new Error('expected a CertificateContentError');
}

describe('buildBundle', () => {
  it('returns leaf, unencrypted key and intermediates as re-encoded PEM', () => {
    const b = buildBundle({ certificate: server.certPem, privateKey: server.keyPem, intermediates: intermediate.certPem + ca.certPem });
    expect(new X509Certificate(b.certificate).subject).toContain('CN=www.example.test');
    expect(b.commonName).toBe('www.example.test');
    expect(b.dnsNames).toEqual(['www.example.test', 'example.test']);
    expect(b.intermediates).toHaveLength(2);
    expect(b.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(new X509Certificate(b.certificate).checkPrivateKey(createPrivateKey(b.privateKey))).toBe(true);
  });

  it('finds the leaf among several certificates by its key and drops text between blocks', () => {
    const text = `garbage "quoted" # line\n${intermediate.certPem}junk\tmore\n${server.certPem}\n${server.keyPem}`;
    const b = buildBundle({ certificate: text, privateKey: server.keyPem });
    expect(b.commonName).toBe('www.example.test');
    expect(b.intermediates).toHaveLength(1);
    const all = b.certificate + b.privateKey + b.intermediates.join('');
    expect(all).not.toMatch(/garbage|junk|quoted|#|\t/);
  });

  it('refuses a key that does not belong to the certificate with upstream\'s message', () => {
    expect(contentError(() => buildBundle({ certificate: server.certPem, privateKey: other.keyPem }))).toBe('Key and x509 certificate do not match');
  });

  it('refuses text that holds no certificate', () => {
    expect(contentError(() => buildBundle({ certificate: 'not a certificate', privateKey: server.keyPem }))).toBe('Could not read X509 from PEM');
    const broken = server.certPem.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA');
    expect(contentError(() => buildBundle({ certificate: broken, privateKey: server.keyPem }))).toBe('Could not read X509 from PEM');
  });

  it('refuses a certificate with neither CN nor DNS names', () => {
    const nameless = issueCertificate(ca, { commonName: null });
    expect(contentError(() => buildBundle({ certificate: nameless.certPem, privateKey: nameless.keyPem }))).toBe(
      'No CN or DNSName(s) found in certificate. The certificate is invalid.',
    );
    const sanOnly = issueCertificate(ca, { commonName: null, dnsNames: ['san.example.test'] });
    expect(buildBundle({ certificate: sanOnly.certPem, privateKey: sanOnly.keyPem }).dnsNames).toEqual(['san.example.test']);
  });

  it('decrypts an encrypted key with its passphrase and asks for one otherwise', () => {
    const encrypted = createPrivateKey(server.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'sekrit' }).toString();
    expect(contentError(() => buildBundle({ certificate: server.certPem, privateKey: encrypted }))).toBe(
      'Passphrase needed to decrypt key but client did not provide one.',
    );
    expect(contentError(() => buildBundle({ certificate: server.certPem, privateKey: encrypted, passphrase: 'wrong' }))).toBe(
      'Private Key could not be decrypted with the passphrase provided.',
    );
    const b = buildBundle({ certificate: server.certPem, privateKey: encrypted, passphrase: 'sekrit' });
    expect(b.privateKey).not.toContain('ENCRYPTED');
  });

  it('reads a DER certificate', () => {
    const der = new X509Certificate(server.certPem).raw;
    expect(readCertificates(der)).toHaveLength(1);
  });
});

describe('PKCS#12', () => {
  it('reads a bundle without pass phrase', () => {
    const b = parsePkcs12(makePkcs12(server, [intermediate]));
    expect(b.commonName).toBe('www.example.test');
    expect(b.intermediates).toHaveLength(1);
  });

  it('reads a bundle made by the openssl command without pass phrase', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p12-'));
    try {
      writeFileSync(join(dir, 'c.pem'), server.certPem + intermediate.certPem);
      writeFileSync(join(dir, 'k.pem'), server.keyPem);
      execFileSync('openssl', ['pkcs12', '-export', '-inkey', join(dir, 'k.pem'), '-in', join(dir, 'c.pem'), '-passout', 'pass:', '-out', join(dir, 'b.p12')]);
      const b = parsePkcs12(readFileSync(join(dir, 'b.p12')));
      expect(b.commonName).toBe('www.example.test');
      expect(b.intermediates).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers UnreadablePKCS12 for a protected or broken bundle', () => {
    const prefix = 'The PKCS12 bundle is unreadable. Please check the PKCS12 bundle validity. In addition, make sure it does not require a pass phrase. Error: ';
    expect(contentError(() => parsePkcs12(makePkcs12(server, [], 'password')))).toMatch(prefix);
    expect(contentError(() => parsePkcs12(Buffer.from('\x30\x03\x02\x01\x05garbage', 'binary')))).toMatch(prefix);
  });

  it('a secret is a PEM bundle or a PKCS#12', () => {
    expect(parseBundleSecret(Buffer.from(server.certPem + server.keyPem + intermediate.certPem)).intermediates).toHaveLength(1);
    expect(parseBundleSecret(makePkcs12(server)).commonName).toBe('www.example.test');
  });
});

describe('CA certificates and CRLs', () => {
  it('normalises a CA chain and refuses anything else with upstream\'s message', () => {
    expect(parseCaCertificate(`# comment\n${ca.certPem}`)).toBe(new X509Certificate(ca.certPem).toString());
    expect(contentError(() => parseCaCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'))).toMatch(
      /^Validation failure: The client authentication CA certificate is invalid\. It must be a valid x509 PEM format certificate\. Error: /,
    );
  });

  it('accepts a CRL signed by the CA and refuses one signed by another CA', () => {
    const crl = makeCrl(ca, ['0a0b0c']);
    expect(parseCrl(crl, ca.certPem)).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const otherCa = makeCa('Other CA');
    expect(contentError(() => parseCrl(makeCrl(otherCa), ca.certPem))).toBe(
      'Validation failure: The CRL specified is not valid for client certificate authority reference supplied.',
    );
  });

  it('refuses a CRL that is not one', () => {
    expect(contentError(() => parseCrl(ca.certPem, ca.certPem))).toMatch(/^Validation failure: The client authentication certificate revocation list is invalid\./);
    expect(contentError(() => parseCrl('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n', ca.certPem))).toMatch(/revocation list is invalid/);
  });
});
