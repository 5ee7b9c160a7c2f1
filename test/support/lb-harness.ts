import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { JsonLogger, OctaviaConfig, loadConfig } from '../../libs/common/src';
import { dataSourceOptions } from '../../libs/database/src';
import { LocalNetworkDriver, createLocalNetwork } from '../../libs/drivers/src/network/local-network.driver';
import { NetnsComputeDriver } from '../../libs/drivers/src/compute/netns.driver';
import { run, runQuiet, namespaceExists } from '../../libs/drivers/src/util/exec';
import { BullmqFlowDispatcher } from '../../apps/api/src/providers/bullmq-dispatcher';
import { startWorker, RunningWorker } from '../../apps/worker/src/main';
import { startTestApi, TestApi } from './api-harness';
import { REDIS_URL } from './services';
import { BackendHandle, startBackend } from '../agent/agent.fixture';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { bundleAgent } = require('../../scripts/bundle-agent.js') as { bundleAgent(o: { outfile: string }): Promise<string> };

const rnd = (min: number, max: number) => min + (randomBytes(1)[0] % (max - min + 1));

export interface HarnessNetwork {
  networkId: string;
  subnetId: string;
  prefix: string;
  ip(host: number): string;
}

/**
 * One octavia-ts deployment on this host for a test file: the API (amphora provider), workers with the
 * netns compute driver and the local network driver, private names (namespaces, bridges, queue prefix,
 * management subnet) and folders, plus helpers for backend/client namespaces. `close()` removes all of it.
 */
export class LocalLbHarness {
  readonly suffix = randomBytes(3).toString('hex').slice(0, 5);
  readonly stateDir = `/run/ots-${this.suffix}`;
  readonly hostNamespaces: string[] = [];
  readonly backends: BackendHandle[] = [];
  workers: RunningWorker[] = [];
  api!: TestApi;
  ds!: DataSource;
  config!: OctaviaConfig;
  network!: LocalNetworkDriver;
  env: Record<string, string> = {};
  dispatcher!: BullmqFlowDispatcher;

  static async start(opts: { workers?: number; env?: Record<string, string>; redisUrl?: string; ini?: string } = {}): Promise<LocalLbHarness> {
    const h = new LocalLbHarness();
    await fs.mkdir(h.stateDir, { recursive: true, mode: 0o700 });
    const iniFile = path.join(h.stateDir, 'octavia.conf');
    await fs.writeFile(iniFile, opts.ini ?? '');
    const bundle = await bundleAgent({ outfile: path.join(h.stateDir, 'amphora-agent.js') });
    h.env = {
      OCTAVIA_TS_DEFAULT_PROVIDER: 'amphora',
      OCTAVIA_TS_REDIS_URL: opts.redisUrl ?? REDIS_URL,
      OCTAVIA_TS_QUEUE_PREFIX: `test-${h.suffix}`,
      OCTAVIA_TS_COMPUTE_DRIVER: 'netns',
      OCTAVIA_TS_LOCAL_NAMESPACE: `otsnet-${h.suffix}`,
      OCTAVIA_TS_MGMT_BRIDGE: `otm${h.suffix}`,
      OCTAVIA_TS_MGMT_CIDR: `172.31.${rnd(16, 250)}.0/24`,
      OCTAVIA_TS_AMPHORA_STATE_DIR: path.join(h.stateDir, 'amp'),
      OCTAVIA_TS_CERT_DIR: path.join(h.stateDir, 'pki'),
      OCTAVIA_TS_AGENT_BUNDLE: bundle,
      OCTAVIA_TS_JOB_LOCK_MS: '4000',
      OCTAVIA_TS_RECONCILE_INTERVAL_MS: '1000',
      OCTAVIA_TS_CONFIG_FILE: iniFile,
      ...opts.env,
    };
    h.dispatcher = new BullmqFlowDispatcher(h.env.OCTAVIA_TS_REDIS_URL, h.env.OCTAVIA_TS_QUEUE_PREFIX);
    h.api = await startTestApi(h.env, h.dispatcher);
    h.config = loadConfig({ ...h.env, OCTAVIA_TS_DATABASE_URL: h.api.dbUrl });
    h.ds = new DataSource(dataSourceOptions(h.api.dbUrl));
    await h.ds.initialize();
    h.network = new LocalNetworkDriver(h.config.worker.local);
    for (let i = 0; i < (opts.workers ?? 1); i++) await h.startWorker();
    return h;
  }

