import { Body, Controller, Delete, Get, HttpCode, Logger, Param, Post, Query } from '@nestjs/common';
import { CertificateContentError, LocalCertificateRecord } from '../../../../../libs/cert-manager/src';
import { ApiFault } from '../../common/api-fault';
import { Ctx, RequestContext } from '../../auth/request-context';
import { ApiCore } from '../../core/write-unit';
import { StringField } from '../../validation/fields';
import { parseBody } from '../../validation/parse-body';
import { TlsReferenceValidator } from './tls-reference.validator';

/** PEM text may hold line breaks; the parser keeps only certificate/key/CRL blocks. */
const Pem = () => StringField({ max: 65536, noControl: false });

export class LocalCertificateCreateDto {
  @StringField({ max: 255 }) name?: string | null;
  @StringField({ max: 36 }) project_id?: string | null;
  @Pem() certificate?: string | null;
  @Pem() private_key?: string | null;
  @Pem() intermediates?: string | null;
  @StringField({ max: 1024 }) passphrase?: string | null;
  /** base64 of a PKCS#12 bundle without pass phrase */
  @StringField({ max: 90000, pattern: /^[A-Za-z0-9+/=\s]*$/, noControl: false }) pkcs12?: string | null;
  @Pem() crl?: string | null;
}

const TS = (d: Date | null) => (d ? d.toISOString().slice(0, 19) : null);

function view(r: LocalCertificateRecord) {
  return {
    id: r.id, ref: r.ref, name: r.name ?? '', project_id: r.projectId, kind: r.kind, subject: r.subject,
    not_after: TS(r.notAfter), fingerprint_sha256: r.fingerprintSha256, created_at: TS(r.createdAt),
  };
}

/**
 * The local certificate store's admin API (an octavia-ts extension, not part of Octavia's API): add a
 * certificate (PEM or PKCS#12), a CA certificate or a CRL and get back the `local://<id>` reference to use
 * in `default_tls_container_ref`, `sni_container_refs`, `client_ca_tls_container_ref`, pool refs...
 * Private keys are never returned.
 */
@Controller('v2/octavia-ts/certificates')
export class LocalCertificateController {
  private readonly logger = new Logger('LocalCertificates');

  constructor(private readonly tls: TlsReferenceValidator, private readonly core: ApiCore) {}

  @Post()
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    const { value } = parseBody(LocalCertificateCreateDto, body, 'certificate', 'certificate_');
    this.core.policy.enforceOwnProject(ctx, 'admin');
    try {
      const record = await this.tls.services.store.add({
        name: value.name, projectId: value.project_id, certificate: value.certificate, privateKey: value.private_key,
        intermediates: value.intermediates, passphrase: value.passphrase, crl: value.crl,
        pkcs12: value.pkcs12 ? Buffer.from(value.pkcs12.replace(/\s+/g, ''), 'base64') : null,
      });
      this.logger.log({ msg: 'local certificate stored', id: record.id, kind: record.kind, subject: record.subject, project_id: record.projectId, user_id: ctx.userId ?? null });
      return { certificate: view(record) };
    } catch (err) {
      if (err instanceof CertificateContentError) throw ApiFault.badRequest(err.message);
      throw err;
    }
  }

  @Get()
  async list(@Query('project_id') projectId: string | undefined, @Ctx() ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    return { certificates: (await this.tls.services.store.list(typeof projectId === 'string' ? projectId : undefined)).map(view) };
  }

  @Get(':id')
  async show(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    const record = await this.tls.services.store.find(id);
    if (!record) throw ApiFault.notFound('Certificate', id);
    return { certificate: view(record) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    this.core.policy.enforceOwnProject(ctx, 'admin');
    const record = await this.tls.services.store.find(id);
    if (!record) throw ApiFault.notFound('Certificate', id);
    const [user] = await this.core.dataSource.query(
      `SELECT id FROM listener WHERE default_tls_container_ref = $1 OR $1 = ANY(sni_container_refs) OR client_ca_tls_container_ref = $1 OR client_crl_container_ref = $1
       UNION ALL SELECT id FROM pool WHERE tls_container_ref = $1 OR ca_tls_container_ref = $1 OR crl_container_ref = $1 LIMIT 1`,
      [record.ref],
    );
    if (user) throw ApiFault.conflict(`Certificate ${id} is in use and cannot be modified.`);
    await this.tls.services.store.delete(id);
    this.logger.log({ msg: 'local certificate deleted', id, user_id: ctx.userId ?? null });
  }
}
