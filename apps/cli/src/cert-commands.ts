import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { JsonLogger, OctaviaConfig } from '../../../libs/common/src';
import { runMigrations } from '../../../libs/database/src';
import { CertificateContentError, LocalCertificateStore, StoreCipher } from '../../../libs/cert-manager/src';
import { EmbeddedServices } from './embedded-services';

export const CERT_USAGE = `  cert add [--name NAME] [--project ID] (--cert FILE [--key FILE] [--intermediates FILE] [--passphrase P] | --pkcs12 FILE | --crl FILE)
                   store a certificate (with key), a CA certificate (no key) or a CRL encrypted in the
                   database; prints its local://<id> reference for listener/pool TLS fields
  cert list        the stored certificates (never their keys)
  cert delete ID   remove a stored certificate`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

function view(r: Awaited<ReturnType<LocalCertificateStore['add']>>) {
  return { id: r.id, ref: r.ref, name: r.name, project_id: r.projectId, kind: r.kind, subject: r.subject, not_after: r.notAfter?.toISOString() ?? null };
}

/** `octavia-ts cert …`: the operator's side of the local certificate store (libs/cert-manager). Prints JSON lines. */
export async function certCommand(config: OctaviaConfig, args: string[], logger: JsonLogger, out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<void> {
  const [sub, id] = args;
  const url = config.databaseUrl ?? (await new EmbeddedServices(config.dataDir, logger).ensurePostgres());
  await runMigrations(url);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const store = new LocalCertificateStore(
      { query: async (q, p) => (await client.query(q, p as unknown[])).rows },
      new StoreCipher(config.certificates.serverCertsKeyPassphrases),
    );
    const file = (name: string) => {
      const path = option(args, name);
      return path === undefined ? undefined : readFileSync(path);
    };
    switch (sub) {
      case 'add': {
        try {
          const record = await store.add({
            name: option(args, '--name') ?? null,
            projectId: option(args, '--project') ?? null,
            certificate: file('--cert')?.toString('utf8') ?? null,
            privateKey: file('--key')?.toString('utf8') ?? null,
            intermediates: file('--intermediates')?.toString('utf8') ?? null,
            passphrase: option(args, '--passphrase') ?? null,
            pkcs12: file('--pkcs12') ?? null,
            crl: file('--crl')?.toString('utf8') ?? null,
          });
          out(JSON.stringify(view(record)));
        } catch (err) {
          if (err instanceof CertificateContentError) throw new Error(err.message);
          throw err;
        }
        return;
      }
      case 'list':
        for (const r of await store.list()) out(JSON.stringify(view(r)));
        return;
      case 'delete':
        if (!id || !(await store.delete(id))) throw new Error(`no stored certificate ${id ?? ''}`.trim());
        out(JSON.stringify({ deleted: id }));
        return;
      default:
        throw new Error(`usage:\n${CERT_USAGE}`);
    }
  } finally {
    await client.end();
  }
}
