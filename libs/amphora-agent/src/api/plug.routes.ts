import { AgentResponse, jsonResponse, message, parseJsonBody, werkzeugError } from '../http/agent-response';
import { RouteDefinition } from '../http/agent-router';
import { PlugOutcome } from '../network/network.manager';
import { renderNftables, validateRules } from '../network/nftables-rules';
import { commandOutput } from '../platform/platform';
import { writeFileAtomic } from '../util/files';
import { AgentServices } from './agent-services';

/** The exact text the upstream controller retries on (NIC not hot-plugged yet). */
export const NO_INTERFACE_DETAILS = 'No suitable network interface found';

function plugResponse(outcome: PlugOutcome, failure: string, success: (o: Extract<PlugOutcome, { kind: 'plugged' }>) => string): AgentResponse {
  switch (outcome.kind) {
    case 'rejected':
      return outcome.rejection.shape === 'werkzeug'
        ? werkzeugError(400, outcome.rejection.description)
        : message(400, outcome.rejection.message);
    case 'already_plugged':
      return message(409, 'Interface already exists');
    case 'no_interface':
      return message(404, 'Network interface not found', NO_INTERFACE_DETAILS);
    case 'failed':
      return message(500, failure, outcome.output);
    case 'updated':
      return message(202, 'OK', `Updated existing interface ${outcome.name}`);
    case 'plugged':
      return message(202, 'OK', success(outcome));
  }
}

/** Routes 14, 15, 19 and 20: plugging ports and looking at interfaces. */
export function plugRoutes(s: AgentServices): RouteDefinition[] {
  return [
    {
      method: 'POST',
      pattern: '/1.0/plug/vip/:vip',
      handler: async (req) => {
        const outcome = await s.network.plugVip(req.params.vip, parseJsonBody(req));
        return plugResponse(outcome, 'Error plugging VIP', (o) => `VIPs plugged on interface ${o.name}: ${o.vips.join(', ')}`);
      },
    },
    {
      method: 'POST',
      pattern: '/1.0/plug/network',
      handler: async (req) => {
        const outcome = await s.network.plugNetwork(parseJsonBody(req));
        return plugResponse(outcome, 'Error plugging network', (o) => `Plugged on interface ${o.name}`);
      },
    },
    {
      method: 'GET',
      pattern: '/1.0/interface/:ip',
      handler: async ({ params }) => {
        const found = await s.network.interfaceForIp(params.ip);
        if (found.kind === 'invalid') return message(400, 'Invalid IP address');
        if (found.kind === 'not_found') return message(404, 'Error interface not found for IP address');
        return jsonResponse(200, { message: 'OK', interface: found.name });
      },
    },
    {
      method: 'PUT',
      pattern: '/1.0/interface/:ip/rules',
      handler: async (req) => {
        const found = await s.network.interfaceForIp(req.params.ip);
        if (found.kind === 'invalid') return message(400, 'Invalid IP address');
        if (found.kind === 'not_found') return message(404, 'Error interface not found for IP address');
        const rules = validateRules(parseJsonBody(req));
        if (rules === null) return werkzeugError(400, 'Invalid rules information');
        const file = s.ctx.paths.nftablesRules;
        await writeFileAtomic(file, renderNftables(rules, found.name), 0o600);
        const loaded = await s.ctx.platform.runner.run(s.ctx.platform.dataPlaneExec(['nft', '-o', '-f', file]));
        if (loaded.code !== 0) return message(500, 'Error loading nftables rules', commandOutput(loaded));
        return message(200, 'OK');
      },
    },
  ];
}
