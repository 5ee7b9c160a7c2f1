import { escapeHaproxyWord } from '../config-escaping';
import {
  TLS_VERSIONS,
  validateAlpnProtocols,
  validateCipherString,
  validateFilePath,
  validateTlsVersions,
} from '../field-validators';
import type { RenderListener, RenderPool, TlsVersion } from '../render-model';
import { RenderValidationError } from '../render-validation.error';
import type { HaproxyRenderContext } from './haproxy-context';

/** TLS options on `bind` lines (listeners) and `server` lines (re-encrypting pools). */

const DISABLE_FLAG: Record<TlsVersion, string> = {
  SSLv3: 'no-sslv3',
  TLSv1: 'no-tlsv10',
  'TLSv1.1': 'no-tlsv11',
  'TLSv1.2': 'no-tlsv12',
  'TLSv1.3': 'no-tlsv13',
};

const CLIENT_VERIFY = { NONE: 'none', OPTIONAL: 'optional', MANDATORY: 'required' } as const;

/** Only membership of the list is rendered, so free text can never reach the file. */
function disabledVersionFlags(versions: readonly string[], field: string): string[] {
  const enabled = validateTlsVersions(versions, field);
  return TLS_VERSIONS.filter((version) => !enabled.includes(version)).map((version) => DISABLE_FLAG[version]);
}

/**
 * Stored cipher strings are re-checked (upstream cad62902e): rows written before the API check
 * existed may contain spaces or newlines. Like upstream we fall back to the operator default and
 * warn, so an old row degrades to safe defaults instead of breaking the load balancer.
 */
function cipherString(stored: string, fallback: string, field: string, ctx: HaproxyRenderContext): string {
  if (validateCipherString(stored, field)) return stored;
  ctx.warn(field, 'invalid stored cipher string replaced by the operator default');
  return fallback;
}

function requiredPath(path: string | undefined, field: string, what: string): string {
  if (!path) throw new RenderValidationError(field, `${what} is referenced but no file path was supplied in the render options`);
  return validateFilePath(path, field);
}

/** Listeners whose frontend terminates TLS (PROMETHEUS may, when it has certificates). */
export function listenerTerminatesTls(listener: RenderListener): boolean {
  if (listener.protocol !== 'TERMINATED_HTTPS' && listener.protocol !== 'PROMETHEUS') return false;
  return Boolean(listener.default_tls_container_ref) || (listener.sni_container_refs ?? []).length > 0;
}

/** `ssl crt-list …` first (the agent detects TLS listeners by it), then client auth and tuning. */
export function bindTlsOptions(listener: RenderListener, ctx: HaproxyRenderContext): string[] {
  if (listener.protocol === 'TERMINATED_HTTPS' && !listenerTerminatesTls(listener)) {
    // Without `ssl` the frontend's https redirect would loop forever; the controller should
    // leave out (and mark ERROR) a listener whose certificates it could not fetch.
    throw new RenderValidationError(`listener ${listener.id}`, 'TERMINATED_HTTPS needs a default or SNI certificate');
  }
  if (!listenerTerminatesTls(listener)) return [];
  const where = `listener ${listener.id}`;
  const paths = ctx.listenerCertificates[listener.id] ?? {};
  const crtList = validateFilePath(paths.crtList ?? `${ctx.certDir}/${ctx.lb.id}/${listener.id}.pem`, `${where} crt-list path`);
  const options = ['ssl', 'crt-list', crtList];

  if (listener.client_ca_tls_container_ref) {
    const ca = requiredPath(paths.clientCa, `${where} client CA path`, 'client_ca_tls_container_ref');
    const mode = CLIENT_VERIFY[listener.client_authentication ?? 'NONE'];
    if (!mode) throw new RenderValidationError(`${where}.client_authentication`, 'must be NONE, OPTIONAL or MANDATORY');
    options.push('ca-file', ca, 'verify', mode);
    if (listener.client_crl_container_ref) {
      options.push('crl-file', requiredPath(paths.clientCrl, `${where} client CRL path`, 'client_crl_container_ref'));
    }
  }
  if (listener.tls_ciphers != null) {
    options.push('ciphers', cipherString(listener.tls_ciphers, ctx.defaultListenerCiphers, `${where}.tls_ciphers`, ctx));
  }
  if (listener.tls_versions != null) {
    options.push(...disabledVersionFlags(listener.tls_versions, `${where}.tls_versions`));
  }
  if (listener.alpn_protocols != null) {
    options.push('alpn', validateAlpnProtocols(listener.alpn_protocols, `${where}.alpn_protocols`).join(','));
  }
  return options;
}

