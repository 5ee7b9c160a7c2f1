import { escapeHaproxyWord } from '../config-escaping';
import { validateHttpTokenArgument, validateInteger, validateIpAddress, validatePort, validateUuid } from '../field-validators';
import { activeHealthMonitor, isEnabled, liveMembers } from '../model-resolution';
import type { LbAlgorithm, RenderListener, RenderMember, RenderPool } from '../render-model';
import { previewValue, RenderValidationError } from '../render-validation.error';
import type { HaproxyRenderContext } from './haproxy-context';
import { healthCheckBackendLines, serverCheckOptions } from './haproxy-health-check.renderer';
import { listenerConnectionLimit, timeoutMs } from './haproxy-limits';
import { backendName, serverName } from './haproxy-naming';
import { listenerMode } from './haproxy-frontend.renderer';
import { listenerTerminatesTls, serverTlsOptions } from './haproxy-tls.renderer';

/** One `backend <pool_id>:<listener_id>` per (enabled pool, listener) pair. */

const BALANCE: Partial<Record<LbAlgorithm, string>> = {
  ROUND_ROBIN: 'roundrobin',
  LEAST_CONNECTIONS: 'leastconn',
  SOURCE_IP: 'source',
};

/** Insert-header keys rendered per backend; values only switch them on (`"true"`). */
const SSL_CLIENT_HEADERS: ReadonlyArray<[string, string]> = [
  ['X-SSL-Client-Verify', '%[ssl_c_verify]'],
  ['X-SSL-Client-Has-Cert', '%[ssl_c_used]'],
  ['X-SSL-Client-DN', '%{+Q}[ssl_c_s_dn]'],
  ['X-SSL-Client-CN', '%{+Q}[ssl_c_s_dn(cn)]'],
  ['X-SSL-Issuer', '%{+Q}[ssl_c_i_dn]'],
  ['X-SSL-Client-SHA1', '%{+Q}[ssl_c_sha1,hex]'],
  ['X-SSL-Client-Not-Before', '%{+Q}[ssl_c_notbefore]'],
  ['X-SSL-Client-Not-After', '%{+Q}[ssl_c_notafter]'],
];

function headerOn(listener: RenderListener, key: string): boolean {
  const value = listener.insert_headers?.[key];
  return typeof value === 'string' && value.toLowerCase() === 'true';
}

function proxyProtocolVersion(pool: RenderPool): 1 | 2 | null {
  if (pool.protocol === 'PROXY') return 1;
  if (pool.protocol === 'PROXYV2') return 2;
  return null;
}

/** PROXY pools take the listener's mode; HTTP pools are http; HTTPS and TCP pools are tcp. */
function backendMode(pool: RenderPool, listener: RenderListener): 'http' | 'tcp' {
  if (proxyProtocolVersion(pool) !== null) return listenerMode(listener);
  return pool.protocol === 'HTTP' ? 'http' : 'tcp';
}

function persistenceLines(pool: RenderPool, ctx: HaproxyRenderContext): string[] {
  const persistence = pool.session_persistence;
  if (!persistence) return [];
  const peers = ctx.peersSection ? ` peers ${ctx.peersSection}` : '';
  switch (persistence.type) {
    case 'SOURCE_IP':
      return [`stick-table type ipv6 size ${ctx.stickTableSize}${peers}`, 'stick on src'];
    case 'APP_COOKIE': {
      const field = `pool ${pool.id}.session_persistence.cookie_name`;
      const cookie = escapeHaproxyWord(validateHttpTokenArgument(persistence.cookie_name, field), field);
      return [
        `stick-table type string len 64 size ${ctx.stickTableSize}${peers}`,
        `stick store-response res.cook(${cookie})`,
        `stick match req.cook(${cookie})`,
      ];
    }
    case 'HTTP_COOKIE':
      return ['cookie SRV insert indirect nocache'];
    default:
      throw new RenderValidationError(`pool ${pool.id}.session_persistence.type`, `unknown type ${previewValue(persistence.type)}`);
  }
}

