import { Injectable, Logger } from '@nestjs/common';
import {
  CertificateContentError, CertificateRetrievalError, CertificateServices, CertRequestContext, createCertificateServices,
  parseCaCertificate, parseCrl, pyStringList,
} from '../../../../../libs/cert-manager/src';
import { ApiFault } from '../../common/api-fault';
import { RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';

export interface ListenerTlsInput {
  default_tls_container_ref?: unknown;
  sni_container_refs?: unknown;
  client_ca_tls_container_ref?: unknown;
  client_crl_container_ref?: unknown;
}

export interface PoolTlsInput {
  tls_container_ref?: unknown;
  ca_tls_container_ref?: unknown;
  crl_container_ref?: unknown;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * Resolves listener and pool TLS references through the certificate manager at the API, so a reference
 * that cannot be fetched, or whose content is unusable, is a 400 now rather than a listener in ERROR on
 * the amphora later (spec 9.2.2 / 9.3.3). With `noop_cert_manager` references are not fetched.
 */
@Injectable()
export class TlsReferenceValidator {
  readonly services: CertificateServices;
  private readonly logger = new Logger('TlsReferences');

  constructor(core: ApiCore) {
    this.services = createCertificateServices(core.config.certificates, core.dataSource);
  }

  /**
   * Server certificates (default + SNI) and client CA / CRL of a listener. `sent` names the keys of a
   * PUT body: only references that were sent (or that a sent one depends on) are fetched again.
   */
  async checkListener(ctx: RequestContext, ownerProject: string | null, m: ListenerTlsInput, sent?: Set<string>): Promise<void> {
    const manager = this.services.manager;
    if (!manager) return;
    const cctx = this.context(ctx, ownerProject);
    const wants = (...keys: string[]) => !sent || keys.some((k) => sent.has(k));
    if (wants('default_tls_container_ref', 'sni_container_refs')) {
      const refs = [str(m.default_tls_container_ref), ...(Array.isArray(m.sni_container_refs) ? m.sni_container_refs.map(str) : [])].filter((r): r is string => !!r);
      await this.checkBundles(refs, cctx);
    }
    const ca = str(m.client_ca_tls_container_ref);
    if (ca && wants('client_ca_tls_container_ref', 'client_crl_container_ref')) {
      const caPem = await this.caPem(ca, cctx, 'client authentication CA certificate');
      const crl = str(m.client_crl_container_ref);
      if (crl) {
        const data = await this.secret(crl, cctx);
        this.content(() => parseCrl(data, caPem));
      }
    }
  }

  /** A pool's client certificate toward members, and the CA / CRL members are verified with. */
  async checkPool(ctx: RequestContext, ownerProject: string | null, m: PoolTlsInput, sent?: Set<string>): Promise<void> {
    const manager = this.services.manager;
    if (!manager) return;
    const cctx = this.context(ctx, ownerProject);
    const wants = (...keys: string[]) => !sent || keys.some((k) => sent.has(k));
    const cert = str(m.tls_container_ref);
    if (cert && wants('tls_container_ref')) await this.checkBundles([cert], cctx);
    const ca = str(m.ca_tls_container_ref);
    if (ca && wants('ca_tls_container_ref', 'crl_container_ref')) {
      const caPem = await this.caPem(ca, cctx, 'CA certificate');
      const crl = str(m.crl_container_ref);
      if (crl) {
        const data = await this.secret(crl, cctx);
        this.content(() => parseCrl(data, caPem, 'certificate revocation list'));
      }
    }
  }

  private context(ctx: RequestContext, ownerProject: string | null): CertRequestContext {
    // The certificate must be usable by the project that owns the load balancer.
    return { authToken: ctx.authToken, projectId: ownerProject ?? ctx.projectId, isAdmin: ctx.isAdmin };
  }

  /** Every unusable server-certificate reference is named in one `Could not retrieve certificate: [...]`. */
  private async checkBundles(refs: string[], cctx: CertRequestContext): Promise<void> {
    const bad: string[] = [];
    for (const ref of [...new Set(refs)]) {
      try {
        await this.services.manager!.get(ref, cctx);
      } catch (err) {
        if (err instanceof CertificateContentError) throw ApiFault.badRequest(err.message);
        if (!(err instanceof CertificateRetrievalError)) throw err;
        // The caller sees only the reference; why it failed (403, unreachable...) is for the operator.
        this.logger.warn({ msg: 'TLS reference not retrievable', ref, reason: err.reason, project_id: cctx.projectId ?? null });
        bad.push(ref);
      }
    }
    if (bad.length) throw ApiFault.badRequest(`Could not retrieve certificate: ${pyStringList(bad)}`);
  }

  private async secret(ref: string, cctx: CertRequestContext): Promise<Buffer> {
    try {
      return await this.services.manager!.getSecret(ref, cctx);
    } catch (err) {
      if (err instanceof CertificateRetrievalError) {
        this.logger.warn({ msg: 'TLS secret not retrievable', ref, reason: err.reason, project_id: cctx.projectId ?? null });
        throw ApiFault.badRequest(`Could not retrieve certificate: ${ref}`);
      }
      throw err;
    }
  }

  private async caPem(ref: string, cctx: CertRequestContext, what: string): Promise<string> {
    const data = await this.secret(ref, cctx);
    return this.content(() => parseCaCertificate(data, what));
  }

  private content<T>(parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      if (err instanceof CertificateContentError) throw ApiFault.badRequest(err.message);
      throw err;
    }
  }
}