/** `http-response set-header Strict-Transport-Security "…"` value, or null without HSTS. */
export function hstsHeaderValue(listener: RenderListener): string | null {
  if (listener.protocol !== 'TERMINATED_HTTPS' || listener.hsts_max_age == null) return null;
  if (!Number.isInteger(listener.hsts_max_age) || listener.hsts_max_age < 0) {
    throw new RenderValidationError(`listener ${listener.id}.hsts_max_age`, 'must be a non-negative integer');
  }
  let value = `max-age=${listener.hsts_max_age};`;
  if (listener.hsts_include_subdomains) value += ' includeSubDomains;';
  if (listener.hsts_preload) value += ' preload;';
  return value;
}

/** ALPN offered to members (and used by checks), when the pool re-encrypts and haproxy ≥ 1.9. */
export function poolAlpn(pool: RenderPool, ctx: HaproxyRenderContext): string | null {
  if (!pool.tls_enabled || pool.alpn_protocols == null || !ctx.features.poolAlpn) return null;
  return validateAlpnProtocols(pool.alpn_protocols, `pool ${pool.id}.alpn_protocols`).join(',');
}

/** Server options for re-encryption toward members, in upstream's order. */
export function serverTlsOptions(pool: RenderPool, ctx: HaproxyRenderContext): string[] {
  if (!pool.tls_enabled) return [];
  const where = `pool ${pool.id}`;
  const paths = ctx.poolCertificates[pool.id] ?? {};
  const options = ['ssl'];
  if (pool.tls_container_ref) {
    options.push('crt', requiredPath(paths.clientCert, `${where} client certificate path`, 'tls_container_ref'));
  }
  if (pool.ca_tls_container_ref) {
    options.push('ca-file', requiredPath(paths.ca, `${where} CA path`, 'ca_tls_container_ref'));
    if (pool.crl_container_ref) {
      options.push('crl-file', requiredPath(paths.crl, `${where} CRL path`, 'crl_container_ref'));
    }
    // Upstream omits `verify` when there is a CA but no CRL, leaving haproxy's default, which is
    // `required`; we say so explicitly.
    options.push('verify', 'required');
  } else {
    options.push('verify', 'none');
  }
  options.push('sni', 'ssl_fc_sni');
  if (pool.tls_ciphers != null) {
    options.push('ciphers', cipherString(pool.tls_ciphers, ctx.defaultPoolCiphers, `${where}.tls_ciphers`, ctx));
  }
  if (pool.tls_versions != null) {
    options.push(...disabledVersionFlags(pool.tls_versions, `${where}.tls_versions`));
  }
  const alpn = poolAlpn(pool, ctx);
  if (alpn) options.push('alpn', alpn);
  return options;
}

/**
 * Content of a listener's crt-list file: one certificate PEM per line, default certificate
 * first; haproxy picks SNI certificates by the names inside them. A crt-list line may also carry
 * bind options, so every path is validated to be a single plain word.
 */
export function renderCrtList(defaultCertificatePath: string | null, sniCertificatePaths: string[]): string {
  const paths = [...(defaultCertificatePath ? [defaultCertificatePath] : []), ...sniCertificatePaths];
  return paths.map((path, index) => escapeHaproxyWord(validateFilePath(path, `crt-list entry ${index}`), `crt-list entry ${index}`)).join('\n') + '\n';
}
