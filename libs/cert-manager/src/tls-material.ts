import { createHash } from 'node:crypto';
import { parseCaCertificate, parseCrl } from './pem-parser';
import { CertificateContentError, CertificateManager, CertificateRetrievalError, CertRequestContext, TlsBundle } from './tls-bundle';

/** The TLS references of a listener, as the database row has them. */
export interface ListenerTlsRefs {
  id: string;
  defaultTlsContainerRef: string | null;
  sniContainerRefs: string[] | null;
  clientCaTlsContainerRef: string | null;
  clientCrlContainerRef: string | null;
}

/** The TLS references of a pool (re-encryption toward members). */
export interface PoolTlsRefs {
  id: string;
  tlsContainerRef: string | null;
  caTlsContainerRef: string | null;
  crlContainerRef: string | null;
}

/** One file for the agent's `PUT /1.0/loadbalancer/{lb}/certificates/{name}`. */
export interface TlsFile {
  name: string;
  content: string;
}

export interface ListenerTlsMaterial {
  /** Default certificate first, then SNI certificates: each certificate + key + intermediates. */
  certificates: TlsFile[];
  /** `<listener_id>.pem`: HAProxy crt-list, absolute paths of `certificates`, one per line. */
  crtList: TlsFile | null;
  clientCa: TlsFile | null;
  clientCrl: TlsFile | null;
}

export interface PoolTlsMaterial {
  clientCertificate: TlsFile | null;
  ca: TlsFile | null;
  crl: TlsFile | null;
}

export interface LoadBalancerTlsMaterial {
  /** Every distinct file to upload (a certificate shared by two listeners appears once). */
  files: TlsFile[];
  listeners: Record<string, ListenerTlsMaterial>;
  pools: Record<string, PoolTlsMaterial>;
  /** Objects whose references could not be fetched or used: upstream skips such a listener and sets it to ERROR. */
  failures: Array<{ kind: 'listener' | 'pool'; id: string; ref: string; error: string }>;
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** `<sha1(certificate PEM)>.pem` holding certificate, key and intermediates, as upstream names it. */
export function bundleFile(bundle: TlsBundle): TlsFile {
  return { name: `${sha1(bundle.certificate)}.pem`, content: bundle.certificate + bundle.privateKey + bundle.intermediates.join('') };
}

function secretFile(pem: string): TlsFile {
  return { name: `${sha1(pem)}.pem`, content: pem };
}

/**
 * Everything the worker uploads to an amphora for one load balancer's TLS listeners and pools:
 * fetched through the certificate manager (as the service when `ctx` is empty), validated again, and
 * named the way the agent and the HAProxy renderer expect (`<cert_dir>/<lb_id>/<file>`).
 */
export async function collectTlsMaterial(
  manager: CertificateManager,
  input: { loadBalancerId: string; listeners: ListenerTlsRefs[]; pools: PoolTlsRefs[] },
  opts: { certDir: string; ctx?: CertRequestContext },
): Promise<LoadBalancerTlsMaterial> {
  const ctx = opts.ctx ?? {};
  const files = new Map<string, TlsFile>();
  const add = (f: TlsFile | null) => {
    if (f) files.set(f.name, f);
    return f;
  };
  const out: LoadBalancerTlsMaterial = { files: [], listeners: {}, pools: {}, failures: [] };
  const dir = `${opts.certDir.replace(/\/+$/, '')}/${input.loadBalancerId}`;

  for (const l of input.listeners) {
    const refs = [l.defaultTlsContainerRef, ...(l.sniContainerRefs ?? [])].filter((r): r is string => !!r);
    let current = '';
    try {
      const certificates: TlsFile[] = [];
      for (const ref of refs) {
        current = ref;
        const file = bundleFile(await manager.get(ref, ctx));
        if (!certificates.some((c) => c.name === file.name)) certificates.push(file);
      }
      let clientCa: TlsFile | null = null;
      let clientCrl: TlsFile | null = null;
      if (l.clientCaTlsContainerRef) {
        current = l.clientCaTlsContainerRef;
        const ca = parseCaCertificate(await manager.getSecret(current, ctx));
        clientCa = secretFile(ca);
        if (l.clientCrlContainerRef) {
          current = l.clientCrlContainerRef;
          clientCrl = secretFile(parseCrl(await manager.getSecret(current, ctx), ca));
        }
      }
      certificates.forEach(add);
      const crtList = certificates.length
        ? add({ name: `${l.id}.pem`, content: certificates.map((c) => `${dir}/${c.name}`).join('\n') + '\n' })
        : null;
      out.listeners[l.id] = { certificates, crtList, clientCa: add(clientCa), clientCrl: add(clientCrl) };
    } catch (err) {
      out.failures.push({ kind: 'listener', id: l.id, ref: current, error: describe(err) });
    }
  }

  for (const p of input.pools) {
    let current = '';
    try {
      let clientCertificate: TlsFile | null = null;
      let ca: TlsFile | null = null;
      let crl: TlsFile | null = null;
      if (p.tlsContainerRef) {
        current = p.tlsContainerRef;
        clientCertificate = bundleFile(await manager.get(current, ctx));
      }
      if (p.caTlsContainerRef) {
        current = p.caTlsContainerRef;
        const caPem = parseCaCertificate(await manager.getSecret(current, ctx), 'CA certificate');
        ca = secretFile(caPem);
        if (p.crlContainerRef) {
          current = p.crlContainerRef;
          crl = secretFile(parseCrl(await manager.getSecret(current, ctx), caPem, 'certificate revocation list'));
        }
      }
      out.pools[p.id] = { clientCertificate: add(clientCertificate), ca: add(ca), crl: add(crl) };
    } catch (err) {
      out.failures.push({ kind: 'pool', id: p.id, ref: current, error: describe(err) });
    }
  }
  out.files = [...files.values()];
  return out;
}

function describe(err: unknown): string {
  if (err instanceof CertificateRetrievalError || err instanceof CertificateContentError) return err.message;
  throw err;
}
