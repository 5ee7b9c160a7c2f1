import { ConfigError, loadConfig } from '../../common/src';
import { BarbicanCertManager } from './barbican/barbican-cert-manager';
import { createCertificateServices } from './create-cert-manager';
import { RoutingCertManager } from './routing-cert-manager';
import { CertificateRetrievalError } from './tls-bundle';

// Never queried by these specs: they only build the services.
const noDatabase = { query: async () => { throw new Error('no database in this spec'); } };

describe('[certificates] options and the manager they build', () => {
  it('defaults: barbican_cert_manager without an endpoint, the upstream default passphrase', () => {
    const c = loadConfig({}).certificates;
    expect(c).toEqual({
      certManager: 'barbican_cert_manager', barbicanEndpoint: undefined, localCertDir: undefined,
      serverCertsKeyPassphrase: 'insecure-key-do-not-use-this-key', serverCertsKeyPassphrases: ['insecure-key-do-not-use-this-key'],
    });
    expect(createCertificateServices(c, noDatabase).manager).toBeInstanceOf(RoutingCertManager);
  });

  it('refuses an unknown manager or a Barbican endpoint that is not an http(s) URL', () => {
    expect(() => loadConfig({ OCTAVIA_TS_CERT_MANAGER: 'castle_cert_manager' })).toThrow(ConfigError);
    expect(() => loadConfig({ OCTAVIA_TS_BARBICAN_URL: 'file:///etc/passwd' })).toThrow(ConfigError);
  });

  it('noop_cert_manager fetches nothing; local_cert_manager never reaches Barbican', async () => {
    expect(createCertificateServices(loadConfig({ OCTAVIA_TS_CERT_MANAGER: 'noop_cert_manager' }).certificates, noDatabase).manager).toBeNull();
    const local = createCertificateServices(
      loadConfig({ OCTAVIA_TS_CERT_MANAGER: 'local_cert_manager', OCTAVIA_TS_BARBICAN_URL: 'http://127.0.0.1:9' }).certificates, noDatabase,
    ).manager!;
    await expect(local.get('https://kms.example/v1/secrets/2b1c4b6e-7c1e-4b5a-9d2f-0a1b2c3d4e5f', {})).rejects.toBeInstanceOf(CertificateRetrievalError);
  });

  it('an endpoint switches Barbican on; a passphrase list keeps every entry (the first encrypts)', () => {
    const c = loadConfig({ OCTAVIA_TS_BARBICAN_URL: 'https://kms.example:9311', OCTAVIA_TS_CERT_STORE_KEY: 'new-key, old-key' }).certificates;
    expect(c.serverCertsKeyPassphrase).toBe('new-key');
    expect(c.serverCertsKeyPassphrases).toEqual(['new-key', 'old-key']);
    const routing = createCertificateServices(c, noDatabase).manager as RoutingCertManager;
    expect((routing as unknown as { managers: { barbican?: unknown } }).managers.barbican).toBeInstanceOf(BarbicanCertManager);
  });
});
