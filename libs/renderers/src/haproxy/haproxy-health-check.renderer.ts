import { escapeHaproxyWord } from '../config-escaping';
import {
  expandExpectedCodes,
  validateDomainName,
  validateHttpMethod,
  validateHttpVersion,
  validateInteger,
  validateIpAddress,
  validatePort,
  validateUrlPath,
} from '../field-validators';
import type { RenderHealthMonitor, RenderMember, RenderPool } from '../render-model';
import type { HaproxyRenderContext } from './haproxy-context';
import { poolAlpn } from './haproxy-tls.renderer';

/**
 * Health monitors: backend lines (`timeout check`, `option httpchk`, external check) and the
 * `check …` part of each server line. UDP-CONNECT and SCTP monitors belong to keepalived.
 */

export interface CheckTiming {
  /** `inter`, seconds (haproxy rejects 0, so at least 1). */
  interSeconds: number;
  fall: number;
  rise: number;
  fastInterMs: number | null;
}

export function checkTiming(monitor: RenderHealthMonitor, ctx: HaproxyRenderContext): CheckTiming {
  const where = `healthmonitor ${monitor.id}`;
  const delay = validateInteger(monitor.delay, `${where}.delay`, 0, 2_147_483_647);
  if (delay === 0) ctx.warn(`${where}.delay`, 'a delay of 0 s cannot be expressed in haproxy; 1 s is used');
  const interSeconds = Math.max(delay, 1);
  const fastInterMs = ctx.healthCheckFastInterMs === null ? null : Math.min(ctx.healthCheckFastInterMs, interSeconds * 1000);
  return {
    interSeconds,
    fall: validateInteger(monitor.max_retries_down ?? 3, `${where}.max_retries_down`, 1, 10),
    rise: validateInteger(monitor.max_retries, `${where}.max_retries`, 1, 10),
    // Equal to inter it would change nothing; leave the line as upstream renders it.
    fastInterMs: fastInterMs !== null && fastInterMs < interSeconds * 1000 ? fastInterMs : null,
  };
}

/** Backend lines for an enabled monitor (after persistence, before header insertion). */
export function healthCheckBackendLines(monitor: RenderHealthMonitor, ctx: HaproxyRenderContext): string[] {
  const where = `healthmonitor ${monitor.id}`;
  const lines: string[] = [];
  if (ctx.serverStateFile) lines.push('load-server-state-from-file global');
  lines.push(`timeout check ${validateInteger(monitor.timeout, `${where}.timeout`, 0, 2_147_483_647)}s`);
  if (monitor.type === 'HTTP' || monitor.type === 'HTTPS') {
    const method = validateHttpMethod(monitor.http_method ?? 'GET', `${where}.http_method`);
    const path = escapeHaproxyWord(validateUrlPath(monitor.url_path ?? '/', `${where}.url_path`), `${where}.url_path`);
    const codes = expandExpectedCodes(monitor.expected_codes ?? '200', `${where}.expected_codes`);
    if (monitor.http_version != null) {
      const version = validateHttpVersion(monitor.http_version, `${where}.http_version`);
      lines.push(`option httpchk ${method} ${path} HTTP/${version}`);
      if (version === '1.1' && monitor.domain_name) {
        lines.push(`http-check send hdr Host ${validateDomainName(monitor.domain_name, `${where}.domain_name`)}`);
      }
    } else {
      lines.push(`option httpchk ${method} ${path}`);
    }
    lines.push(`http-check expect rstatus ${codes.join('|')}`);
  } else if (monitor.type === 'PING') {
    lines.push('option external-check', `external-check command ${ctx.pingWrapperPath}`);
  }
  // TCP and TLS-HELLO are plain connect checks (upstream adds no ssl-hello-chk).
  return lines;
}

/** ` check … inter Ns fall F rise R [fastinter] [addr] [port]` part of a server line. */
export function serverCheckOptions(
  pool: RenderPool,
  monitor: RenderHealthMonitor,
  member: RenderMember,
  ctx: HaproxyRenderContext,
): string[] {
  const where = `member ${member.id}`;
  const timing = checkTiming(monitor, ctx);
  const options = ['check'];
  if (monitor.type === 'HTTPS') options.push('check-ssl', 'verify', 'none');
  const alpn = poolAlpn(pool, ctx);
  if (alpn) options.push('check-alpn', alpn);
  options.push('inter', `${timing.interSeconds}s`, 'fall', String(timing.fall), 'rise', String(timing.rise));
  if (timing.fastInterMs !== null) options.push('fastinter', durationWord(timing.fastInterMs));
  if (member.monitor_address) options.push('addr', validateIpAddress(member.monitor_address, `${where}.monitor_address`));
  if (member.monitor_port) options.push('port', String(validatePort(member.monitor_port, `${where}.monitor_port`)));
  return options;
}

function durationWord(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** PING monitors need `external-check` (and, on haproxy ≥ 2.2, `insecure-fork-wanted`) globally. */
export function needsExternalCheck(monitor: RenderHealthMonitor | null): boolean {
  return monitor?.type === 'PING';
}