  async startWorker(): Promise<RunningWorker> {
    const w = await startWorker(this.config, new JsonLogger('worker', process.env.OCTAVIA_TS_TEST_LOGS ? 'info' : 'error'), 0);
    this.workers.push(w);
    return w;
  }

  /** A local network with one /24 in 10.x (private, inside our namespaces only). */
  async createNetwork(name: string): Promise<HarnessNetwork> {
    const prefix = `10.${rnd(64, 250)}.${rnd(1, 250)}`;
    const { network, subnet } = await createLocalNetwork(this.ds.manager, this.network, { name: `${name}-${this.suffix}`, cidr: `${prefix}.0/24`, allocationStart: `${prefix}.100`, allocationEnd: `${prefix}.200` });
    return { networkId: network.id, subnetId: subnet.id, prefix, ip: (n) => `${prefix}.${n}` };
  }

  /** A namespace on a network with address .host (a backend or a client). */
  async addHost(net: HarnessNetwork, role: string, host: number): Promise<string> {
    const ns = `ots${role}-${this.suffix}`;
    this.hostNamespaces.push(ns);
    await this.network.attachHost(net.networkId, { namespace: ns, ifname: 'eth0', address: `${net.ip(host)}/24` });
    return ns;
  }

  async startBackend(ns: string, ip: string, port: number, name: string): Promise<void> {
    this.backends.push(await startBackend(ns, ip, port, name));
  }

  /** One HTTP request from a namespace; returns the body or `ERR:<reason>`. */
  async curl(ns: string, url: string, timeoutS = 2): Promise<string> {
    return run(['ip', 'netns', 'exec', ns, 'curl', '-s', '-S', '--max-time', String(timeoutS), url], { timeoutMs: (timeoutS + 2) * 1000 }).catch(
      (e: Error) => `ERR:${e.message.split(': ').slice(-1)[0].trim()}`,
    );
  }

