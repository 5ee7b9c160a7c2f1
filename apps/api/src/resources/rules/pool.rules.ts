import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { OctaviaConfig, LISTENER_POOL_COMPAT, ListenerProtocol } from '../../../../../libs/common/src';
import { HealthMonitorEntity, MemberEntity, PoolEntity, SessionPersistence } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { CONTROL_CHARS } from '../../validation/fields';
import { COOKIE_NAME } from '../dto/validators';
import { checkCiphers, checkTlsLists } from './listener.rules';

type Input = Record<string, unknown>;

export function checkPoolProtocol(listenerProtocol: string, poolProtocol: string): void {
  if (listenerProtocol === 'PROMETHEUS') throw ApiFault.badRequest('Protocol PROMETHEUS listeners cannot have child objects.');
  if (!LISTENER_POOL_COMPAT[listenerProtocol as ListenerProtocol]?.includes(poolProtocol as never)) {
    throw ApiFault.validation(`The pool protocol '${poolProtocol}' is invalid while the listener protocol is '${listenerProtocol}'.`);
  }
}

export function checkSessionPersistence(protocol: string, sp: unknown, stored: SessionPersistence | null, isUpdate: boolean): SessionPersistence | null {
  if (sp === null || sp === undefined) return null;
  const s = sp as Input;
  const type = (s.type as string | undefined) ?? stored?.type;
  if (!type) throw ApiFault.badRequest(`Invalid input for field/attribute type. Value: 'None'. Mandatory field missing.`);
  const udp = protocol === 'UDP' || protocol === 'SCTP';
  const cookie = (s.cookie_name as string | null | undefined) ?? null;
  if (udp) {
    if (type !== 'SOURCE_IP') throw ApiFault.validation(`Session persistence of type ${type} is not supported for UDP/SCTP protocol pools.`);
    if (cookie) throw ApiFault.validation('Cookie names are not supported for UDP/SCTP pools.');
  } else {
    if (s.persistence_timeout != null || s.persistence_granularity != null) {
      throw ApiFault.validation(`persistence_timeout and persistence_granularity is only for UDP ${isUpdate ? '' : 'and SCTP '}protocol pools.`);
    }
    if (cookie && type !== 'APP_COOKIE') throw ApiFault.validation('Field "cookie_name" can only be specified with session persistence of type "APP_COOKIE".');
    if (type === 'APP_COOKIE' && !cookie) throw ApiFault.validation('Field "cookie_name" must be specified when using the "APP_COOKIE" session persistence type.');
    if (cookie && (!COOKIE_NAME.test(cookie) || CONTROL_CHARS.test(cookie))) throw ApiFault.validation('Supplied "cookie_name" is invalid.');
  }
  return {
    type,
    cookie_name: cookie,
    persistence_timeout: (s.persistence_timeout as number | null) ?? null,
    persistence_granularity: (s.persistence_granularity as string | null) ?? null,
  };
}

export function checkPoolTls(config: OctaviaConfig, m: Input): void {
  if (m.crl_container_ref && !m.ca_tls_container_ref) throw ApiFault.validation('A CA certificate reference is required to specify a revocation list.');
  checkCiphers(config, m.tls_ciphers as string | null);
  checkTlsLists(m.tls_versions, m.alpn_protocols);
}

export function newPool(config: OctaviaConfig, body: Input, lb: { id: string; projectId: string | null }): PoolEntity {
  const protocol = body.protocol as string;
  checkPoolTls(config, body);
  const tls = !!body.tls_enabled;
  const p = new PoolEntity();
  Object.assign(p, {
    id: randomUUID(),
    projectId: lb.projectId,
    loadBalancerId: lb.id,
    name: (body.name as string) ?? null,
    description: (body.description as string) ?? null,
    protocol,
    lbAlgorithm: body.lb_algorithm as string,
    enabled: body.admin_state_up === undefined ? true : !!body.admin_state_up,
    provisioningStatus: 'PENDING_CREATE',
    operatingStatus: 'OFFLINE',
    sessionPersistence: checkSessionPersistence(protocol, body.session_persistence, null, false),
    tlsEnabled: tls,
    tlsContainerRef: (body.tls_container_ref as string) ?? null,
    caTlsContainerRef: (body.ca_tls_container_ref as string) ?? null,
    crlContainerRef: (body.crl_container_ref as string) ?? null,
    tlsCiphers: (body.tls_ciphers as string) ?? (tls ? config.api.defaultPoolCiphers : null),
    tlsVersions: (body.tls_versions as string[]) ?? (tls ? config.api.defaultPoolTlsVersions : null),
    alpnProtocols: (body.alpn_protocols as string[]) ?? (tls ? config.api.defaultPoolAlpnProtocols : null),
    tags: (body.tags as string[]) ?? [],
    createdAt: new Date(),
    updatedAt: null,
  });
  return p;
}

