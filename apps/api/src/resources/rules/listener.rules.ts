import { randomUUID } from 'node:crypto';
import { OctaviaConfig } from '../../../../../libs/common/src';
import { ListenerEntity } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { CONTROL_CHARS } from '../../validation/fields';
import { CIPHER_CHARS, normaliseCidr } from '../dto/validators';

const BASIC_HEADERS = ['X-Forwarded-For', 'X-Forwarded-Port', 'X-Forwarded-Proto', 'X-Forwarded-IP', 'X-Client-IP', 'X-Real-IP'];
const SSL_HEADERS = [
  'X-SSL-Client-Verify', 'X-SSL-Client-Has-Cert', 'X-SSL-Client-DN', 'X-SSL-Client-CN', 'X-SSL-Issuer',
  'X-SSL-Client-SHA1', 'X-SSL-Client-Not-Before', 'X-SSL-Client-Not-After',
];
const TLS_CAPABLE = ['TERMINATED_HTTPS', 'PROMETHEUS'];

/** Listener fields as they stand after applying a create or update body. */
export type ListenerInput = Record<string, unknown>;

export function checkInsertHeaders(protocol: string, headers: unknown, isUpdate: boolean): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (typeof headers !== 'object' || Array.isArray(headers)) {
    throw ApiFault.badRequest(`Invalid input for field/attribute insert_headers. Value: '${JSON.stringify(headers)}'. Value should be a dict`);
  }
  const entries = Object.entries(headers as Record<string, unknown>);
  if (!entries.length) return {};
  if (protocol === 'UDP' || protocol === 'SCTP') {
    throw ApiFault.validation(`${protocol} protocol listener does not support TLS${isUpdate ? ' or header insertion' : ''}.`);
  }
  if (protocol !== 'HTTP' && protocol !== 'TERMINATED_HTTPS') {
    throw ApiFault.badRequest(`insert-headers is not a valid option for a ${protocol} protocol listener.`);
  }
  const unknown = entries.map(([k]) => k).filter((k) => !BASIC_HEADERS.includes(k) && !SSL_HEADERS.includes(k));
  if (unknown.length) throw ApiFault.badRequest(`['${unknown.join("', '")}'] is not a valid option for insert_headers`);
  const ssl = entries.map(([k]) => k).filter((k) => SSL_HEADERS.includes(k));
  if (ssl.length && protocol !== 'TERMINATED_HTTPS') throw ApiFault.badRequest(`['${ssl.join("', '")}'] is not a valid option for ${protocol} protocol listener.`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || v.length > 255 || CONTROL_CHARS.test(v) || /["\\]/.test(v)) {
      throw ApiFault.badRequest(`Invalid input for field/attribute insert_headers. Value: '${String(v)}'. Header values must be strings of at most 255 characters without control characters, quotes or backslashes`);
    }
    out[k] = v;
  }
  return out;
}

export function checkCiphers(config: OctaviaConfig, ciphers: string | null | undefined): void {
  if (!ciphers) return;
  if (!CIPHER_CHARS.test(ciphers)) {
    throw ApiFault.validation('Invalid characters in cipher string. Only alphanumeric, -, +, !, :, @, =, _, and . are allowed.');
  }
  const prohibited = ciphers.split(':').filter((c) => config.api.tlsCipherProhibitList.includes(c));
  if (prohibited.length) throw ApiFault.validation(`The following ciphers have been prohibited by an administrator: ${prohibited.join(', ')}`);
}

export function checkTlsLists(tlsVersions: unknown, alpn: unknown): void {
  if (Array.isArray(tlsVersions) && tlsVersions.length === 0) throw ApiFault.validation('Empty TLS version list. Either specify at least one TLS version or remove this parameter to use the default.');
  if (Array.isArray(alpn) && alpn.length === 0) throw ApiFault.validation('Empty ALPN protocol list. Either specify at least one ALPN protocol or remove this parameter to use the default.');
}

/**
 * The semantic checks of a listener (spec 9.2.2/9.2.3) over the merged state `m` (stored values with the
 * body applied). Returns nothing; throws the first problem as an ApiFault.
 */
