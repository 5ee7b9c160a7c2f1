import { HeartbeatMemberStatus, HeartbeatPool } from '../../../heartbeat/src';
import { AgentContext } from '../agent-context';
import { HaproxyManager } from '../haproxy/haproxy.manager';
import { queryHaproxySocket } from '../haproxy/haproxy-socket';
import { parseShowStat } from '../haproxy/haproxy-stats';
import { IpvsVirtualServer, lvsListenerCounters, lvsPoolStatus, parseIpvsadm, servicesFor } from '../keepalived/lvs-status';
import { LvsManager } from '../keepalived/lvs.manager';
import { statMtimeMs } from '../util/files';
import { errorMessage } from '../util/logger';
import { AbsoluteCounters } from './stats-counters';

export interface CollectedListener {
  status: string;
  counters: AbsoluteCounters & { scur: number };
}

export interface CollectedStatus {
  listeners: Map<string, CollectedListener>;
  pools: Record<string, HeartbeatPool>;
}

const num = (v: string | undefined): number => Number(v) || 0;

/**
 * Gathers what a heartbeat reports: every running HAProxy's `show stat` and every running LVS
 * listener's IPVS state (heartbeat.md §3). An LB whose socket does not answer contributes
 * nothing; the message is still sent.
 */
export class StatusCollector {
  constructor(
    private readonly ctx: AgentContext,
    private readonly haproxy: HaproxyManager,
    private readonly lvs: LvsManager,
  ) {}

  async collect(): Promise<CollectedStatus> {
    const status: CollectedStatus = { listeners: new Map(), pools: {} };
    for (const lb of await this.haproxy.listLoadBalancers()) {
      if (!(await this.haproxy.isRunning(lb))) continue;
      try {
        await this.collectHaproxy(lb, status);
      } catch (err) {
        this.ctx.logger.warn('stats socket did not answer; LB left out of this heartbeat', { lb, error: errorMessage(err) });
      }
    }
    await this.collectLvs(status);
    return status;
  }

  private async collectHaproxy(lbId: string, status: CollectedStatus): Promise<void> {
    const socket = (await this.haproxy.summary(lbId))?.statsSocket ?? this.ctx.paths.statsSocket(lbId);
    const rows = parseShowStat(await queryHaproxySocket(socket, 'show stat -1 -1 -1', 5000));
    for (const row of rows) {
      const proxy = row.pxname;
      // Internal Prometheus exporter proxies are not Octavia objects.
      if (!proxy || proxy.includes('prometheus')) continue;
      if (row.svname === 'FRONTEND') {
        status.listeners.set(proxy, {
          status: row.status,
          counters: { bin: num(row.bin), bout: num(row.bout), stot: num(row.stot), ereq: num(row.ereq), scur: num(row.scur) },
        });
      } else if (row.svname === 'BACKEND') {
        const pool = (status.pools[proxy] ??= { status: row.status, members: {} });
        pool.status = row.status;
      } else {
        const pool = (status.pools[proxy] ??= { status: 'UP', members: {} });
        const member: HeartbeatMemberStatus = row.status === 'UP' && row.weight === '0' ? 'DRAIN' : row.status;
        pool.members[row.svname] = member;
      }
    }
  }

  private async collectLvs(status: CollectedStatus): Promise<void> {
    const running: string[] = [];
    for (const id of await this.lvs.listListeners()) if (await this.lvs.isRunning(id)) running.push(id);
    if (running.length === 0) return;
    const services = await this.ipvs();
    for (const id of running) {
      const config = await this.lvs.parsedConfig(id);
      if (!config || !config.listenerEnabled) continue;
      const mine = servicesFor(config, services);
      const c = lvsListenerCounters(mine);
      status.listeners.set(config.listenerId ?? id, {
        status: 'OPEN',
        counters: { bin: c.rx, bout: c.tx, stot: c.totconns, ereq: 0, scur: c.conns },
      });
      if (config.poolId && config.poolEnabled) {
        const confTime = await statMtimeMs(this.ctx.paths.lvsConfig(id));
        const checkTime = await statMtimeMs(this.ctx.paths.lvsCheckPidFile(id));
        const restarting = confTime !== null && checkTime !== null && confTime > checkTime;
        status.pools[config.poolId] = lvsPoolStatus(config, mine, restarting);
      }
    }
  }

  private async ipvs(): Promise<IpvsVirtualServer[]> {
    const run = (args: string[]) => this.ctx.platform.runner.run(this.ctx.platform.dataPlaneExec(['ipvsadm', ...args]), { timeoutMs: 5000 });
    const [list, stats] = await Promise.all([run(['-Ln']), run(['-Ln', '--stats', '--exact'])]);
    if (list.code !== 0) {
      this.ctx.logger.warn('ipvsadm failed; LVS listeners reported without IPVS state', { output: list.stderr.trim() });
      return [];
    }
    return parseIpvsadm(list.stdout, stats.code === 0 ? stats.stdout : '');
  }
}
