import { LocalCertificateAuthority } from '../../../certificates/src';
import { buildTlsOptions, splitServerPem, TlsMaterialError } from './tls-material';

describe('agent TLS material', () => {
  const ca = LocalCertificateAuthority.create();
  const issued = ca.issueServerCertificate('2f1e3c1a-7d4b-4e55-9a0e-5b7c3f0c9d11');

  it('splits the one-file server.pem into certificate and key', () => {
    const parts = splitServerPem(issued.bundlePem);
    expect(parts.cert).toBe(issued.certificatePem.trim());
    expect(parts.key).toBe(issued.privateKeyPem.trim());
  });

  it('requires TLS 1.2 or later by default and the configured client CA', () => {
    const opts = buildTlsOptions(issued.bundlePem, ca.certificatePem, 'TLSv1.2');
    expect(opts.minVersion).toBe('TLSv1.2');
    expect(opts.maxVersion).toBe('TLSv1.3');
    expect(opts.ca).toBe(ca.certificatePem);
  });

  it('refuses material that would leave the agent unreachable', () => {
    expect(() => buildTlsOptions('garbage', ca.certificatePem, 'TLSv1.2')).toThrow(TlsMaterialError);
    expect(() => buildTlsOptions(issued.certificatePem, ca.certificatePem, 'TLSv1.2')).toThrow(/private key/);
    const other = ca.issueServerCertificate('other');
    expect(() => buildTlsOptions(issued.certificatePem + other.privateKeyPem, ca.certificatePem, 'TLSv1.2')).toThrow(TlsMaterialError);
  });
});
