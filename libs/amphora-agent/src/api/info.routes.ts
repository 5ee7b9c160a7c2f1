import { hostname } from 'node:os';
import { jsonResponse } from '../http/agent-response';
import { RouteDefinition } from '../http/agent-router';
import { cpuCount, readCpu, readDisk, readLoad, readMemory, readTunedProfiles } from '../system/system-info';
import { errorMessage } from '../util/logger';
import { AgentServices, API_VERSION } from './agent-services';

interface ListenerEntry {
  status: 'ACTIVE' | 'OFFLINE';
  uuid: string;
  type: string;
}

async function listenerEntries(s: AgentServices): Promise<ListenerEntry[]> {
  const entries: ListenerEntry[] = [];
  for (const lb of await s.haproxy.listLoadBalancers()) {
    const summary = await s.haproxy.summary(lb);
    const status = (await s.haproxy.isRunning(lb)) ? 'ACTIVE' : 'OFFLINE';
    for (const fe of summary?.frontends ?? []) entries.push({ status, uuid: fe.id, type: fe.type });
  }
  for (const lst of await s.lvs.listListeners()) {
    entries.push({ status: (await s.lvs.isRunning(lst)) ? 'ACTIVE' : 'OFFLINE', uuid: lst, type: 'UDP' });
  }
  return entries;
}

export function infoRoutes(s: AgentServices): RouteDefinition[] {
  return [
    { method: 'GET', pattern: '/', handler: async () => jsonResponse(200, { api_version: API_VERSION }) },
    {
      method: 'GET',
      pattern: '/1.0/info',
      handler: async () => {
        const v = await s.ctx.versions();
        return jsonResponse(200, {
          hostname: s.ctx.hostname(),
          haproxy_version: v.haproxy,
          api_version: API_VERSION,
          keepalived_version: v.keepalived,
          ipvsadm_version: v.ipvsadm,
        });
      },
    },
    {
      method: 'GET',
      pattern: '/1.0/details',
      handler: async () => {
        const v = await s.ctx.versions();
        const lbs = await s.haproxy.listLoadBalancers();
        const running = await s.haproxy.runningLoadBalancers();
        const lvs = await s.lvs.listListeners();
        let lvsRunning = 0;
        for (const l of lvs) if (await s.lvs.isRunning(l)) lvsRunning++;
        const frontends: string[] = [];
        for (const lb of lbs) frontends.push(...((await s.haproxy.summary(lb))?.frontends.map((f) => f.id) ?? []));
        let networks = {};
        try {
          networks = await s.network.linkCounters();
        } catch (err) {
          s.ctx.logger.warn('cannot read link counters', { error: errorMessage(err) });
        }
        return jsonResponse(200, {
          hostname: s.ctx.hostname() || hostname(),
          haproxy_version: v.haproxy,
          api_version: API_VERSION,
          networks,
          active: true,
          haproxy_count: running.length,
          cpu_count: cpuCount(),
          cpu: await readCpu(),
          memory: await readMemory(),
          disk: await readDisk(),
          load: await readLoad(),
          active_tuned_profiles: await readTunedProfiles(),
          topology: 'SINGLE',
          topology_status: 'OK',
          listeners: [...frontends, ...lvs].sort(),
          packages: {},
          lvs_listener_process_count: lvsRunning,
          keepalived_version: v.keepalived,
          ipvsadm_version: v.ipvsadm,
        });
      },
    },
    { method: 'GET', pattern: '/1.0/listeners', handler: async () => jsonResponse(200, await listenerEntries(s)) },
  ];
}
