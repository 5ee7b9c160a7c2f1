import { createHash } from 'node:crypto';

/**
 * Proxy, server and peer names in haproxy.cfg. These are wire contracts: the amphora agent finds
 * listeners by `frontend <listener_id>`, the heartbeat keys listeners by frontend name, pools by
 * backend name split on ':' and members by server name, and the agent starts haproxy with
 * `-L <peerName(own amphora id)>`. Change nothing here without changing both consumers.
 */

export function frontendName(listenerId: string): string {
  return listenerId;
}

/** Exactly one ':'; the heartbeat splits on it to recover the pool id. */
export function backendName(poolId: string, listenerId: string): string {
  return `${poolId}:${listenerId}`;
}

export function serverName(memberId: string): string {
  return memberId;
}

export function peersSectionName(loadBalancerId: string): string {
  return `${loadBalancerId.replace(/-/g, '')}_peers`;
}

/**
 * HAProxy peer names are limited in length and charset, so upstream uses the URL-safe-ish
 * base64 of SHA-1(amphora id) with '+' -> '_', '/' -> '-', no padding, and a leading '-'
 * replaced by 'x' (haproxy/haproxy#644: a leading '-' reads as a command-line flag).
 */
export function peerName(amphoraId: string): string {
  const b64 = createHash('sha1').update(amphoraId, 'utf8').digest('base64');
  return b64.replace(/\+/g, '_').replace(/\//g, '-').replace(/^-/, 'x').replace(/=/g, '');
}

/**
 * The internal Prometheus exporter proxies. The heartbeat drops every proxy whose name contains
 * "prometheus", so no other proxy may contain that word (ours are UUIDs).
 */
export const PROMETHEUS_FRONTEND_NAME = 'prometheus-exporter-internal-endpoint';
export const PROMETHEUS_BACKEND_NAME = 'prometheus-exporter-internal';

/** Port of the peers protocol (upstream HAPROXY_BASE_PEER_PORT); listener peer_port only drives SG rules. */
export const HAPROXY_PEER_PORT = 1025;