function headerLines(pool: RenderPool, listener: RenderListener): string[] {
  const lines: string[] = [];
  if (pool.protocol === 'HTTP') {
    if (headerOn(listener, 'X-Forwarded-For')) lines.push('option forwardfor');
    if (headerOn(listener, 'X-Forwarded-Port')) lines.push('http-request set-header X-Forwarded-Port %[dst_port]');
  }
  if (headerOn(listener, 'X-Forwarded-Proto')) {
    if (listener.protocol === 'HTTP') lines.push('http-request set-header X-Forwarded-Proto http');
    if (listener.protocol === 'TERMINATED_HTTPS') lines.push('http-request set-header X-Forwarded-Proto https');
  }
  if (listener.protocol === 'TERMINATED_HTTPS') {
    for (const [key, expression] of SSL_CLIENT_HEADERS) {
      if (headerOn(listener, key)) lines.push(`http-request set-header ${key} ${expression}`);
    }
  }
  return lines;
}

function serverLine(pool: RenderPool, member: RenderMember, listener: RenderListener, ctx: HaproxyRenderContext): string {
  const where = `member ${member.id}`;
  const id = validateUuid(member.id, `${where}.id`);
  const address = validateIpAddress(member.address, `${where}.address`);
  const port = validatePort(member.protocol_port, `${where}.protocol_port`);
  const weight = validateInteger(member.weight ?? 1, `${where}.weight`, 0, 256);
  // IPv6 addresses stay unbracketed: haproxy splits address and port at the last ':'.
  const words = ['server', serverName(id), `${address}:${port}`, 'weight', String(weight)];
  const monitor = activeHealthMonitor(pool);
  if (monitor) words.push(...serverCheckOptions(pool, monitor, member, ctx));
  if (pool.session_persistence?.type === 'HTTP_COOKIE') words.push('cookie', id);
  const proxyVersion = proxyProtocolVersion(pool);
  if (proxyVersion === 1) words.push('send-proxy');
  if (proxyVersion === 2) words.push(listenerTerminatesTls(listener) ? 'send-proxy-v2-ssl-cn' : 'send-proxy-v2');
  if (member.backup) words.push('backup');
  if (!isEnabled(member)) words.push('disabled');
  words.push(...serverTlsOptions(pool, ctx));
  return words.join(' ');
}

export function renderBackend(pool: RenderPool, listener: RenderListener, ctx: HaproxyRenderContext): string[] {
  const poolId = validateUuid(pool.id, 'pool.id');
  const mode = backendMode(pool, listener);
  const balance = BALANCE[pool.lb_algorithm];
  if (!balance) {
    throw new RenderValidationError(`pool ${poolId}.lb_algorithm`, `${previewValue(pool.lb_algorithm)} is not supported by haproxy amphorae`);
  }
  const lines = [`backend ${backendName(poolId, listener.id)}`, `    mode ${mode}`];
  const body: string[] = [];
  // Connection reuse only makes sense where haproxy sees HTTP on the server side.
  if (ctx.features.httpReuse && mode === 'http' && (pool.protocol === 'HTTP' || proxyProtocolVersion(pool) === 1)) {
    body.push('http-reuse safe');
  }
  body.push(`balance ${balance}`, ...persistenceLines(pool, ctx));
  const monitor = activeHealthMonitor(pool);
  if (monitor) body.push(...healthCheckBackendLines(monitor, ctx));
  body.push(...headerLines(pool, listener));
  const limit = listenerConnectionLimit(listener, ctx);
  body.push(
    `fullconn ${limit}`,
    'option allbackups',
    `timeout connect ${timeoutMs(listener.timeout_member_connect, ctx.timeouts.memberConnect, `listener ${listener.id}.timeout_member_connect`)}`,
    `timeout server ${timeoutMs(listener.timeout_member_data, ctx.timeouts.memberData, `listener ${listener.id}.timeout_member_data`)}`,
  );
  body.push(...liveMembers(pool).map((member) => serverLine(pool, member, listener, ctx)));
  return [...lines, ...body.map((line) => `    ${line}`)];
}
