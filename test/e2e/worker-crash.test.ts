import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { openSync, closeSync } from 'node:fs';
import * as path from 'node:path';
import { LocalLbHarness, HarnessNetwork } from '../support/lb-harness';

const ROOT = path.resolve(__dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = require('node:net').connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis did not start');
}

/**
 * Crash safety with real processes: two worker processes; the one running a flow is killed with SIGKILL
 * after every journaled step of create-load-balancer (and at a random point of delete); the other
 * finishes the flow. Redis is restarted (losing its queue) during a flow. Nothing may end in PENDING_*,
 * and no amphora, namespace or address may be leaked or duplicated.
 */
describe('worker crashes and Redis restarts', () => {
  let h: LocalLbHarness;
  let net: HarnessNetwork;
  let client: string;
  let redisPort = 0;
  let redis: ChildProcess;
  const workers = new Map<number, ChildProcess>();
  let spawned = 0;

  const spawnWorker = (): ChildProcess => {
    const log = openSync(path.join(h.stateDir, `worker-${spawned++}.log`), 'a');
    const child = spawn(process.execPath, ['-r', './scripts/swc-register.js', 'apps/worker/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...h.env, OCTAVIA_TS_DATABASE_URL: h.api.dbUrl, OCTAVIA_TS_WORKER_STATUS_PORT: '0', OCTAVIA_TS_FLOW_STEP_PAUSE_MS: '400' },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    workers.set(child.pid!, child);
    child.on('exit', () => workers.delete(child.pid!));
    return child;
  };

  const killOwner = async (flowId: string): Promise<boolean> => {
    const [flow] = await h.ds.query(`SELECT owner FROM flow WHERE id = $1`, [flowId]);
    const pid = Number(String(flow?.owner ?? '').split(':')[1]);
    const child = workers.get(pid);
    if (!child) return false;
    child.kill('SIGKILL');
    workers.delete(pid);
    spawnWorker();
    return true;
  };

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    h = await LocalLbHarness.start({ workers: 0, redisUrl: `redis://127.0.0.1:${redisPort}/0`, env: { OCTAVIA_TS_JOB_LOCK_MS: '3000' } });
    net = await h.createNetwork('crash');
    client = await h.addHost(net, 'cli', 50);
    for (const n of [1, 2, 3]) {
      const ns = await h.addHost(net, `b${n}`, 10 + n);
      await h.startBackend(ns, net.ip(10 + n), 8080, `backend-${n}`);
    }
    spawnWorker();
    spawnWorker();
  });

  afterAll(async () => {
    for (const child of workers.values()) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    for (const child of workers.values()) child.kill('SIGKILL');
    await h?.close();
    redis?.kill('SIGKILL');
  });

  let lbId = '';
  let vip = '';
  let poolId = '';

  it('finishes create-load-balancer although its worker is killed after every step', async () => {
    const res = await h.api.call('POST', '/v2/lbaas/loadbalancers', {
      loadbalancer: {
        vip_subnet_id: net.subnetId,
        listeners: [{ protocol: 'HTTP', protocol_port: 80, default_pool: { name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', members: [{ address: net.ip(11), protocol_port: 8080 }, { address: net.ip(12), protocol_port: 8080 }] } }],
      },
    });
    expect(res.status).toBe(201);
    lbId = res.body.loadbalancer.id;
    vip = res.body.loadbalancer.vip_address;
    poolId = res.body.loadbalancer.pools[0].id;
    const [flow] = await h.ds.query(`SELECT id FROM flow WHERE load_balancer_id = $1 AND kind = 'loadbalancer.create'`, [lbId]);
    let killedAfter = 0;
    let kills = 0;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const [f] = await h.ds.query(`SELECT status, (SELECT count(*)::int FROM flow_step s WHERE s.flow_id = f.id AND s.status = 'DONE') AS done FROM flow f WHERE id = $1`, [flow.id]);
      if (f.status === 'SUCCEEDED' || f.status === 'FAILED') break;
      if (f.done > killedAfter && (await killOwner(flow.id))) {
        killedAfter = f.done;
        kills++;
      }
      if (Date.now() > deadline) throw new Error(`flow still ${f.status} after ${kills} kills`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const [done] = await h.ds.query(`SELECT status, error, attempts FROM flow WHERE id = $1`, [flow.id]);
    expect(done.status).toBe('SUCCEEDED');
    // Every boundary: the workers pause 400 ms after each journaled step (OCTAVIA_TS_FLOW_STEP_PAUSE_MS), so the
    // test sees each new DONE row and kills the owner there; create-load-balancer has 11 steps.
    const [{ steps }] = await h.ds.query(`SELECT count(*)::int AS steps FROM flow_step WHERE flow_id = $1`, [flow.id]);
    expect(steps).toBe(11);
    expect(kills).toBeGreaterThanOrEqual(steps - 1);
    expect(done.attempts).toBeGreaterThanOrEqual(kills);
    const lb = await h.waitLbStatus(lbId, 'ACTIVE', 5000);
    expect(lb.loadbalancer.operating_status).toBe('ONLINE');
    const amps = await h.ds.query(`SELECT status FROM amphora WHERE load_balancer_id = $1`, [lbId]);
    expect(amps).toEqual([{ status: 'ALLOCATED' }]);
    const left = await h.leftovers();
    expect(left.namespaces).toHaveLength(1);
    expect(left.allocations).toBe(2); // the VIP and the amphora's VRRP port, once each
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await h.curl(client, `http://${vip}/`));
    expect([...seen].sort()).toEqual(['backend-1', 'backend-2']);
  });

  it('survives a Redis restart (queue lost) during a member create: the reconciler re-dispatches it', async () => {
    const m = await h.api.call('POST', `/v2/lbaas/pools/${poolId}/members`, { member: { address: net.ip(13), protocol_port: 8080 } });
    expect(m.status).toBe(201);
    redis.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    redis = await startRedis(redisPort);
    await h.waitFor(`/v2/lbaas/pools/${poolId}/members/${m.body.member.id}`, (b) => b?.member?.provisioning_status === 'ACTIVE', 90_000, 'member ACTIVE after Redis restart');
    await h.waitLbStatus(lbId, 'ACTIVE', 5000);
    const seen = new Set<string>();
    for (let i = 0; i < 9; i++) seen.add(await h.curl(client, `http://${vip}/`));
    expect([...seen].sort()).toEqual(['backend-1', 'backend-2', 'backend-3']);
  });

  it('finishes a cascade delete although its worker is killed at a random point', async () => {
    expect((await h.api.call('DELETE', `/v2/lbaas/loadbalancers/${lbId}?cascade=true`)).status).toBe(204);
    const [flow] = await h.ds.query(`SELECT id FROM flow WHERE load_balancer_id = $1 AND kind = 'loadbalancer.delete'`, [lbId]);
    const deadline = Date.now() + 10_000;
    let killed = false;
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
    while (!killed && Date.now() < deadline) {
      killed = await killOwner(flow.id);
      const [f] = await h.ds.query(`SELECT status FROM flow WHERE id = $1`, [flow.id]);
      if (f.status === 'SUCCEEDED') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await h.waitLbGone(lbId, 120_000);
    // The flow row turns SUCCEEDED after the last step's pause.
    for (const until = Date.now() + 30_000; (await h.leftovers()).flowsPending > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    expect(await h.leftovers()).toEqual({ namespaces: [], amphorae: 0, ports: 0, allocations: 0, bridgeLinks: [], flowsPending: 0, pending: 0 });
  });
});
