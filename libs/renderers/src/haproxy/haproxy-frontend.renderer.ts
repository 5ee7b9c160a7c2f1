import { assertMaxLength, escapeHaproxyLogFormatText, escapeHaproxyWord } from '../config-escaping';
import { validateCidr, validateIpAddress, validatePort, validateUuid } from '../field-validators';
import { isEnabled, resolveDefaultPool, vipAddresses } from '../model-resolution';
import type { ListenerProtocol, RenderListener } from '../render-model';
import type { HaproxyRenderContext } from './haproxy-context';
import { l7PolicyLines } from './haproxy-l7.renderer';
import { listenerConnectionLimit, timeoutMs } from './haproxy-limits';
import { backendName, frontendName, PROMETHEUS_BACKEND_NAME } from './haproxy-naming';
import { bindTlsOptions, hstsHeaderValue } from './haproxy-tls.renderer';

/** One `frontend <listener_id>` per enabled TCP-family listener. */

const MODE: Record<Exclude<ListenerProtocol, 'UDP' | 'SCTP'>, 'http' | 'tcp'> = {
  TCP: 'tcp',
  HTTP: 'http',
  HTTPS: 'tcp',
  TERMINATED_HTTPS: 'http',
  PROMETHEUS: 'http',
};

export function listenerMode(listener: RenderListener): 'http' | 'tcp' {
  return MODE[listener.protocol as keyof typeof MODE] ?? 'tcp';
}

const HTTP_LOG_PROTOCOLS: readonly ListenerProtocol[] = ['HTTP', 'TERMINATED_HTTPS'];

/**
 * The operator's connection log format for this listener. Request-line and status variables
 * make haproxy fail or log nothing in non-HTTP frontends, so they become "-" there (upstream).
 * The project id is tenant-influenced (noauth deployments take it from a header): its `%` are
 * doubled so it cannot add log variables, and the whole format becomes one escaped config word.
 */
export function logFormat(listener: RenderListener, ctx: HaproxyRenderContext): string {
  let format = ctx.log.userLogFormat;
  if (!HTTP_LOG_PROTOCOLS.includes(listener.protocol)) {
    for (const variable of ['%{+Q}r', '%r', '%{+Q}ST', '%ST']) format = format.split(variable).join('-');
  }
  const projectId = escapeHaproxyLogFormatText(ctx.lb.project_id || '-', 'loadbalancer.project_id');
  assertMaxLength(projectId, 255, 'loadbalancer.project_id');
  format = format.split('{{ project_id }}').join(projectId).split('{{ lb_id }}').join(ctx.lb.id);
  return escapeHaproxyWord(format, 'log-format');
}

function bindLines(listener: RenderListener, ctx: HaproxyRenderContext): string[] {
  const port = validatePort(listener.protocol_port, `listener ${listener.id}.protocol_port`);
  const tls = bindTlsOptions(listener, ctx);
  return vipAddresses(ctx.lb).map((vip, index) => {
    // Unbracketed IPv6 on purpose: the agent takes the token up to the last ':' as the address.
    const address = validateIpAddress(vip, index === 0 ? 'loadbalancer.vip_address' : `loadbalancer.additional_vips[${index - 1}]`);
    return ['bind', `${address}:${port}`, ...tls].join(' ');
  });
}

/** Opt-in duplicate of the security-group rule, for deployments without one. */
function allowedCidrLines(listener: RenderListener, ctx: HaproxyRenderContext): string[] {
  const cidrs = listener.allowed_cidrs ?? [];
  if (!ctx.enforceAllowedCidrs || cidrs.length === 0) return [];
  const valid = cidrs.map((cidr, index) => validateCidr(cidr, `listener ${listener.id}.allowed_cidrs[${index}]`));
  return [`tcp-request connection reject if !{ src ${valid.join(' ')} }`];
}

export function renderFrontend(listener: RenderListener, ctx: HaproxyRenderContext): string[] {
  const id = validateUuid(listener.id, 'listener.id');
  const lines: string[] = [`maxconn ${listenerConnectionLimit(listener, ctx)}`];
  if (listener.protocol === 'TERMINATED_HTTPS') {
    // As an http-request rule (upstream: a plain `redirect`) so it is evaluated first by file
    // order and haproxy need not warn that REJECT policies' rules run before it.
    lines.push('http-request redirect scheme https if !{ ssl_fc }');
    const hsts = hstsHeaderValue(listener);
    if (hsts) lines.push(`http-response set-header Strict-Transport-Security "${hsts}"`);
  }
  lines.push(...bindLines(listener, ctx));
  lines.push(`mode ${listenerMode(listener)}`);
  lines.push(...allowedCidrLines(listener, ctx));
  const body = lines.map((line) => `    ${line}`);
  // ACL lines carry their own (deeper) indentation.
  body.push(...l7PolicyLines(listener, ctx));

  const tail: string[] = [];
  const defaultPool = resolveDefaultPool(ctx.lb, listener);
  if (defaultPool && isEnabled(defaultPool)) {
    tail.push(`default_backend ${backendName(validateUuid(defaultPool.id, `listener ${id}.default_pool.id`), id)}`);
  }
  tail.push(`timeout client ${timeoutMs(listener.timeout_client_data, ctx.timeouts.clientData, `listener ${id}.timeout_client_data`)}`);
  const inspectDelay = timeoutMs(listener.timeout_tcp_inspect, ctx.timeouts.tcpInspect, `listener ${id}.timeout_tcp_inspect`);
  if (inspectDelay) tail.push(`tcp-request inspect-delay ${inspectDelay}`);
  if (listener.protocol === 'PROMETHEUS' && ctx.features.prometheus) tail.push(`default_backend ${PROMETHEUS_BACKEND_NAME}`);
  if (ctx.log.connectionLogging) tail.push(`log-format ${logFormat(listener, ctx)}`);

  return [`frontend ${frontendName(id)}`, ...body, ...tail.map((line) => `    ${line}`)];
}
