import { buildBundle, parseBundleSecret } from '../pem-parser';
import { CertificateContentError, CertificateManager, CertificateRetrievalError, CertRequestContext, TlsBundle } from '../tls-bundle';
import { BarbicanClient, BarbicanError, parseBarbicanRef } from './barbican-client';

export interface BarbicanCertManagerOptions {
  client: BarbicanClient;
  /**
   * Token used when the request context carries none (the worker acting for the service). The API always
   * reads with the caller's own token, so a user can only use secrets Barbican lets them read.
   */
  serviceToken?: () => Promise<string | undefined>;
}

/**
 * Certificates from Barbican: a certificate container (`certificate`, `private_key`, optional
 * `intermediates` and `private_key_passphrase` secrets) or a single secret holding a PKCS#12 bundle or a
 * PEM bundle; CA certificates and CRLs are plain secrets.
 */
export class BarbicanCertManager implements CertificateManager {
  constructor(private readonly opts: BarbicanCertManagerOptions) {}

  async get(ref: string, ctx: CertRequestContext): Promise<TlsBundle> {
    const parsed = parseBarbicanRef(ref);
    if (!parsed) throw new CertificateRetrievalError(ref, 'not a Barbican secret or container reference');
    const token = await this.token(ctx);
    if (parsed.kind === 'secrets') {
      const payload = await this.fetch(ref, () => this.opts.client.getSecretPayload(parsed.id, token));
      return this.content(ref, () => parseBundleSecret(payload));
    }
    const container = await this.fetch(ref, () => this.opts.client.getContainer(parsed.id, token));
    if (container.type !== 'certificate' && container.type !== 'generic') {
      throw new CertificateRetrievalError(ref, `container type ${container.type} holds no certificate`);
    }
    const secretOf = async (name: string): Promise<Buffer | null> => {
      const entry = container.secret_refs.find((s) => s.name === name);
      if (!entry) return null;
      const secret = parseBarbicanRef(entry.secret_ref);
      if (!secret || secret.kind !== 'secrets') throw new CertificateRetrievalError(ref, `container secret ${name} has a bad reference`);
      return this.fetch(ref, () => this.opts.client.getSecretPayload(secret.id, token));
    };
    const certificate = await secretOf('certificate');
    if (!certificate) throw new CertificateRetrievalError(ref, 'the container has no certificate secret');
    const [privateKey, intermediates, passphrase] = [await secretOf('private_key'), await secretOf('intermediates'), await secretOf('private_key_passphrase')];
    return this.content(ref, () => buildBundle({ certificate, privateKey, intermediates, passphrase: passphrase?.toString('utf8') ?? null }));
  }

  async getSecret(ref: string, ctx: CertRequestContext): Promise<Buffer> {
    const parsed = parseBarbicanRef(ref);
    if (!parsed || parsed.kind !== 'secrets') throw new CertificateRetrievalError(ref, 'not a Barbican secret reference');
    const token = await this.token(ctx);
    return this.fetch(ref, () => this.opts.client.getSecretPayload(parsed.id, token));
  }

  private async token(ctx: CertRequestContext): Promise<string | undefined> {
    return ctx.authToken ?? (await this.opts.serviceToken?.());
  }

  private async fetch<T>(ref: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof BarbicanError) throw new CertificateRetrievalError(ref, err.message);
      throw err;
    }
  }

  private content(ref: string, parse: () => TlsBundle): TlsBundle {
    try {
      return parse();
    } catch (err) {
      if (err instanceof CertificateContentError) throw new CertificateContentError(err.message, ref);
      throw err;
    }
  }
}
