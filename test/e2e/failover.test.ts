import { FailoverBed } from '../support/failover-scenario';

/**
 * Automatic failover on real parts: agents send signed heartbeats over UDP to two health managers on the
 * management bridge; an amphora killed like a dead VM is detected (3 s timeout), claimed once, and replaced
 * by the worker's failover flow; traffic through the VIP comes back.
 */
describe('health manager failover of a SINGLE amphora (two managers)', () => {
  let bed: FailoverBed;
  beforeAll(async () => {
    bed = await FailoverBed.start({ topology: 'SINGLE', managers: 2 });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('replaces a killed amphora, once, and the VIP serves again', async () => {
    const lb = await bed.createLb();
    const [old] = await bed.h.ds.query(`SELECT id FROM amphora WHERE load_balancer_id = $1 AND status = 'ALLOCATED'`, [lb.id]);
    const m = await bed.killAndMeasure(lb, old.id);
    expect(m.replacedMs).toBeGreaterThan(0);
    expect(m.outageMs).toBeGreaterThan(0);
    expect(m.outageMs).toBeLessThan(60_000);
    const amps = await bed.h.ds.query(`SELECT id, status FROM amphora WHERE load_balancer_id = $1 ORDER BY created_at`, [lb.id]);
    expect(amps.map((a: any) => a.status)).toEqual(['DELETED', 'ALLOCATED']);
    // Two managers heard the amphora; exactly one failover flow was started for it.
    const flows = await bed.h.ds.query(`SELECT status FROM flow WHERE kind = 'amphora.failover' AND target_id = $1`, [old.id]);
    expect(flows).toEqual([{ status: 'SUCCEEDED' }]);
    const lbView = await bed.h.waitFor(`/v2/lbaas/loadbalancers/${lb.id}`, (b) => b?.loadbalancer?.operating_status === 'ONLINE', 30_000, 'LB ONLINE');
    expect(lbView.loadbalancer.provisioning_status).toBe('ACTIVE');
    // The new amphora sends heartbeats too.
    const fresh = amps[1].id;
    const deadline = Date.now() + 15_000;
    let rows: any[] = [];
    while (Date.now() < deadline && !rows.length) {
      rows = await bed.h.ds.query(`SELECT 1 FROM amphora_health WHERE amphora_id = $1`, [fresh]);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows).toHaveLength(1);
    expect(await bed.h.leftovers().then((l) => l.namespaces)).toEqual([`amphora-${fresh}`]);
  });
});

describe('health manager failover of an ACTIVE_STANDBY MASTER', () => {
  let bed: FailoverBed;
  beforeAll(async () => {
    bed = await FailoverBed.start({ topology: 'ACTIVE_STANDBY' });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('keeps serving from the BACKUP and builds a replacement', async () => {
    const lb = await bed.createLb();
    const [master] = await bed.h.ds.query(`SELECT id FROM amphora WHERE load_balancer_id = $1 AND role = 'MASTER' AND status = 'ALLOCATED'`, [lb.id]);
    const m = await bed.killAndMeasure(lb, master.id);
    expect(m.replacedMs).toBeGreaterThan(0);
    // VRRP takeover: 3 adverts of 1 s plus GARP; generous on a loaded 2-core host.
    expect(m.outageMs).toBeLessThan(15_000);
    const live = await bed.h.ds.query(`SELECT role FROM amphora WHERE load_balancer_id = $1 AND status = 'ALLOCATED' ORDER BY role`, [lb.id]);
    expect(live.map((a: any) => a.role)).toEqual(['BACKUP', 'MASTER']);
    expect(await bed.waitServing(lb.vip, 10_000)).toBeLessThan(10_000);
  });
});

describe('failover circuit breaker', () => {
  let bed: FailoverBed;
  beforeAll(async () => {
    // The stale scan is driven by the test, so that one scan sees all the amphorae that died together
    // (with timers, heartbeats spread over one interval could let a scan see only the first).
    bed = await FailoverBed.start({ topology: 'SINGLE', threshold: 2, scanTimer: false });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('fails over nothing when many amphorae die at once, until an operator resets it', async () => {
    const lbs = [await bed.createLb(), await bed.createLb(), await bed.createLb()];
    const amps: string[] = [];
    for (const lb of lbs) amps.push((await bed.h.ds.query(`SELECT id FROM amphora WHERE load_balancer_id = $1 AND status = 'ALLOCATED'`, [lb.id]))[0].id);
    await Promise.all(amps.map((id) => bed.killAmphora(id)));
    await new Promise((r) => setTimeout(r, 4500)); // past the 3 s timeout for all three
    for (let i = 0; i < 3; i++) {
      const scan = await bed.managers[0].scanNow();
      expect(scan?.breakerOpen).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const flows = await bed.h.ds.query(`SELECT count(*)::int AS n FROM flow WHERE kind = 'amphora.failover'`);
    expect(flows[0].n).toBe(0);
    const metrics = bed.managers[0].metrics.render();
    expect(metrics).toMatch(/breaker[^\n]* 1/);
    // The operator acts: `octavia-ts health-manager reset-breaker`.
    const { resetBreaker } = await import('../../apps/health-manager/src/main');
    const { HealthDatabase } = await import('../../apps/health-manager/src/db/health-database');
    const { MetricsRegistry } = await import('../../libs/common/src');
    const db = new HealthDatabase(bed.h.api.dbUrl, new MetricsRegistry());
    await resetBreaker(db, 'test operator');
    await db.close();
    const resumed = await bed.managers[0].scanNow();
    expect(resumed?.breakerOpen).toBe(false);
    for (const lb of lbs) await bed.waitServing(lb.vip, 60_000);
    let done = [{ n: 0 }];
    for (const deadline = Date.now() + 60_000; done[0].n < 3 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      done = await bed.h.ds.query(`SELECT count(*)::int AS n FROM flow WHERE kind = 'amphora.failover' AND status = 'SUCCEEDED'`);
    }
    expect(done[0].n).toBe(3);
  });
});