/** Reserved addresses compare in exploded upper-case form upstream; comparing normalised text is equivalent. */
export function checkMemberAddress(config: OctaviaConfig, address: string): void {
  const norm = (a: string) => (isIP(a) === 6 ? a.toUpperCase() : a);
  if (config.networking.reservedIps.map(norm).includes(norm(address))) throw ApiFault.invalidOption(address, 'member address');
}

export function newMember(config: OctaviaConfig, body: Input, pool: { id: string; projectId: string | null; hasMonitor: boolean }): MemberEntity {
  checkMemberAddress(config, body.address as string);
  const m = new MemberEntity();
  Object.assign(m, {
    id: randomUUID(),
    projectId: pool.projectId,
    poolId: pool.id,
    name: (body.name as string) ?? null,
    ipAddress: body.address as string,
    protocolPort: body.protocol_port as number,
    weight: (body.weight as number) ?? 1,
    backup: !!body.backup,
    enabled: body.admin_state_up === undefined ? true : !!body.admin_state_up,
    subnetId: (body.subnet_id as string) ?? null,
    monitorAddress: (body.monitor_address as string) ?? null,
    monitorPort: (body.monitor_port as number) ?? null,
    vnicType: body.request_sriov ? 'direct' : 'normal',
    provisioningStatus: 'PENDING_CREATE',
    operatingStatus: pool.hasMonitor ? 'OFFLINE' : 'NO_MONITOR',
    tags: (body.tags as string[]) ?? [],
    createdAt: new Date(),
    updatedAt: null,
  });
  return m;
}

const HTTP_ONLY = ['http_method', 'url_path', 'expected_codes'];

/** Health-monitor rules (spec 9.5.2) over the merged state; `present` names the keys the client sent. */
export function checkHealthMonitor(config: OctaviaConfig, m: Input, poolProtocol: string, present: Set<string>): void {
  const type = m.type as string;
  const isHttp = type === 'HTTP' || type === 'HTTPS';
  if (!isHttp) {
    for (const f of HTTP_ONLY) if (present.has(f)) throw ApiFault.badRequest(`${f} is not a valid option for health monitors of type ${type}`);
  }
  if (type === 'PING' && !config.api.allowPingHealthMonitors) throw ApiFault.disabledOption('type', 'PING');
  const udp = poolProtocol === 'UDP' || poolProtocol === 'SCTP';
  if (udp && !['UDP-CONNECT', 'SCTP', 'TCP', 'HTTP'].includes(type)) {
    throw ApiFault.validation(`The associated pool protocol is ${poolProtocol}, so only a UDP-CONNECT/SCTP/TCP/HTTP health monitor is supported.`);
  }
  if (!udp && (type === 'UDP-CONNECT' || type === 'SCTP')) throw ApiFault.validation(`The ${type} type is only supported for pools of type UDP/SCTP.`);
  const minDelay = config.api.udpConnectMinIntervalHealthMonitor;
  if (type === 'UDP-CONNECT' && minDelay >= 0 && (m.delay as number) < minDelay) {
    throw ApiFault.validation(`The request delay value ${m.delay} should be larger than ${minDelay} for UDP-CONNECT health monitor type.`);
  }
  if (m.domain_name && (m.http_version === null || m.http_version === undefined)) {
    throw ApiFault.validation("'http_version' must be specified when 'domain_name' is provided.");
  }
  if (m.domain_name && m.http_version === 1.0) {
    throw ApiFault.badRequest('http_version 1.0 is not a valid option for health monitors HTTP 1.1 domain name health check');
  }
}

export function newHealthMonitor(config: OctaviaConfig, body: Input, present: Set<string>, pool: { id: string; projectId: string | null; protocol: string }): HealthMonitorEntity {
  checkHealthMonitor(config, body, pool.protocol, present);
  const isHttp = body.type === 'HTTP' || body.type === 'HTTPS';
  const h = new HealthMonitorEntity();
  Object.assign(h, {
    id: randomUUID(),
    projectId: pool.projectId,
    poolId: pool.id,
    name: (body.name as string) ?? null,
    type: body.type as string,
    delay: body.delay as number,
    timeout: body.timeout as number,
    riseThreshold: body.max_retries as number,
    fallThreshold: (body.max_retries_down as number) ?? 3,
    httpMethod: (body.http_method as string) ?? (isHttp ? 'GET' : null),
    urlPath: (body.url_path as string) ?? (isHttp ? '/' : null),
    expectedCodes: (body.expected_codes as string) ?? (isHttp ? '200' : null),
    httpVersion: (body.http_version as number) ?? null,
    domainName: (body.domain_name as string) ?? null,
    enabled: body.admin_state_up === undefined ? true : !!body.admin_state_up,
    provisioningStatus: 'PENDING_CREATE',
    operatingStatus: 'OFFLINE',
    tags: (body.tags as string[]) ?? [],
    createdAt: new Date(),
    updatedAt: null,
  });
  return h;
}
