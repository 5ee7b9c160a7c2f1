import { message, textResponse } from '../http/agent-response';
import { RouteDefinition } from '../http/agent-router';
import { ServiceAction } from '../platform/platform';
import { exists, md5Hex } from '../util/files';
import { AgentServices, invalidId, refreshVrrpHaproxyCheck } from './agent-services';

const ACTIONS: readonly ServiceAction[] = ['start', 'stop', 'reload'];

const lbNotFound = (lb: string) => message(404, 'Loadbalancer Not Found', `No loadbalancer with UUID: ${lb}`);

/** Routes 5–10 of amphora-agent-api.md §2: HAProxy configs, LVS configs, lifecycle. */
export function loadBalancerRoutes(s: AgentServices): RouteDefinition[] {
  const topology = () => s.ctx.config().controllerWorker.loadbalancerTopology;

  const controlHaproxy = async (lbId: string, action: ServiceAction) => {
    if (!(await s.haproxy.exists(lbId))) return lbNotFound(lbId);
    if (topology() === 'ACTIVE_STANDBY') await refreshVrrpHaproxyCheck(s, { lbId, running: action !== 'stop' });
    const result = await s.haproxy.control(lbId, action);
    if (!result.ok) return message(500, `Error ${action}ing haproxy`, result.output);
    if (topology() === 'SINGLE' && action !== 'stop') {
      // In ACTIVE_STANDBY keepalived announces the VIPs; in SINGLE nobody else will.
      await s.network.advertise((await s.haproxy.summary(lbId))?.bindAddresses ?? []);
    }
    return action === 'start'
      ? message(202, 'OK', `Configuration file is valid\nhaproxy daemon for ${lbId} started`)
      : message(202, 'OK', `Listener ${lbId} ${action}ed`);
  };

  const controlLvs = async (listenerId: string, action: ServiceAction) => {
    const effective = action === 'reload' ? 'restart' : action;
    const result = await s.lvs.control(listenerId, action);
    if (!result.ok) return message(500, `Failed to ${effective} keepalivedlvs listener ${listenerId}`, result.output);
    if (topology() === 'SINGLE' && action !== 'stop') {
      await s.network.advertise((await s.lvs.parsedConfig(listenerId))?.vips.map((v) => v.address) ?? []);
    }
    return message(202, 'OK', `keepalivedlvs listener ${listenerId} ${effective}ed`);
  };

  return [
    {
      method: 'PUT',
      pattern: '/1.0/loadbalancer/:amphoraId/:lbId/haproxy',
      handler: async ({ params, body }) => {
        const bad = invalidId(params.amphoraId, params.lbId);
        if (bad) return bad;
        const outcome = await s.haproxy.upload(params.amphoraId, params.lbId, body);
        if (outcome.kind === 'invalid') return message(400, 'Invalid request', outcome.output);
        // Upstream's text for this failure really names keepalived.
        if (outcome.kind === 'install_failed') return message(500, 'Error enabling octavia-keepalived service', outcome.output);
        return message(202, 'OK', undefined, { ETag: md5Hex(body) });
      },
    },
    {
      method: 'GET',
      pattern: '/1.0/loadbalancer/:lbId/haproxy',
      handler: async ({ params }) => {
        const cfg = invalidId(params.lbId) ? null : await s.haproxy.readConfig(params.lbId);
        if (cfg === null) return lbNotFound(params.lbId);
        return textResponse(200, cfg, { ETag: md5Hex(cfg) });
      },
    },
    {
      method: 'PUT',
      pattern: '/1.0/loadbalancer/:objectId/:action',
      handler: async ({ params }) => {
        const action = params.action.toLowerCase() as ServiceAction;
        if (!ACTIONS.includes(action)) return message(400, 'Invalid Request', `Unknown action: ${params.action}`);
        const bad = invalidId(params.objectId);
        if (bad) return bad;
        // An LB id names an HAProxy; a UDP/SCTP listener id names an LVS keepalived.
        if (!(await s.haproxy.exists(params.objectId)) && (await s.lvs.exists(params.objectId))) {
          return controlLvs(params.objectId, action);
        }
        return controlHaproxy(params.objectId, action);
      },
    },
    {
      method: 'DELETE',
      pattern: '/1.0/listeners/:objectId',
      handler: async ({ params }) => {
        const id = params.objectId;
        if (invalidId(id)) return message(200, 'OK');
        if (await s.haproxy.exists(id)) {
          const removed = await s.haproxy.remove(id);
          if (!removed.ok) return message(500, 'Error stopping haproxy', removed.output);
          if (await exists(s.ctx.paths.vrrpCheckScript)) await refreshVrrpHaproxyCheck(s);
          return message(200, 'OK');
        }
        if (await s.lvs.exists(id)) {
          const removed = await s.lvs.remove(id);
          if (!removed.ok) return message(500, `Error stopping octavia-keepalivedlvs-${id} service`, removed.output);
          if (await exists(s.ctx.paths.vrrpCheckScript)) {
            await s.checkScripts.refreshLvsCheck(await s.lvs.pidFiles());
            await refreshVrrpHaproxyCheck(s);
          }
        }
        return message(200, 'OK');
      },
    },
    {
      method: 'PUT',
      pattern: '/1.0/listeners/:amphoraId/:listenerId/udp_listener',
      handler: async ({ params, body }) => {
        const bad = invalidId(params.listenerId);
        if (bad) return bad;
        const outcome = await s.lvs.upload(params.listenerId, body);
        if (outcome.kind === 'invalid') return message(400, 'Invalid request', outcome.output);
        if (outcome.kind === 'install_failed') {
          return message(500, `Error enabling octavia-keepalivedlvs-${params.listenerId} service`, outcome.output);
        }
        if (topology() === 'ACTIVE_STANDBY') {
          await s.checkScripts.refreshLvsCheck(await s.lvs.pidFiles());
          await refreshVrrpHaproxyCheck(s);
        }
        return message(200, 'OK', undefined, { ETag: md5Hex(body) });
      },
    },
    {
      method: 'GET',
      pattern: '/1.0/listeners/:listenerId/udp_listener',
      handler: async ({ params }) => {
        const cfg = invalidId(params.listenerId) ? null : await s.lvs.readConfig(params.listenerId);
        if (cfg === null) return message(404, 'UDP Listener Not Found', `No UDP listener with UUID: ${params.listenerId}`);
        return textResponse(200, cfg, { ETag: md5Hex(cfg) });
      },
    },
  ];
}
