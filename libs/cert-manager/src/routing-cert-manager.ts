import { isLocalRef } from './local/local-cert-manager';
import { CertificateManager, CertificateRetrievalError, CertRequestContext, TlsBundle } from './tls-bundle';

/**
 * Sends each reference to the manager for its scheme: `local://…` to the local store/folder, `http(s)://…`
 * to Barbican. A scheme without a configured manager cannot be retrieved.
 */
export class RoutingCertManager implements CertificateManager {
  constructor(private readonly managers: { local?: CertificateManager; barbican?: CertificateManager }) {}

  async get(ref: string, ctx: CertRequestContext): Promise<TlsBundle> {
    return this.managerFor(ref).get(ref, ctx);
  }

  async getSecret(ref: string, ctx: CertRequestContext): Promise<Buffer> {
    return this.managerFor(ref).getSecret(ref, ctx);
  }

  private managerFor(ref: string): CertificateManager {
    if (isLocalRef(ref)) {
      if (this.managers.local) return this.managers.local;
    } else if (/^https?:\/\//.test(ref)) {
      if (this.managers.barbican) return this.managers.barbican;
      throw new CertificateRetrievalError(ref, 'no Barbican endpoint is configured ([certificates] barbican_endpoint)');
    }
    throw new CertificateRetrievalError(ref, 'unknown reference scheme');
  }
}