export function checkListener(config: OctaviaConfig, m: ListenerInput, isUpdate: boolean): void {
  const protocol = m.protocol as string;
  const hasCerts = !!m.default_tls_container_ref || (Array.isArray(m.sni_container_refs) && m.sni_container_refs.length > 0);
  if (protocol === 'PROMETHEUS' && !config.api.allowPrometheusListeners) throw ApiFault.disabledOption('protocol', 'PROMETHEUS');
  if ((protocol === 'UDP' || protocol === 'SCTP') && (hasCerts || m.client_ca_tls_container_ref)) {
    throw ApiFault.validation(`${protocol} protocol listener does not support TLS${isUpdate ? ' or header insertion' : ''}.`);
  }
  if ((protocol === 'TERMINATED_HTTPS' || (protocol === 'PROMETHEUS' && hasCerts)) && !config.api.allowTlsTerminatedListeners) {
    throw ApiFault.disabledOption('protocol', protocol);
  }
  if (hasCerts && !TLS_CAPABLE.includes(protocol)) throw ApiFault.validation(`Certificate container references are not allowed on ${protocol} protocol listeners.`);
  if (m.client_ca_tls_container_ref && !hasCerts) {
    throw ApiFault.validation('An SNI or default certificate container reference must be provided with a client CA container reference.');
  }
  if (protocol === 'TERMINATED_HTTPS' && !hasCerts) {
    throw ApiFault.validation('An SNI or default certificate container reference must be provided for TERMINATED_HTTPS protocol listeners.');
  }
  if (m.client_authentication && m.client_authentication !== 'NONE' && !m.client_ca_tls_container_ref) {
    throw ApiFault.validation(`Client authentication setting ${m.client_authentication} requires a client CA container reference.`);
  }
  if (m.client_crl_container_ref && !m.client_ca_tls_container_ref) {
    throw ApiFault.validation('A client authentication CA reference is required to specify a client authentication revocation list.');
  }
  checkCiphers(config, m.tls_ciphers as string | null);
  checkTlsLists(m.tls_versions, m.alpn_protocols);
  if ((m.hsts_include_subdomains || m.hsts_preload) && (m.hsts_max_age === null || m.hsts_max_age === undefined)) {
    throw ApiFault.validation(isUpdate
      ? 'Cannot enable hsts_include_subdomains or hsts_preload if hsts_max_age was not set as well.'
      : 'HSTS configuration options hsts_include_subdomains and hsts_preload only make sense if hsts_max_age is set as well.');
  }
  if (m.hsts_max_age !== null && m.hsts_max_age !== undefined && protocol !== 'TERMINATED_HTTPS') {
    throw ApiFault.validation('The HSTS feature can only be used for listeners using the TERMINATED_HTTPS protocol.');
  }
}

export function normaliseCidrs(list: unknown, vipAddresses: string[]): string[] | null {
  if (!Array.isArray(list) || !list.length) return null;
  const out: string[] = [];
  for (const raw of list) {
    const cidr = normaliseCidr(raw)!;
    const v6 = cidr.includes(':');
    if (vipAddresses.length && !vipAddresses.some((vip) => vip.includes(':') === v6)) {
      throw ApiFault.validation(`CIDR ${cidr} IP version incompatible with all VIPs ${JSON.stringify(vipAddresses)} IP version.`);
    }
    if (!out.includes(cidr)) out.push(cidr);
  }
  return out;
}

/** Builds a new listener row from a validated create body, with upstream's defaults. */
export function newListener(config: OctaviaConfig, body: ListenerInput, lb: { id: string; projectId: string | null; vips: string[] }): ListenerEntity {
  checkListener(config, body, false);
  const protocol = body.protocol as string;
  const tlsDefaults = protocol === 'TERMINATED_HTTPS';
  const l = new ListenerEntity();
  Object.assign(l, {
    id: randomUUID(),
    projectId: lb.projectId,
    loadBalancerId: lb.id,
    name: (body.name as string) ?? null,
    description: (body.description as string) ?? null,
    protocol,
    protocolPort: body.protocol_port as number,
    connectionLimit: (body.connection_limit as number) ?? -1,
    enabled: body.admin_state_up === undefined ? true : !!body.admin_state_up,
    provisioningStatus: 'PENDING_CREATE',
    operatingStatus: 'OFFLINE',
    defaultPoolId: (body.default_pool_id as string) ?? null,
    defaultTlsContainerRef: (body.default_tls_container_ref as string) ?? null,
    sniContainerRefs: (body.sni_container_refs as string[]) ?? [],
    clientCaTlsContainerRef: (body.client_ca_tls_container_ref as string) ?? null,
    clientAuthentication: (body.client_authentication as string) ?? 'NONE',
    clientCrlContainerRef: (body.client_crl_container_ref as string) ?? null,
    insertHeaders: checkInsertHeaders(protocol, body.insert_headers, false),
    timeoutClientData: (body.timeout_client_data as number) ?? config.haproxy.timeoutClientData,
    timeoutMemberConnect: (body.timeout_member_connect as number) ?? config.haproxy.timeoutMemberConnect,
    timeoutMemberData: (body.timeout_member_data as number) ?? config.haproxy.timeoutMemberData,
    timeoutTcpInspect: (body.timeout_tcp_inspect as number) ?? config.haproxy.timeoutTcpInspect,
    allowedCidrs: normaliseCidrs(body.allowed_cidrs, lb.vips),
    tlsCiphers: (body.tls_ciphers as string) ?? (tlsDefaults ? config.api.defaultListenerCiphers : null),
    tlsVersions: (body.tls_versions as string[]) ?? (tlsDefaults ? config.api.defaultListenerTlsVersions : null),
    alpnProtocols: (body.alpn_protocols as string[]) ?? (tlsDefaults ? config.api.defaultListenerAlpnProtocols : null),
    hstsMaxAge: (body.hsts_max_age as number) ?? null,
    hstsIncludeSubdomains: !!body.hsts_include_subdomains,
    hstsPreload: !!body.hsts_preload,
    tags: (body.tags as string[]) ?? [],
    createdAt: new Date(),
    updatedAt: null,
  });
  return l;
}
