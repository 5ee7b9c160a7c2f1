import { AgentContext } from '../agent-context';
import { AgentConfig } from '../config/agent-config';
import { HaproxyManager } from '../haproxy/haproxy.manager';
import { LvsManager } from '../keepalived/lvs.manager';
import { VrrpCheckScripts } from '../keepalived/vrrp-check-scripts';
import { VrrpManager } from '../keepalived/vrrp.manager';
import { NetworkManager } from '../network/network.manager';
import { isSafePathSegment } from '../util/files';
import { AgentResponse, message } from '../http/agent-response';

/** What the route modules work with. */
export interface AgentServices {
  ctx: AgentContext;
  haproxy: HaproxyManager;
  lvs: LvsManager;
  vrrp: VrrpManager;
  checkScripts: VrrpCheckScripts;
  network: NetworkManager;
  /** Called after `PUT /1.0/certificate` wrote a new server certificate. */
  reloadServerCertificate(): Promise<void>;
  /** Called after `PUT /1.0/config` wrote and parsed a new configuration. */
  applyConfig(next: AgentConfig): void;
}

export const API_VERSION = '1.0';

/** ids from the URL end up in file names; anything else than a plain token is refused. */
export function invalidId(...ids: string[]): AgentResponse | null {
  const bad = ids.find((id) => !isSafePathSegment(id));
  return bad === undefined ? null : message(400, 'Invalid request', `'${bad}' is not a valid identifier`);
}

/**
 * Rewrite the ACTIVE_STANDBY HAProxy check for the LBs that will be running once the current
 * operation is done (amphora-agent-api.md §3.6 step 2).
 */
export async function refreshVrrpHaproxyCheck(services: AgentServices, change?: { lbId: string; running: boolean }): Promise<void> {
  const running = new Set(await services.haproxy.runningLoadBalancers());
  if (change) {
    if (change.running) running.add(change.lbId);
    else running.delete(change.lbId);
  }
  const sockets: string[] = [];
  for (const lb of [...running].sort()) {
    const summary = await services.haproxy.summary(lb);
    sockets.push(summary?.statsSocket ?? services.ctx.paths.statsSocket(lb));
  }
  await services.checkScripts.refreshHaproxyCheck(sockets, (await services.lvs.listListeners()).length);
}
