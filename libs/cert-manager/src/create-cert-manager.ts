import { OctaviaConfig } from '../../common/src';
import { BarbicanCertManager } from './barbican/barbican-cert-manager';
import { BarbicanClient } from './barbican/barbican-client';
import { LocalCertManager } from './local/local-cert-manager';
import { LocalCertificateStore, SqlRunner } from './local/local-certificate-store';
import { StoreCipher } from './local/store-cipher';
import { RoutingCertManager } from './routing-cert-manager';
import { CertificateManager } from './tls-bundle';

export interface CertificateServices {
  /** null with `noop_cert_manager`: references are stored as given and never fetched. */
  manager: CertificateManager | null;
  /** The encrypted local store (always available, for the admin route and the worker). */
  store: LocalCertificateStore;
}

/** Builds the certificate manager `[certificates]` asks for, over the given database. */
export function createCertificateServices(
  config: OctaviaConfig['certificates'],
  db: SqlRunner,
  opts: { serviceToken?: () => Promise<string | undefined> } = {},
): CertificateServices {
  const store = new LocalCertificateStore(db, new StoreCipher(config.serverCertsKeyPassphrases?.length ? config.serverCertsKeyPassphrases : config.serverCertsKeyPassphrase));
  if (config.certManager === 'noop_cert_manager') return { manager: null, store };
  const local = new LocalCertManager({ store, folder: config.localCertDir });
  const barbican = config.certManager === 'barbican_cert_manager' && config.barbicanEndpoint
    ? new BarbicanCertManager({ client: new BarbicanClient({ endpoint: config.barbicanEndpoint }), serviceToken: opts.serviceToken })
    : undefined;
  return { manager: new RoutingCertManager({ local, barbican }), store };
}
