import type { HaproxyRenderContext } from './haproxy-context';
import { sslCacheSize, workerThreads } from './haproxy-limits';
import {
  HAPROXY_PEER_PORT,
  peerName,
  peersSectionName,
  PROMETHEUS_BACKEND_NAME,
  PROMETHEUS_FRONTEND_NAME,
} from './haproxy-naming';

/** The sections that do not depend on one listener: global, defaults, peers, Prometheus exporter. */

export interface GlobalFacts {
  maxconn: number;
  terminatesTls: boolean;
  needsExternalCheck: boolean;
}

export function renderGlobal(ctx: HaproxyRenderContext, facts: GlobalFacts): string[] {
  const lines: string[] = [];
  if (ctx.daemon) lines.push('daemon');
  lines.push(`user ${ctx.user}`);
  if (ctx.group) lines.push(`group ${ctx.group}`);
  lines.push(
    `log ${ctx.log.userLogTarget} local${ctx.log.userFacility}`,
    `log ${ctx.log.adminLogTarget} local${ctx.log.adminFacility} notice`,
    // Path and `level user` are contracts: the agent, heartbeat and VRRP check read this socket.
    `stats socket ${ctx.statsSocketPath} mode 0666 level user`,
  );
  if (ctx.serverStateFile) lines.push(`server-state-file ${ctx.serverStateFile}`);
  lines.push(`maxconn ${facts.maxconn}`, `maxpipes ${ctx.maxpipes}`);
  if (ctx.hardStopAfter) lines.push(`hard-stop-after ${ctx.hardStopAfter}`);
  const cache = facts.terminatesTls ? sslCacheSize(ctx, facts.maxconn) : null;
  if (cache !== null) lines.push(`tune.ssl.cachesize ${cache}`);
  const threads = workerThreads(ctx);
  if (threads !== null) {
    // Separate lines: upstream bug #2162906 glued cpu-map and external-check together.
    lines.push(`nbthread ${threads}`, `cpu-map auto:1/1-${threads} 1-${threads}`);
  }
  if (facts.needsExternalCheck) {
    lines.push('external-check');
    if (ctx.features.insecureForkWanted) lines.push('insecure-fork-wanted');
  }
  return ['global', ...lines.map((line) => `    ${line}`)];
}

export function renderDefaults(ctx: HaproxyRenderContext): string[] {
  return [
    'defaults',
    ...[
      ctx.log.connectionLogging ? 'log global' : 'no log',
      'retries 3',
      'option redispatch',
      'option splice-request',
      'option splice-response',
      'option http-keep-alive',
    ].map((line) => `    ${line}`),
  ];
}

/** Stick-table replication between the amphorae of an ACTIVE_STANDBY pair. */
export function renderPeers(ctx: HaproxyRenderContext): string[] {
  if (ctx.topology !== 'ACTIVE_STANDBY') return [];
  return [
    `peers ${peersSectionName(ctx.lb.id)}`,
    ...ctx.peers.map((peer) => `    peer ${peerName(peer.amphora_id)} ${peer.vrrp_ip}:${HAPROXY_PEER_PORT}`),
  ];
}

/**
 * Internal exporter endpoint on the amphora's loopback. PROMETHEUS listeners forward to the
 * amphora's metrics proxy (127.0.0.1:9102), which scrapes this endpoint (127.0.0.1:9101).
 */
export function renderPrometheusExporter(): string[] {
  return [
    `frontend ${PROMETHEUS_FRONTEND_NAME}`,
    '    bind 127.0.0.1:9101',
    '    mode http',
    '    no log',
    '    http-request use-service prometheus-exporter if { path /metrics }',
    '    http-request reject',
    '    timeout http-request 5s',
    '    timeout client 5s',
    `backend ${PROMETHEUS_BACKEND_NAME}`,
    '    mode http',
    '    no log',
    '    balance first',
    '    timeout connect 5s',
    '    timeout server 5s',
    '    server prometheus-internal 127.0.0.1:9102',
  ];
}
