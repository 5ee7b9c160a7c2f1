import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBundle, MAX_SECRET_BYTES, parseBundleSecret } from '../pem-parser';
import { CertificateContentError, CertificateManager, CertificateRetrievalError, CertRequestContext, TlsBundle } from '../tls-bundle';
import { LOCAL_REF_PREFIX, LocalCertificateStore } from './local-certificate-store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Names of files in the certificate folder: no separators, no leading dot, so no way out of the folder. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isLocalRef(ref: string): boolean {
  return ref.startsWith(LOCAL_REF_PREFIX);
}

export interface LocalCertManagerOptions {
  /** The encrypted database store (`local://<uuid>`). */
  store?: LocalCertificateStore;
  /** A folder of `<name>.pem` files (`local://<name>`), each a PEM bundle (certificate, key, chain), a CA or a CRL. */
  folder?: string;
}

/**
 * `local://` references: first the encrypted store (by UUID), then the configured folder (by file name).
 * A stored certificate that belongs to a project is only handed to that project (or an admin, or the
 * service itself, which asks without a project).
 */
export class LocalCertManager implements CertificateManager {
  constructor(private readonly opts: LocalCertManagerOptions) {}

  async get(ref: string, ctx: CertRequestContext): Promise<TlsBundle> {
    const stored = await this.fromStore(ref, ctx);
    if (stored) {
      const { payload } = stored;
      if (!payload.certificate || !payload.privateKey) throw new CertificateContentError('Validation failure: the certificate reference holds no private key.', ref);
      return this.content(ref, () => buildBundle({ certificate: payload.certificate!, privateKey: payload.privateKey!, intermediates: (payload.intermediates ?? []).join('') || null }));
    }
    const file = await this.fromFolder(ref);
    return this.content(ref, () => parseBundleSecret(file));
  }

  async getSecret(ref: string, ctx: CertRequestContext): Promise<Buffer> {
    const stored = await this.fromStore(ref, ctx);
    if (stored) {
      const { payload } = stored;
      const text = payload.crl ?? [payload.certificate ?? '', ...(payload.intermediates ?? [])].join('');
      return Buffer.from(text, 'utf8');
    }
    return this.fromFolder(ref);
  }

  private name(ref: string): string {
    if (!isLocalRef(ref)) throw new CertificateRetrievalError(ref, 'not a local:// reference');
    return ref.slice(LOCAL_REF_PREFIX.length);
  }

  private async fromStore(ref: string, ctx: CertRequestContext) {
    const name = this.name(ref);
    if (!this.opts.store || !UUID.test(name)) return null;
    const loaded = await this.opts.store.load(name);
    if (!loaded) return null;
    const owner = loaded.record.projectId;
    if (owner && ctx.projectId && !ctx.isAdmin && owner !== ctx.projectId) {
      // The same answer as an unknown reference: another project's certificate is not disclosed.
      throw new CertificateRetrievalError(ref, 'no such certificate');
    }
    return loaded;
  }

  private async fromFolder(ref: string): Promise<Buffer> {
    const name = this.name(ref);
    if (!this.opts.folder || !FILE_NAME.test(name)) throw new CertificateRetrievalError(ref, 'no such certificate');
    const path = join(this.opts.folder, `${name}.pem`);
    try {
      const info = await stat(path);
      if (!info.isFile() || info.size > MAX_SECRET_BYTES) throw new CertificateRetrievalError(ref, 'not a certificate file');
      return await readFile(path);
    } catch (err) {
      if (err instanceof CertificateRetrievalError) throw err;
      throw new CertificateRetrievalError(ref, 'no such certificate');
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