  async waitFor(path: string, pred: (body: any, status: number) => boolean, timeoutMs = 60_000, what = path): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last: { status: number; body: any } = { status: 0, body: null };
    while (Date.now() < deadline) {
      last = await this.api.call('GET', path);
      if (pred(last.body, last.status)) return last.body;
      await new Promise((r) => setTimeout(r, 50));
    }
    const flows = await this.ds.query(`SELECT kind, status, error FROM flow ORDER BY created_at DESC LIMIT 3`);
    throw new Error(`timed out waiting for ${what}: last ${last.status} ${JSON.stringify(last.body).slice(0, 400)} flows ${JSON.stringify(flows)}`);
  }

  async waitLbStatus(lbId: string, status: string, timeoutMs = 60_000): Promise<any> {
    return this.waitFor(
      `/v2/lbaas/loadbalancers/${lbId}`,
      (b) => {
        const now = b?.loadbalancer?.provisioning_status;
        // A flow that ended in ERROR will not reach the wanted status: fail now with the flow's reason.
        if (now === 'ERROR' && status !== 'ERROR') throw new Error(`load balancer ${lbId} went to ERROR while waiting for ${status}`);
        return now === status;
      },
      timeoutMs,
      `load balancer ${status}`,
    );
  }

  async waitLbGone(lbId: string, timeoutMs = 60_000): Promise<void> {
    await this.waitFor(`/v2/lbaas/loadbalancers/${lbId}`, (_b, s) => s === 404, timeoutMs, 'load balancer deleted');
  }

  /** What an LB left behind: amphora namespaces, non-DELETED amphora rows, amphora/VIP ports, bridge links of amphorae. */
  async leftovers(): Promise<{ namespaces: string[]; amphorae: number; ports: number; allocations: number; bridgeLinks: string[]; flowsPending: number; pending: number }> {
    const out = await run(['ip', 'netns', 'list']);
    const amphoraIds: string[] = (await this.ds.query(`SELECT id FROM amphora`)).map((r: { id: string }) => r.id);
    const namespaces = out.split('\n').map((l) => l.split(' ')[0]).filter((n) => amphoraIds.some((id) => n.endsWith(id)));
    const [{ n: amphorae }] = await this.ds.query(`SELECT count(*)::int AS n FROM amphora WHERE status <> 'DELETED'`);
    const [{ n: ports }] = await this.ds.query(`SELECT count(*)::int AS n FROM port WHERE device_owner LIKE 'octavia%' OR device_owner = 'Octavia'`);
    const [{ n: allocations }] = await this.ds.query(`SELECT count(*)::int AS n FROM ip_allocation a JOIN port p ON p.id = a.port_id WHERE p.device_owner LIKE 'octavia%' OR p.device_owner = 'Octavia'`);
    const [{ n: flowsPending }] = await this.ds.query(`SELECT count(*)::int AS n FROM flow WHERE status NOT IN ('SUCCEEDED', 'FAILED')`);
    const [{ n: pending }] = await this.ds.query(
      `SELECT (SELECT count(*) FROM load_balancer WHERE provisioning_status LIKE 'PENDING%') + (SELECT count(*) FROM listener WHERE provisioning_status LIKE 'PENDING%')
            + (SELECT count(*) FROM pool WHERE provisioning_status LIKE 'PENDING%') + (SELECT count(*) FROM member WHERE provisioning_status LIKE 'PENDING%') AS n`,
    );
    let bridgeLinks: string[] = [];
    if (await namespaceExists(this.config.worker.local.namespace)) {
      const links = await run(['ip', '-n', this.config.worker.local.namespace, '-o', 'link', 'show']);
      bridgeLinks = links.split('\n').filter(Boolean).map((l) => l.split(': ')[1].split('@')[0]).filter((n) => n.startsWith('pb'));
    }
    const rootLinks = await run(['ip', '-o', 'link', 'show']);
    const mgmtLinks = rootLinks.split('\n').filter(Boolean).map((l) => l.split(': ')[1].split('@')[0]).filter((n) => n.startsWith('om'));
    const amphoraMgmt = mgmtLinks.filter((n) => amphoraIds.some((id) => n === `om${id.replace(/-/g, '').slice(0, 11)}`));
    return { namespaces, amphorae, ports, allocations, bridgeLinks: [...bridgeLinks, ...amphoraMgmt], flowsPending, pending: Number(pending) };
  }

  /** SIGKILL every process of an amphora (agent, HAProxy, keepalived): a dead VM, as far as traffic goes. */
  async killAmphoraProcesses(amphoraId: string): Promise<number> {
    const pids = (await run(['ip', 'netns', 'pids', `amphora-${amphoraId}`]).catch(() => '')).split('\n').filter(Boolean).map(Number);
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    return pids.length;
  }

  async close(): Promise<void> {
    for (const w of this.workers) await w.stop().catch(() => undefined);
    // Amphorae still alive (a failed test) are removed through the driver, by pid and namespace.
    const compute = new NetnsComputeDriver({ stateDir: this.config.worker.amphoraStateDir, agentBundle: '' });
    const ids: string[] = (await this.ds.query(`SELECT id FROM amphora`).catch(() => [])).map((r: { id: string }) => r.id);
    for (const id of ids) await compute.delete(`amphora-${id}`).catch(() => undefined);
    for (const b of this.backends) await b.stop().catch(() => undefined);
    for (const ns of this.hostNamespaces) {
      const pids = (await run(['ip', 'netns', 'pids', ns]).catch(() => '')).split('\n').filter(Boolean).map(Number);
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await runQuiet(['ip', 'netns', 'del', ns]);
    }
    await this.network.destroyAll();
    await this.dispatcher.close().catch(() => undefined);
    await this.ds.destroy().catch(() => undefined);
    await this.api.close();
    await fs.rm(this.stateDir, { recursive: true, force: true });
  }
}
