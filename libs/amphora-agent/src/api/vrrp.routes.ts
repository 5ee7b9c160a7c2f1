import { message } from '../http/agent-response';
import { RouteDefinition } from '../http/agent-router';
import { ServiceAction } from '../platform/platform';
import { md5Hex } from '../util/files';
import { AgentServices } from './agent-services';

const ACTIONS: readonly ServiceAction[] = ['start', 'stop', 'reload'];

/** Routes 17–18: the amphora's VRRP keepalived (ACTIVE_STANDBY). */
export function vrrpRoutes(s: AgentServices): RouteDefinition[] {
  return [
    {
      method: 'PUT',
      pattern: '/1.0/vrrp/upload',
      handler: async ({ body }) => {
        const running = await s.haproxy.runningLoadBalancers();
        const sockets: string[] = [];
        for (const lb of running) sockets.push((await s.haproxy.summary(lb))?.statsSocket ?? s.ctx.paths.statsSocket(lb));
        const outcome = await s.vrrp.upload(body, sockets, (await s.lvs.listListeners()).length);
        if (outcome.kind === 'invalid') return message(400, 'Invalid request', outcome.output);
        if (outcome.kind === 'install_failed') return message(500, 'Error enabling octavia-keepalived service', outcome.output);
        return message(200, 'OK', undefined, { ETag: md5Hex(body) });
      },
    },
    {
      method: 'PUT',
      pattern: '/1.0/vrrp/:action',
      handler: async ({ params }) => {
        const action = params.action.toLowerCase() as ServiceAction;
        if (!ACTIONS.includes(action)) return message(400, 'Invalid Request', `Unknown action: ${params.action}`);
        if (!(await s.vrrp.isConfigured())) {
          return message(500, `Failed to ${action} octavia-keepalived service`, 'no VRRP configuration uploaded');
        }
        const done = await s.vrrp.control(action);
        if (!done.result.ok) return message(500, `Failed to ${done.action} octavia-keepalived service`, done.result.output);
        return message(202, 'OK', `keepalived ${done.action}ed`);
      },
    },
  ];
}
