import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { JsonLogger } from '../../libs/common/src';
import { dataSourceOptions } from '../../libs/database/src';
import { resetBreaker } from '../../apps/health-manager/src/main';
import { BullmqFlowDispatcher, FLOW_QUEUE } from '../../apps/health-manager/src/failover/bullmq-flow-dispatcher';
import { FlowRegistry } from '../../apps/worker/src/flows/flow-registry';
import { WorkerService } from '../../apps/worker/src/worker.service';
import { REDIS_URL } from '../support/services';
import { encodeHeartbeat } from '../../libs/heartbeat/src';
import {
  heartbeatFor,
  KEY,
  seedFleet,
  sendPackets,
  hmConfig,
  metricValue,
  RecordingDispatcher,
  seedAmphora,
  seedHealth,
  seedLoadBalancer,
  sendHeartbeat,
  startHm,
  testDatabase,
  TestDb,
  waitFor,
} from './hm-fixture';

const run = promisify(execFile);

/**
 * Stale detection and failover claims on real PostgreSQL (and real BullMQ/worker where the queue matters):
 * single claim per amphora even with two managers racing, the circuit breaker, retry with backoff after a
 * FAILED flow, and the start-up/stall gates.
 */
describe('health manager: stale amphorae and failover', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await testDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    // Each test owns the whole fleet: no stale leftovers from the previous one.
    await db.q(`DELETE FROM amphora_health; DELETE FROM amphora; DELETE FROM flow; DELETE FROM load_balancer; DELETE FROM health_manager_breaker`);
  });

  const noThreshold = { failoverThreshold: null };

  it('claims a stale amphora once: flow record, dispatch, LB PENDING_UPDATE, health row busy and claimed', async () => {
    const tree = await seedLoadBalancer(db);
    const amp = tree.amphoraIds[0];
    await seedHealth(db, amp, 120);
    const dispatcher = new RecordingDispatcher();
    const hm = await startHm(hmConfig(db.url, noThreshold), { scanTimer: false, startupGraceMs: 0, dispatcher });
    try {
      const result = await hm.scanNow();
      expect(result?.claimed).toHaveLength(1);
      const [flow] = await db.q(`SELECT * FROM flow`);
      expect(flow).toMatchObject({ kind: 'amphora.failover', target_id: amp, load_balancer_id: tree.lbId, priority: 160, status: 'PENDING', attempts: 0 });
      expect(flow.payload).toMatchObject({ amphora_id: amp, reason: 'heartbeat_timeout', attempt: 1, requested_by: hm.managerId });
      expect(dispatcher.dispatched).toEqual([{ flowId: flow.id, kind: 'amphora.failover', priority: 160 }]);
      const [lb] = await db.q(`SELECT provisioning_status FROM load_balancer WHERE id = $1`, [tree.lbId]);
      expect(lb.provisioning_status).toBe('PENDING_UPDATE');
      const [health] = await db.q(`SELECT * FROM amphora_health WHERE amphora_id = $1`, [amp]);
      expect(health).toMatchObject({ busy: true, claimed_by: hm.managerId, failover_attempts: 1, failover_flow_id: flow.id });
      expect((await hm.scanNow())?.claimed).toEqual([]);
      expect(await db.q(`SELECT id FROM flow`)).toHaveLength(1);
      expect(metricValue(hm, 'octavia_hm_failovers_total', { outcome: 'started' })).toBe(1);
      expect(metricValue(hm, 'octavia_hm_failovers_in_flight')).toBe(1);
    } finally {
      await hm.stop();
    }
  });

  it('leaves alone: fresh, busy, LB in PENDING_*, amphora not ALLOCATED, never-heartbeated', async () => {
    const fresh = await seedLoadBalancer(db);
    await seedHealth(db, fresh.amphoraIds[0], 5);
    const busy = await seedLoadBalancer(db);
    await seedHealth(db, busy.amphoraIds[0], 300);
    await db.q(`UPDATE amphora_health SET busy = true WHERE amphora_id = $1`, [busy.amphoraIds[0]]);
    const pending = await seedLoadBalancer(db, { provisioningStatus: 'PENDING_UPDATE' });
    await seedHealth(db, pending.amphoraIds[0], 300);
    const booting = await seedLoadBalancer(db, { amphoraStatus: 'BOOTING' });
    await seedHealth(db, booting.amphoraIds[0], 300);
    await seedLoadBalancer(db); // no health row: never heartbeated, never failed over (upstream)
    const hm = await startHm(hmConfig(db.url, noThreshold), { scanTimer: false, startupGraceMs: 0 });
    try {
      const result = await hm.scanNow();
      expect(result?.claimed).toEqual([]);
      expect(await db.q(`SELECT id FROM flow`)).toEqual([]);
      const [lb] = await db.q(`SELECT provisioning_status FROM load_balancer WHERE id = $1`, [pending.lbId]);
      expect(lb.provisioning_status).toBe('PENDING_UPDATE');
    } finally {
      await hm.stop();
    }
  });

  it('dispatches on the BullMQ queue octavia-flows with jobId = flow id', async () => {
    const prefix = `hmtest${randomBytes(4).toString('hex')}`;
    const tree = await seedLoadBalancer(db);
    await seedHealth(db, tree.amphoraIds[0], 120);
    const dispatcher = new BullmqFlowDispatcher(REDIS_URL, prefix);
    const hm = await startHm(hmConfig(db.url, noThreshold, REDIS_URL), { scanTimer: false, startupGraceMs: 0, dispatcher });
    const url = new URL(REDIS_URL);
    const queue = new Queue(FLOW_QUEUE, { prefix, connection: { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) } });
    try {
      const [claim] = (await hm.scanNow())!.claimed;
      const job = await queue.getJob(claim.flowId);
      expect(job?.name).toBe('amphora.failover');
      expect(job?.data).toEqual({ flowId: claim.flowId });
    } finally {
      await hm.stop();
      await dispatcher.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('two managers racing never fail over the same amphora twice; one failover per load balancer at a time', async () => {
    const amps: string[] = [];
    for (let i = 0; i < 40; i++) {
      const t = await seedLoadBalancer(db, { members: 0 });
      amps.push(t.amphoraIds[0]);
      await seedHealth(db, t.amphoraIds[0], 100 + i);
    }
    // ACTIVE_STANDBY: both amphorae of one LB stale.
    const pair = await seedLoadBalancer(db, { members: 0, amphorae: 2 });
    for (const a of pair.amphoraIds) await seedHealth(db, a, 500);
    const cfg = hmConfig(db.url, { failoverThreshold: null, failoverThreads: 100 });
    const [a, b] = await Promise.all([
      startHm(cfg, { scanTimer: false, startupGraceMs: 0, managerId: 'hm-a' }),
      startHm(cfg, { scanTimer: false, startupGraceMs: 0, managerId: 'hm-b' }),
    ]);
    try {
      const claimedBy = new Map<string, string[]>();
      for (let round = 0; round < 4; round++) {
        const [ra, rb] = await Promise.all([a.scanNow(), b.scanNow()]);
        for (const [who, r] of [['hm-a', ra], ['hm-b', rb]] as const) {
          for (const c of r?.claimed ?? []) claimedBy.set(c.amphoraId, [...(claimedBy.get(c.amphoraId) ?? []), who]);
        }
      }
      const flows = await db.q<{ target_id: string; n: number }>(`SELECT target_id, count(*)::int AS n FROM flow GROUP BY target_id`);
      expect(flows.every((f) => f.n === 1)).toBe(true);
      expect([...claimedBy.values()].every((w) => w.length === 1)).toBe(true);
      expect(flows.filter((f) => amps.includes(f.target_id))).toHaveLength(40);
      expect(flows.filter((f) => pair.amphoraIds.includes(f.target_id))).toHaveLength(1);
      const owners = await db.q<{ claimed_by: string; n: number }>(`SELECT claimed_by, count(*)::int AS n FROM amphora_health WHERE busy GROUP BY claimed_by`);
      expect(owners.reduce((n, o) => n + o.n, 0)).toBe(41);
      expect(owners.every((o) => ['hm-a', 'hm-b'].includes(o.claimed_by))).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('two manager processes scanning flat out while amphorae keep going stale never claim one twice', async () => {
    const amps: string[] = [];
    for (let i = 0; i < 150; i++) {
      const t = await seedLoadBalancer(db, { members: 0, listeners: 0 });
      amps.push(t.amphoraIds[0]);
      await seedHealth(db, t.amphoraIds[0], 5);
    }
    const root = join(__dirname, '..', '..');
    const startAt = Date.now() + 4000; // both processes compiled and connected before either scans
    const child = (id: string) =>
      run(process.execPath, ['-r', join(root, 'scripts', 'swc-register.js'), join(__dirname, 'race-manager.ts'), db.url, id, String(startAt), '4000'], {
        cwd: root,
        env: { ...process.env, TZ: 'UTC' },
      });
    const racing = Promise.all([child('proc-a'), child('proc-b')]);
    await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now()) + 200));
    // Waves of 10 amphorae go stale every 100 ms while both managers are scanning.
    for (let wave = 0; wave < 15; wave++) {
      await db.q(`UPDATE amphora_health SET last_update = now() AT TIME ZONE 'utc' - interval '100 seconds' WHERE amphora_id = ANY($1::uuid[])`, [
        amps.slice(wave * 10, wave * 10 + 10),
      ]);
      await new Promise((r) => setTimeout(r, 100));
    }
    const outputs = (await racing).map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!) as { managerId: string; claimed: string[] });
    const all = outputs.flatMap((o) => o.claimed);
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set(amps));
    expect(outputs.every((o) => o.claimed.length > 0)).toBe(true); // both really competed
    const flows = await db.q<{ target_id: string; n: number }>(`SELECT target_id, count(*)::int AS n FROM flow GROUP BY target_id`);
    expect(flows).toHaveLength(150);
    expect(flows.every((f) => f.n === 1)).toBe(true);
    const owners = await db.q<{ claimed_by: string }>(`SELECT claimed_by FROM amphora_health`);
    expect(new Set(owners.map((o) => o.claimed_by))).toEqual(new Set(['proc-a', 'proc-b']));
  });

  it('the circuit breaker holds with many stale amphorae, logs every scan, and reopens failover when heartbeats return', async () => {
    const trees = [];
    for (let i = 0; i < 8; i++) {
      const t = await seedLoadBalancer(db, { members: 1 });
      await seedHealth(db, t.amphoraIds[0], 120);
      trees.push(t);
    }
    const hm = await startHm(hmConfig(db.url, { failoverThreshold: 5, statusCacheTtl: 0 }), { scanTimer: false, startupGraceMs: 0 });
    try {
      for (let scan = 1; scan <= 3; scan++) {
        const r = await hm.scanNow();
        expect(r).toMatchObject({ breakerOpen: true, stale: 8, claimed: [] });
        expect(hm.logger.entries.filter((e) => e.level === 'error' && /circuit breaker is open/.test(String(e.msg)))).toHaveLength(scan);
      }
      expect(metricValue(hm, 'octavia_hm_failover_circuit_breaker_open')).toBe(1);
      expect(metricValue(hm, 'octavia_hm_stale_amphorae')).toBe(8);
      expect(await db.q(`SELECT id FROM flow`)).toEqual([]);
      const stopped = await db.q(`SELECT id FROM amphora WHERE status = 'FAILOVER_STOPPED'`);
      expect(stopped).toHaveLength(8);
      // Four amphorae come back (real heartbeats): they return to ALLOCATED, 4 < 5 stale, failover resumes for the rest.
      for (const t of trees.slice(0, 4)) await sendHeartbeat(hm, heartbeatFor(t));
      await waitFor(async () => metricValue(hm, 'octavia_hm_heartbeats_processed_total') >= 4, 10000, 'heartbeats');
      const r = await hm.scanNow();
      expect(r?.breakerOpen).toBe(false);
      expect(metricValue(hm, 'octavia_hm_failover_circuit_breaker_open')).toBe(0);
      expect(new Set(r!.claimed.map((c) => c.amphoraId))).toEqual(new Set(trees.slice(4).map((t) => t.amphoraIds[0])));
      const statuses = await db.q(`SELECT status, count(*)::int AS n FROM amphora GROUP BY status ORDER BY status`);
      expect(statuses).toEqual([{ status: 'ALLOCATED', n: 4 }, { status: 'FAILOVER_STOPPED', n: 4 }]);
    } finally {
      await hm.stop();
    }
  });

  it('reset-breaker lets the amphorae stale at that moment fail over (bounded by failover_threads); new stale ones count again', async () => {
    for (let i = 0; i < 6; i++) {
      const t = await seedLoadBalancer(db, { members: 0 });
      await seedHealth(db, t.amphoraIds[0], 120);
    }
    const hm = await startHm(hmConfig(db.url, { failoverThreshold: 3, failoverThreads: 4 }), { scanTimer: false, startupGraceMs: 0 });
    try {
      expect((await hm.scanNow())?.breakerOpen).toBe(true);
      await resetBreaker(hm.db, 'test operator');
      const first = await hm.scanNow();
      expect(first).toMatchObject({ breakerOpen: false });
      expect(first!.claimed).toHaveLength(4); // failover_threads
      expect((await hm.scanNow())!.claimed).toHaveLength(0); // still 4 in flight
      await db.q(`UPDATE flow SET status = 'SUCCEEDED'`); // what the worker does when they finish
      expect((await hm.scanNow())!.claimed).toHaveLength(2);
      expect(metricValue(hm, 'octavia_hm_failovers_total', { outcome: 'succeeded' })).toBe(4);
      // A new mass failure after the acknowledgement trips the breaker again: pretend the reset was 10 s ago and
      // three amphorae went silent 65 s ago (still fresh at the reset, stale now).
      await db.q(`UPDATE health_manager_breaker SET acknowledged_at = acknowledged_at - interval '10 seconds'`);
      for (let i = 0; i < 3; i++) {
        const t = await seedLoadBalancer(db, { members: 0 });
        await seedHealth(db, t.amphoraIds[0], 65);
      }
      const again = await hm.scanNow();
      expect(again?.breakerOpen).toBe(true);
    } finally {
      await hm.stop();
    }
  });

  it('a FAILED failover flow (real worker, real BullMQ) is retried with exponential backoff', async () => {
    const prefix = `hmtest${randomBytes(4).toString('hex')}`;
    const tree = await seedLoadBalancer(db, { members: 0 });
    const amp = tree.amphoraIds[0];
    await seedHealth(db, amp, 120);
    // The worker runs the real flow runner; the failover body is a stand-in for a compute build that fails.
    const registry = new FlowRegistry();
    let runs = 0;
    registry.register('amphora.failover', () => [
      {
        name: 'compute.build-amphora (ComputeStandIn: no capacity)',
        execute: async (ctx) => {
          runs++;
          // What the real flow's revert leaves behind for a failed replacement: the old amphora in ERROR.
          await ctx.dataSource.query(`UPDATE amphora SET status = 'ERROR' WHERE id = $1`, [ctx.flow.targetId]);
          throw new Error('ComputeStandIn: no capacity');
        },
      },
    ]);
    const ds = new DataSource(dataSourceOptions(db.url));
    await ds.initialize();
    const worker = new WorkerService(ds, REDIS_URL, registry, new JsonLogger('worker', 'error'), { concurrency: 2, reconcileIntervalMs: 60000, queuePrefix: prefix } as never);
    await worker.start();
    const dispatcher = new BullmqFlowDispatcher(REDIS_URL, prefix);
    const hm = await startHm(hmConfig(db.url, { failoverThreshold: null, failoverRetryInitialDelay: 1, failoverRetryMaxDelay: 60 }, REDIS_URL), {
      scanTimer: false,
      startupGraceMs: 0,
      dispatcher,
    });
    const flowStatus = async (id: string) => (await db.q(`SELECT status FROM flow WHERE id = $1`, [id]))[0]?.status;
    try {
      const delays: Array<{ min: number; max: number }> = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        let claim = (await hm.scanNow())!.claimed[0];
        if (attempt > 1) {
          expect(claim).toBeUndefined(); // still backing off
          claim = (await waitFor(async () => (await hm.scanNow())?.claimed[0], 15000, `retry ${attempt}`))!;
        }
        expect(claim.attempt).toBe(attempt);
        await waitFor(async () => (await flowStatus(claim.flowId)) === 'FAILED', 20000, 'the worker to fail the flow');
        const scanStart = Date.now();
        const settled = (await hm.scanNow())!;
        const scanEnd = Date.now();
        expect(settled.retryScheduled).toHaveLength(1);
        expect(settled.retryScheduled[0]).toMatchObject({ amphoraId: amp, attempts: attempt });
        // next_failover_at = (scan time) + delay, the scan time lying between scanStart and scanEnd.
        const next = settled.retryScheduled[0].nextFailoverAt;
        delays.push({ min: next - scanEnd, max: next - scanStart });
        const [health] = await db.q(`SELECT busy, claimed_by, failover_flow_id, failover_attempts FROM amphora_health WHERE amphora_id = $1`, [amp]);
        expect(health).toEqual({ busy: false, claimed_by: null, failover_flow_id: null, failover_attempts: attempt });
      }
      expect(runs).toBe(3);
      // 1 s, 2 s, 4 s after the scan that saw the FAILED flow
      [1000, 2000, 4000].forEach((expected, i) => {
        expect(delays[i].min).toBeLessThanOrEqual(expected + 5);
        expect(delays[i].max).toBeGreaterThanOrEqual(expected - 5);
      });
      const [ampRow] = await db.q(`SELECT status FROM amphora WHERE id = $1`, [amp]);
      expect(ampRow.status).toBe('ERROR'); // the revert's verdict; still eligible for our retry
      expect(metricValue(hm, 'octavia_hm_failovers_total', { outcome: 'failed' })).toBe(3);
      expect(await db.q(`SELECT id FROM flow WHERE kind = 'amphora.failover'`)).toHaveLength(3);
    } finally {
      await hm.stop();
      await dispatcher.close();
      await worker.stop();
      await ds.destroy();
    }
  });

  it('declares nothing stale during the first heartbeat_timeout after start', async () => {
    const tree = await seedLoadBalancer(db, { members: 0 });
    await seedHealth(db, tree.amphoraIds[0], 600);
    const hm = await startHm(hmConfig(db.url, { failoverThreshold: null, heartbeatInterval: 1, heartbeatTimeout: 2 }), { scanTimer: false });
    try {
      expect(await hm.scanNow()).toBeNull();
      expect(metricValue(hm, 'octavia_hm_stale_scans_total', { result: 'skipped_startup' })).toBe(1);
      await new Promise((r) => setTimeout(r, 2100));
      expect((await hm.scanNow())?.claimed).toHaveLength(1);
    } finally {
      await hm.stop();
    }
  });

  it('skips the scan for one heartbeat_timeout after its own event loop stalled', async () => {
    const tree = await seedLoadBalancer(db, { members: 0 });
    await seedHealth(db, tree.amphoraIds[0], 600);
    const hm = await startHm(hmConfig(db.url, { failoverThreshold: null, heartbeatInterval: 1, heartbeatTimeout: 2 }), { scanTimer: false, startupGraceMs: 0 });
    try {
      await new Promise((r) => setTimeout(r, 150));
      const until = Date.now() + 800;
      while (Date.now() < until); // the manager is stalled (GC pause, CPU starvation …)
      await new Promise((r) => setTimeout(r, 150));
      expect(await hm.scanNow()).toBeNull();
      expect(metricValue(hm, 'octavia_hm_stale_scans_total', { result: 'skipped_stall' })).toBe(1);
      expect(hm.logger.entries.some((e) => /event loop stalled/.test(String(e.msg)))).toBe(true);
      await new Promise((r) => setTimeout(r, 2100));
      expect((await hm.scanNow())?.claimed).toHaveLength(1);
    } finally {
      await hm.stop();
    }
  });

  it('fast detection (1 s / 3 s) under load: a silent amphora is failed over within seconds, none of 1,500 heartbeating ones is', async () => {
    const live = await seedFleet(db, 1500);
    const [silent] = await seedFleet(db, 1);
    const dispatcher = new RecordingDispatcher();
    const hm = await startHm(
      hmConfig(db.url, { heartbeatInterval: 1, heartbeatTimeout: 3, healthCheckInterval: 1, failoverThreshold: 20, statusCacheTtl: 10, sockRlimit: 4 * 1024 * 1024 }),
      { dispatcher },
    );
    // Load on the manager's own event loop: 120 ms of busy work every 300 ms (below the 500 ms stall threshold).
    const burner = setInterval(() => {
      const until = Date.now() + 120;
      while (Date.now() < until);
    }, 300);
    try {
      const packets = live.map((t) => encodeHeartbeat(heartbeatFor(t), KEY));
      await sendHeartbeat(hm, heartbeatFor(silent));
      const silencedAt = Date.now();
      let detectedAt = 0;
      while (Date.now() - silencedAt < 12000 && !(detectedAt && Date.now() - detectedAt > 3000)) {
        const round = Date.now();
        await sendPackets(hm.address.port, packets);
        if (!detectedAt && dispatcher.dispatched.length) detectedAt = Date.now();
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - round))));
      }
      const targets = (await db.q(`SELECT target_id FROM flow`)).map((f) => f.target_id);
      expect(targets).toEqual([silent.amphoraIds[0]]);
      expect(detectedAt - silencedAt).toBeGreaterThanOrEqual(3000);
      expect(detectedAt - silencedAt).toBeLessThan(8000); // timeout + scan interval + a flush, with slack for a loaded machine
      // Not vacuous: every live amphora heartbeated in every round and has a fresh health row.
      expect(metricValue(hm, 'octavia_hm_heartbeats_processed_total')).toBeGreaterThan(1500 * 5);
      const [fresh] = await db.q(`SELECT count(*)::int AS n FROM amphora_health WHERE NOT busy AND last_update > now() AT TIME ZONE 'utc' - interval '3 seconds'`);
      expect(fresh.n).toBe(1500);
    } finally {
      clearInterval(burner);
      await hm.stop();
    }
  });

  it('after a failed liveness write, scans wait one heartbeat_timeout from the failure before judging anyone', async () => {
    const tree = await seedLoadBalancer(db, { members: 0, listeners: 0 });
    const stale = await seedLoadBalancer(db, { members: 0, listeners: 0 });
    await seedHealth(db, stale.amphoraIds[0], 600);
    const hm = await startHm(hmConfig(db.url, { failoverThreshold: null, heartbeatInterval: 1, heartbeatTimeout: 2, statusCacheTtl: 0 }), {
      scanTimer: false,
      startupGraceMs: 0,
    });
    try {
      // The database refuses the liveness upsert (as during an outage): heartbeats received now are not stored.
      await db.q(`ALTER TABLE amphora_health RENAME COLUMN last_update TO last_update_x`);
      await sendHeartbeat(hm, heartbeatFor(tree));
      await waitFor(async () => metricValue(hm, 'octavia_hm_heartbeats_processed_total') === 1, 10000, 'heartbeat');
      await expect(hm.flushNow()).rejects.toThrow();
      await db.q(`ALTER TABLE amphora_health RENAME COLUMN last_update_x TO last_update`);
      expect(await hm.scanNow()).toBeNull();
      expect(metricValue(hm, 'octavia_hm_stale_scans_total', { result: 'skipped_database' })).toBe(1);
      // The kept liveness is written by the next flush; after one timeout the scan runs again.
      await hm.flushNow();
      expect(await db.q(`SELECT 1 FROM amphora_health WHERE amphora_id = $1`, [tree.amphoraIds[0]])).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1500));
      await sendHeartbeat(hm, heartbeatFor(tree)); // the live amphora keeps heartbeating
      await waitFor(async () => metricValue(hm, 'octavia_hm_heartbeats_processed_total') === 2, 10000, 'heartbeat');
      await new Promise((r) => setTimeout(r, 600));
      const result = await hm.scanNow();
      expect(result?.claimed.map((c) => c.amphoraId)).toEqual([stale.amphoraIds[0]]);
    } finally {
      await hm.stop();
    }
  });

  it('spare/zombie amphorae without a load balancer are failed over without touching any LB', async () => {
    const amp = await seedAmphora(db, null);
    await seedHealth(db, amp, 120);
    const hm = await startHm(hmConfig(db.url, noThreshold), { scanTimer: false, startupGraceMs: 0 });
    try {
      const [claim] = (await hm.scanNow())!.claimed;
      expect(claim).toMatchObject({ amphoraId: amp, loadBalancerId: null });
    } finally {
      await hm.stop();
    }
  });
});
