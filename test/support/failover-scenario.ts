import { createServer } from 'node:net';
import { JsonLogger } from '../../libs/common/src';
import { startHealthManager, HealthManager } from '../../apps/health-manager/src/main';
import { run } from '../../libs/drivers/src/util/exec';
import { HarnessNetwork, LocalLbHarness } from './lb-harness';

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A deployment with fast failure detection (1 s heartbeats, 3 s timeout), health managers listening on
 * the management bridge, two backends and a client: the shared set-up of the failover tests and bench.
 */
export class FailoverBed {
  h!: LocalLbHarness;
  net!: HarnessNetwork;
  client = '';
  managers: HealthManager[] = [];

  static async start(opts: { topology: 'SINGLE' | 'ACTIVE_STANDBY'; managers?: number; threshold?: number | null; scanTimer?: boolean }): Promise<FailoverBed> {
    const b = new FailoverBed();
    const ports: number[] = [];
    for (let i = 0; i < (opts.managers ?? 1); i++) ports.push(await freeUdpPort());
    const threshold = opts.threshold === undefined ? '' : `failover_threshold = ${opts.threshold ?? 0}\n`;
    b.h = await LocalLbHarness.start({
      workers: 0,
      ini:
        `[controller_worker]\nloadbalancer_topology = ${opts.topology}\n` +
        `[health_manager]\nheartbeat_interval = 1\nheartbeat_timeout = 3\nhealth_check_interval = 1\nfailover_retry_initial_delay = 5\nbind_port = ${ports[0]}\n${threshold}`,
    });
    const mgmt = await b.h.network.ensureManagement();
    void mgmt;
    b.h.config.worker.controllerIpPortList = ports.map((p) => `${b.h.network.controllerIp}:${p}`);
    await b.h.startWorker();
    for (const port of ports) {
      const hmConfig = { ...b.h.config, healthManager: { ...b.h.config.healthManager, bindIp: b.h.network.controllerIp, bindPort: port } };
      b.managers.push(await startHealthManager(hmConfig, { logger: new JsonLogger('health-manager', process.env.OCTAVIA_TS_TEST_LOGS ? 'info' : 'error'), statusPort: null, startupGraceMs: 0, scanTimer: opts.scanTimer ?? true }));
    }
    b.net = await b.h.createNetwork('fo');
    b.client = await b.h.addHost(b.net, 'cli', 50);
    for (const n of [1, 2]) await b.h.startBackend(await b.h.addHost(b.net, `b${n}`, 10 + n), b.net.ip(10 + n), 8080, `backend-${n}`);
    return b;
  }

  async createLb(): Promise<{ id: string; vip: string }> {
    const res = await this.h.api.call('POST', '/v2/lbaas/loadbalancers', {
      loadbalancer: {
        vip_subnet_id: this.net.subnetId,
        listeners: [{ protocol: 'HTTP', protocol_port: 80, default_pool: { name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', members: [{ address: this.net.ip(11), protocol_port: 8080 }, { address: this.net.ip(12), protocol_port: 8080 }] } }],
      },
    });
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    const lb = { id: res.body.loadbalancer.id as string, vip: res.body.loadbalancer.vip_address as string };
    await this.h.waitLbStatus(lb.id, 'ACTIVE');
    await this.waitServing(lb.vip, 60_000);
    // Every amphora has been heard from (health rows exist) before anything is killed.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [{ n, m }] = await this.h.ds.query(
        `SELECT count(h.amphora_id)::int AS n, count(a.id)::int AS m FROM amphora a LEFT JOIN amphora_health h ON h.amphora_id = a.id
          WHERE a.load_balancer_id = $1 AND a.status = 'ALLOCATED'`,
        [lb.id],
      );
      if (n === m && m > 0) break;
      if (Date.now() > deadline) throw new Error('no heartbeats reached the health manager');
      await new Promise((r) => setTimeout(r, 100));
    }
    return lb;
  }

  async waitServing(vip: string, timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      if ((await this.h.curl(this.client, `http://${vip}/`, 1)).startsWith('backend')) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 50));
    }
    const flows = await this.h.ds.query(`SELECT kind, status, error FROM flow WHERE status <> 'SUCCEEDED' ORDER BY created_at DESC LIMIT 5`);
    throw new Error(`VIP ${vip} did not answer within ${timeoutMs} ms; unfinished or failed flows: ${JSON.stringify(flows)}`);
  }

  /** The amphora dies as a VM would: every process SIGKILLed and its namespace (links included) gone. */
  async killAmphora(amphoraId: string): Promise<void> {
    await this.h.killAmphoraProcesses(amphoraId);
    await run(['ip', 'netns', 'del', `amphora-${amphoraId}`]).catch(() => undefined);
  }

  /**
   * Kills an amphora and probes the VIP every 100 ms until `ok` answers in a row: the outage as a client
   * sees it (time from the death to the first answer, failed requests) and the time until the LB is ACTIVE
   * again with a replacement.
   */
  async killAndMeasure(lb: { id: string; vip: string }, amphoraId: string): Promise<{ outageMs: number; failedRequests: number; totalRequests: number; replacedMs: number }> {
    const t0 = Date.now();
    await this.killAmphora(amphoraId);
    let failed = 0;
    let total = 0;
    let firstOk = -1;
    let okRun = 0;
    let replacedMs = -1;
    while (Date.now() - t0 < 120_000) {
      total++;
      const body = await this.h.curl(this.client, `http://${lb.vip}/`, 1);
      if (body.startsWith('backend')) {
        if (firstOk < 0) firstOk = Date.now() - t0;
        okRun++;
      } else {
        failed++;
        okRun = 0;
        firstOk = -1;
      }
      if (replacedMs < 0) {
        const [row] = await this.h.ds.query(
          `SELECT (SELECT status FROM amphora WHERE id = $2) AS old, (SELECT provisioning_status FROM load_balancer WHERE id = $1) AS lb,
                  (SELECT count(*)::int FROM amphora WHERE load_balancer_id = $1 AND status = 'ALLOCATED') AS live`,
          [lb.id, amphoraId],
        );
        if (row.old === 'DELETED' && row.lb === 'ACTIVE' && row.live >= 1) replacedMs = Date.now() - t0;
      }
      if (okRun >= 5 && replacedMs >= 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { outageMs: firstOk, failedRequests: failed, totalRequests: total, replacedMs };
  }

  async close(): Promise<void> {
    for (const m of this.managers) await m.stop().catch(() => undefined);
    await this.h?.close();
  }
}
