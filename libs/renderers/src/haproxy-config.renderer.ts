import { activeHealthMonitor, isEnabled, isLive, isLvsListener, listenerPools, liveMembers, vipAddresses } from './model-resolution';
import type { RenderListener, RenderLoadBalancer, RenderPool } from './render-model';
import type { HaproxyRenderOptions } from './render-options';
import { createHaproxyContext, type HaproxyRenderContext } from './haproxy/haproxy-context';
import { renderBackend } from './haproxy/haproxy-backend.renderer';
import { renderFrontend } from './haproxy/haproxy-frontend.renderer';
import { renderDefaults, renderGlobal, renderPeers, renderPrometheusExporter } from './haproxy/haproxy-global.renderer';
import { needsExternalCheck } from './haproxy/haproxy-health-check.renderer';
import { globalMaxconn, listenerConnectionLimit } from './haproxy/haproxy-limits';

/**
 * One haproxy.cfg for all TCP-family listeners of a load balancer, as the upstream amphora
 * driver renders it (combined-listeners layout), with our fd-budget and escaping hardening.
 * Pure: same model and options, same bytes.
 */

interface ProxyPlan {
  listener: RenderListener;
  pools: RenderPool[];
}

/** Listeners served by haproxy; UDP/SCTP go to keepalived, deleted ones are gone. */
function haproxyListeners(lb: RenderLoadBalancer): RenderListener[] {
  return lb.listeners.filter((listener) => isLive(listener) && !isLvsListener(listener));
}

function planProxies(lb: RenderLoadBalancer): ProxyPlan[] {
  if (!isEnabled(lb)) return [];
  return haproxyListeners(lb)
    .filter(isEnabled)
    .map((listener) => ({ listener, pools: listenerPools(lb, listener).filter(isEnabled) }));
}

function computeMaxconn(ctx: HaproxyRenderContext, plan: ProxyPlan[], prometheus: boolean): number {
  const limits = haproxyListeners(ctx.lb)
    .filter(isEnabled)
    .map((listener) => listenerConnectionLimit(listener, ctx));
  const checkedServers = plan
    .flatMap(({ pools }) => pools)
    .reduce((sum, pool) => sum + (activeHealthMonitor(pool) ? liveMembers(pool).length : 0), 0);
  return globalMaxconn(ctx, limits, {
    bindLines: plan.length * vipAddresses(ctx.lb).length + (prometheus ? 1 : 0),
    checkedServers,
    peers: ctx.peers.length,
  });
}

export function renderHaproxyConfig(lb: RenderLoadBalancer, options: HaproxyRenderOptions): string {
  const ctx = createHaproxyContext(lb, options);
  const plan = planProxies(lb);
  // Upstream adds the exporter for any PROMETHEUS listener, enabled or not.
  const prometheus = ctx.features.prometheus && haproxyListeners(lb).some((listener) => listener.protocol === 'PROMETHEUS');
  const allPools = plan.flatMap(({ pools }) => pools);

  const sections: string[][] = [
    [`# Configuration for loadbalancer ${lb.id}`],
    renderGlobal(ctx, {
      maxconn: computeMaxconn(ctx, plan, prometheus),
      terminatesTls: haproxyListeners(lb).some((listener) => listener.protocol === 'TERMINATED_HTTPS'),
      needsExternalCheck: allPools.some((pool) => needsExternalCheck(activeHealthMonitor(pool))),
    }),
  ];
  sections.push([''], renderDefaults(ctx));
  const peers = renderPeers(ctx);
  if (peers.length > 0) sections.push([''], peers);
  if (prometheus) sections.push([''], renderPrometheusExporter());
  for (const { listener, pools } of plan) {
    // The agent finds listeners by "\nfrontend <id>", so every frontend starts on a fresh line.
    sections.push([''], renderFrontend(listener, ctx));
    for (const pool of pools) sections.push([''], renderBackend(pool, listener, ctx));
  }
  return `${sections.flat().join('\n')}\n`;
}
