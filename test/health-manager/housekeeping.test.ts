import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hmConfig, metricValue, RecordingDispatcher, seedAmphora, seedHealth, seedLoadBalancer, startHm, testDatabase, TestDb } from './hm-fixture';

const run = promisify(execFile);

/** Housekeeping on real PostgreSQL: purges after the upstream expiry ages, and certificate rotation flows. */
describe('health manager: housekeeping', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await testDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('purges DELETED amphorae and load balancers older than their expiry age, and nothing else', async () => {
    const old = await seedLoadBalancer(db, { provisioningStatus: 'DELETED', amphoraStatus: 'DELETED' });
    await db.q(`UPDATE load_balancer SET updated_at = now() AT TIME ZONE 'utc' - interval '2 hours' WHERE id = $1`, [old.lbId]);
    await db.q(`UPDATE amphora SET updated_at = now() AT TIME ZONE 'utc' - interval '2 hours' WHERE id = $1`, [old.amphoraIds[0]]);
    await seedHealth(db, old.amphoraIds[0], 7300);
    const recent = await seedLoadBalancer(db, { provisioningStatus: 'DELETED', amphoraStatus: 'DELETED' });
    await db.q(`UPDATE load_balancer SET updated_at = now() AT TIME ZONE 'utc' - interval '10 minutes' WHERE id = $1`, [recent.lbId]);
    const zombie = await seedAmphora(db, null, 'DELETED');
    await db.q(`UPDATE amphora SET updated_at = now() AT TIME ZONE 'utc' - interval '2 hours' WHERE id = $1`, [zombie]);
    await seedHealth(db, zombie, 5); // still heartbeating: zombie protection keeps the row
    const live = await seedLoadBalancer(db);
    await db.q(`UPDATE load_balancer SET updated_at = now() AT TIME ZONE 'utc' - interval '2 hours' WHERE id = $1`, [live.lbId]);

    const config = hmConfig(db.url);
    config.houseKeeping = { ...config.houseKeeping, amphoraExpiryAge: 3600, loadBalancerExpiryAge: 3600 };
    const hm = await startHm(config, { scanTimer: false });
    try {
      const purged = await hm.housekeeping.cleanup();
      expect(purged.loadBalancers).toEqual([old.lbId]);
      expect(purged.amphorae).toEqual([old.amphoraIds[0]]);
      expect(await db.q(`SELECT id FROM load_balancer WHERE id = $1`, [old.lbId])).toEqual([]);
      expect(await db.q(`SELECT id FROM listener WHERE load_balancer_id = $1`, [old.lbId])).toEqual([]);
      expect(await db.q(`SELECT amphora_id FROM amphora_health WHERE amphora_id = $1`, [old.amphoraIds[0]])).toEqual([]);
      expect(await db.q(`SELECT id FROM load_balancer WHERE id = ANY($1::uuid[])`, [[recent.lbId, live.lbId]])).toHaveLength(2);
      expect(await db.q(`SELECT id FROM amphora WHERE id = $1`, [zombie])).toHaveLength(1);
      expect(metricValue(hm, 'octavia_hm_housekeeping_purged_total', { object: 'load_balancer' })).toBe(1);
    } finally {
      await hm.stop();
    }
  });

  it('starts one amphora.cert_rotate flow per amphora whose certificate expires within cert_expiry_buffer', async () => {
    const day = 86400000;
    const lb = await seedLoadBalancer(db, { amphorae: 0 });
    const soon = await seedAmphora(db, lb.lbId, 'ALLOCATED', new Date(Date.now() + 3 * day));
    const expired = await seedAmphora(db, lb.lbId, 'ALLOCATED', new Date(Date.now() - day));
    const later = await seedAmphora(db, lb.lbId, 'ALLOCATED', new Date(Date.now() + 60 * day));
    const deleted = await seedAmphora(db, lb.lbId, 'DELETED', new Date(Date.now() + day));
    const busy = await seedAmphora(db, lb.lbId, 'ALLOCATED', new Date(Date.now() + day));
    await db.q(`UPDATE amphora SET cert_busy = true WHERE id = $1`, [busy]);
    const dispatcher = new RecordingDispatcher();
    const hm = await startHm(hmConfig(db.url), { scanTimer: false, dispatcher }); // cert_expiry_buffer default: 14 days
    try {
      const started = await hm.housekeeping.rotateCertificates();
      expect(new Set(started.map((s) => s.amphoraId))).toEqual(new Set([soon, expired]));
      const flows = await db.q(`SELECT id, kind, target_id, load_balancer_id, status FROM flow WHERE kind = 'amphora.cert_rotate' ORDER BY target_id`);
      expect(flows).toHaveLength(2);
      expect(flows.every((f) => f.status === 'PENDING' && f.load_balancer_id === lb.lbId)).toBe(true);
      expect(dispatcher.dispatched.map((d) => d.kind)).toEqual(['amphora.cert_rotate', 'amphora.cert_rotate']);
      const busyRows = await db.q(`SELECT id FROM amphora WHERE cert_busy ORDER BY id`);
      expect(new Set(busyRows.map((r) => r.id))).toEqual(new Set([soon, expired, busy]));
      expect(await hm.housekeeping.rotateCertificates()).toEqual([]); // claimed once
      expect([later, deleted].every((id) => !started.some((s) => s.amphoraId === id))).toBe(true);
    } finally {
      await hm.stop();
    }
  });

  it('serves /healthz and Prometheus /metrics on its status port', async () => {
    const hm = await startHm(hmConfig(db.url), { scanTimer: false, statusPort: 0 });
    try {
      const health = await fetch(`${hm.statusUrl}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const text = await (await fetch(`${hm.statusUrl}/metrics`)).text();
      for (const name of ['octavia_hm_packets_received_total', 'octavia_hm_failover_circuit_breaker_open', 'octavia_hm_stale_amphorae', 'process_resident_memory_bytes']) {
        expect(text).toContain(`# TYPE ${name}`);
      }
    } finally {
      await hm.stop();
    }
  });

  it('`octavia-ts health-manager reset-breaker` records the operator acknowledgement', async () => {
    const root = join(__dirname, '..', '..');
    // The CLI from its sources (bin/octavia-ts would prefer a possibly stale dist/ build).
    const cli = ['-r', join(root, 'scripts', 'swc-register.js'), join(root, 'apps', 'cli', 'src', 'main.ts')];
    const { stdout } = await run(process.execPath, [...cli, 'health-manager', 'reset-breaker'], {
      cwd: root,
      env: { ...process.env, OCTAVIA_TS_DATABASE_URL: db.url, USER: 'ops-test' },
    });
    expect(stdout).toMatch(/circuit breaker reset/);
    const [row] = await db.q(`SELECT acknowledged_by, acknowledged_at > now() AT TIME ZONE 'utc' - interval '1 minute' AS recent FROM health_manager_breaker`);
    expect(row).toEqual({ acknowledged_by: 'octavia-ts reset-breaker (ops-test)', recent: true });
  });
});
