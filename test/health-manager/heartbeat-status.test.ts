import { randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { createHmac } from 'node:crypto';
import { encodeHeartbeat } from '../../libs/heartbeat/src';
import {
  dbFingerprint,
  heartbeatFor,
  hmConfig,
  KEY,
  metricValue,
  seedLoadBalancer,
  sendHeartbeat,
  sendPackets,
  startHm,
  testDatabase,
  TestDb,
  waitFor,
} from './hm-fixture';

/**
 * Real UDP heartbeats into a health manager on real PostgreSQL: the operating-status rules for every
 * member/pool/listener state, liveness, statistics deltas, and packets that must leave the database alone.
 */
describe('health manager: heartbeats to statuses', () => {
  let db: TestDb;
  let hm: Awaited<ReturnType<typeof startHm>>;

  beforeAll(async () => {
    db = await testDatabase();
    hm = await startHm(hmConfig(db.url, { healthUpdateThreads: 1 }), { scanTimer: false, maxPacketBytes: 4096 });
  });
  afterAll(async () => {
    await hm?.stop();
    await db?.drop();
  });

  const processed = () => metricValue(hm, 'octavia_hm_heartbeats_processed_total');
  async function deliver(message: Parameters<typeof sendHeartbeat>[1]): Promise<void> {
    const before = processed();
    await sendHeartbeat(hm, message);
    await waitFor(async () => processed() > before, 10000, 'the heartbeat to be processed');
    await hm.flushNow();
  }
  const status = async (table: string, id: string) => (await db.q(`SELECT operating_status FROM "${table}" WHERE id = $1`, [id]))[0].operating_status;

  it('brings a freshly built tree ONLINE and creates the health row with the receive time', async () => {
    const tree = await seedLoadBalancer(db, { operatingStatus: 'OFFLINE', listeners: 2, members: 2 });
    const sentAt = Date.now();
    await deliver(heartbeatFor(tree));
    expect(await status('load_balancer', tree.lbId)).toBe('ONLINE');
    for (const id of tree.listenerIds) expect(await status('listener', id)).toBe('ONLINE');
    for (const id of tree.poolIds) expect(await status('pool', id)).toBe('ONLINE');
    for (const id of tree.memberIds.flat()) expect(await status('member', id)).toBe('ONLINE');
    const [health] = await db.q(
      `SELECT busy, (extract(epoch from last_update) * 1000)::float8 AS ms FROM amphora_health WHERE amphora_id = $1`,
      [tree.amphoraIds[0]],
    );
    expect(health.busy).toBe(false);
    expect(Math.abs(health.ms - sentAt)).toBeLessThan(2000);
  });

  it('maps every member status: UP, UP n/m, DOWN, DOWN n/m, DRAIN, MAINT, no check, RESTARTING, unknown, absent', async () => {
    const tree = await seedLoadBalancer(db, { members: 11, operatingStatus: 'ONLINE', memberStatus: 'ONLINE' });
    const m = tree.memberIds[0];
    await db.q(`UPDATE member SET operating_status = 'NO_MONITOR' WHERE id = $1`, [m[10]]);
    await db.q(`UPDATE member SET operating_status = 'ERROR' WHERE id = $1`, [m[7]]);
    const reported = ['UP', 'UP 1/3', 'DOWN', 'DOWN 1/2', 'DRAIN', 'MAINT', 'no check', 'RESTARTING', 'BOGUS', null, null];
    const members = Object.fromEntries(m.map((id, i) => [id, reported[i]]));
    await deliver(heartbeatFor(tree, undefined, { members }));
    const expected = ['ONLINE', 'ONLINE', 'ERROR', 'ERROR', 'DRAINING', 'OFFLINE', 'NO_MONITOR', 'ERROR', 'ONLINE', 'OFFLINE', 'NO_MONITOR'];
    for (let i = 0; i < m.length; i++) expect([reported[i], await status('member', m[i])]).toEqual([reported[i], expected[i]]);
    expect(await status('pool', tree.poolIds[0])).toBe('DEGRADED');
    expect(await status('listener', tree.listenerIds[0])).toBe('ONLINE');
    expect(await status('load_balancer', tree.lbId)).toBe('DEGRADED');
    expect(hm.logger.entries.some((e) => e.kind === 'member_status' && e.status === 'BOGUS')).toBe(true);
  });

  it('recovers: members back UP take the pool and load balancer back ONLINE', async () => {
    const tree = await seedLoadBalancer(db, { members: 2 });
    await deliver(heartbeatFor(tree, undefined, { members: { [tree.memberIds[0][0]]: 'DOWN' } }));
    expect(await status('load_balancer', tree.lbId)).toBe('DEGRADED');
    await deliver(heartbeatFor(tree));
    expect(await status('member', tree.memberIds[0][0])).toBe('ONLINE');
    expect(await status('pool', tree.poolIds[0])).toBe('ONLINE');
    expect(await status('load_balancer', tree.lbId)).toBe('ONLINE');
  });

  it('pool DOWN → pool ERROR and load balancer ERROR (ERROR wins over a FULL listener)', async () => {
    const tree = await seedLoadBalancer(db, { listeners: 2 });
    await deliver(heartbeatFor(tree, undefined, { pool: { 1: 'DOWN' }, listener: { 0: 'FULL' } }));
    expect(await status('pool', tree.poolIds[1])).toBe('ERROR');
    expect(await status('pool', tree.poolIds[0])).toBe('ONLINE');
    expect(await status('listener', tree.listenerIds[0])).toBe('DEGRADED');
    expect(await status('load_balancer', tree.lbId)).toBe('ERROR');
  });

  it('a pool missing from the heartbeat goes OFFLINE; its members are left alone', async () => {
    const tree = await seedLoadBalancer(db, { listeners: 2 });
    await deliver(heartbeatFor(tree, undefined, { pool: { 1: null } }));
    expect(await status('pool', tree.poolIds[1])).toBe('OFFLINE');
    for (const id of tree.memberIds[1]) expect(await status('member', id)).toBe('ONLINE');
    expect(await status('load_balancer', tree.lbId)).toBe('ONLINE');
  });

  it('an unknown pool status leaves the pool unchanged', async () => {
    const tree = await seedLoadBalancer(db, { operatingStatus: 'OFFLINE' });
    await deliver(heartbeatFor(tree, undefined, { pool: { 0: 'WHATEVER' } }));
    expect(await status('pool', tree.poolIds[0])).toBe('OFFLINE');
    expect(await status('member', tree.memberIds[0][0])).toBe('ONLINE');
  });

  it('listener FULL → DEGRADED and LB DEGRADED; an unknown listener status is left unchanged', async () => {
    const tree = await seedLoadBalancer(db, { listeners: 2, operatingStatus: 'OFFLINE' });
    await deliver(heartbeatFor(tree, undefined, { listener: { 0: 'FULL', 1: 'STOP' } }));
    expect(await status('listener', tree.listenerIds[0])).toBe('DEGRADED');
    expect(await status('listener', tree.listenerIds[1])).toBe('OFFLINE');
    expect(await status('load_balancer', tree.lbId)).toBe('DEGRADED');
  });

  it('a missing enabled listener goes ERROR and the amphora liveness is not refreshed (count rule)', async () => {
    const tree = await seedLoadBalancer(db, { listeners: 2 });
    const mismatches = metricValue(hm, 'octavia_hm_listener_count_mismatch_total');
    await deliver(heartbeatFor(tree, undefined, { listener: { 1: null } }));
    expect(await status('listener', tree.listenerIds[1])).toBe('ERROR');
    expect(await status('load_balancer', tree.lbId)).toBe('ONLINE');
    expect(await db.q(`SELECT * FROM amphora_health WHERE amphora_id = $1`, [tree.amphoraIds[0]])).toEqual([]);
    expect(metricValue(hm, 'octavia_hm_listener_count_mismatch_total')).toBe(mismatches + 1);
  });

  it('a missing disabled listener goes OFFLINE and does not count towards the expected listeners', async () => {
    const tree = await seedLoadBalancer(db, { listeners: 2 });
    await db.q(`UPDATE listener SET enabled = false WHERE id = $1`, [tree.listenerIds[1]]);
    await deliver(heartbeatFor(tree, undefined, { listener: { 1: null } }));
    expect(await status('listener', tree.listenerIds[1])).toBe('OFFLINE');
    expect(await db.q(`SELECT 1 FROM amphora_health WHERE amphora_id = $1`, [tree.amphoraIds[0]])).toHaveLength(1);
  });

  it('while the LB is PENDING_UPDATE the count check is skipped and a missing listener is OFFLINE', async () => {
    const tree = await seedLoadBalancer(db, { listeners: 2, provisioningStatus: 'PENDING_UPDATE' });
    await deliver(heartbeatFor(tree, undefined, { listener: { 1: null } }));
    expect(await status('listener', tree.listenerIds[1])).toBe('OFFLINE');
    expect(await db.q(`SELECT 1 FROM amphora_health WHERE amphora_id = $1`, [tree.amphoraIds[0]])).toHaveLength(1);
  });

  it('a disabled load balancer is OFFLINE', async () => {
    const tree = await seedLoadBalancer(db, { enabled: false });
    await deliver(heartbeatFor(tree));
    expect(await status('load_balancer', tree.lbId)).toBe('OFFLINE');
  });

  it('writes only changed statuses: an identical heartbeat runs no status UPDATE', async () => {
    const tree = await seedLoadBalancer(db, { operatingStatus: 'OFFLINE' });
    await deliver(heartbeatFor(tree));
    const statements = () =>
      ['member', 'pool', 'listener', 'load_balancer'].reduce((n, t) => n + metricValue(hm, 'octavia_hm_db_statements_total', { statement: `update_${t}_status` }), 0);
    const before = statements();
    await deliver(heartbeatFor(tree));
    await deliver(heartbeatFor(tree));
    expect(statements()).toBe(before);
    await deliver(heartbeatFor(tree, undefined, { members: { [tree.memberIds[0][1]]: 'DRAIN' } }));
    expect(statements()).toBe(before + 1); // one member UPDATE, nothing else changed
    expect(await status('member', tree.memberIds[0][1])).toBe('DRAINING');
  });

  it('accumulates statistics deltas; conns stays absolute', async () => {
    const tree = await seedLoadBalancer(db);
    const [lid, amp] = [tree.listenerIds[0], tree.amphoraIds[0]];
    await deliver(heartbeatFor(tree, amp, { stats: { rx: 100, tx: 1000, conns: 5, totconns: 7, ereq: 1 } }));
    await deliver(heartbeatFor(tree, amp, { stats: { rx: 50, tx: 500, conns: 2, totconns: 3, ereq: 0 } }));
    await deliver(heartbeatFor(tree, amp, { stats: { rx: 1, tx: 2, conns: 9, totconns: 1, ereq: 2 } }));
    const [row] = await db.q(`SELECT * FROM listener_statistics WHERE listener_id = $1 AND amphora_id = $2`, [lid, amp]);
    expect(row).toMatchObject({ bytes_in: '151', bytes_out: '1502', active_connections: 9, total_connections: '11', request_errors: '3' });
  });

  it('replaces statistics for absolute (version 2) senders', async () => {
    const tree = await seedLoadBalancer(db);
    const hb = { ...heartbeatFor(tree, undefined, { stats: { rx: 100, tx: 200, conns: 1, totconns: 10, ereq: 0 } }), ver: 2 };
    await deliver(hb);
    await deliver({ ...heartbeatFor(tree, undefined, { stats: { rx: 130, tx: 260, conns: 4, totconns: 12, ereq: 1 } }), ver: 2 });
    const [row] = await db.q(`SELECT * FROM listener_statistics WHERE listener_id = $1`, [tree.listenerIds[0]]);
    expect(row).toMatchObject({ bytes_in: '130', bytes_out: '260', active_connections: 4, total_connections: '12', request_errors: '1' });
  });

  it('prunes state of silent amphorae; a returning amphora is simply read again', async () => {
    const tree = await seedLoadBalancer(db, { operatingStatus: 'OFFLINE' });
    await deliver(heartbeatFor(tree));
    const tracked = () => metricValue(hm, 'octavia_hm_amphorae_tracked');
    const before = tracked();
    expect(hm.processor.prune(0)).toBeGreaterThanOrEqual(1);
    expect(tracked()).toBeLessThan(before);
    await db.q(`UPDATE member SET operating_status = 'OFFLINE' WHERE id = $1`, [tree.memberIds[0][0]]);
    await deliver(heartbeatFor(tree));
    expect(await status('member', tree.memberIds[0][0])).toBe('ONLINE');
  });

  it('accepts a legacy binary-tagged heartbeat', async () => {
    const tree = await seedLoadBalancer(db, { operatingStatus: 'OFFLINE' });
    const z = deflateSync(JSON.stringify(heartbeatFor(tree)));
    const before = processed();
    await sendPackets(hm.address.port, [Buffer.concat([z, createHmac('sha256', KEY).update(z).digest()])]);
    await waitFor(async () => processed() > before);
    await hm.flushNow();
    expect(await status('load_balancer', tree.lbId)).toBe('ONLINE');
  });

  it('with a long snapshot cache, repeats travel compactly and status changes still land (and flip back)', async () => {
    const cached = await startHm(hmConfig(db.url, { healthUpdateThreads: 1, statusCacheTtl: 600 }), { scanTimer: false });
    try {
      const tree = await seedLoadBalancer(db, { members: 2, operatingStatus: 'OFFLINE' });
      const m0 = tree.memberIds[0][0];
      const done = () => metricValue(cached, 'octavia_hm_heartbeats_processed_total');
      const send = async (members: Record<string, string>, rx: number) => {
        const before = done();
        await sendHeartbeat(cached, heartbeatFor(tree, undefined, { members, stats: { rx, tx: 0, conns: rx, totconns: 1, ereq: 0 } }));
        await waitFor(async () => done() > before, 10000, 'processing');
        await cached.flushNow();
      };
      const updates = () => metricValue(cached, 'octavia_hm_db_statements_total', { statement: 'update_member_status' });
      await send({ [m0]: 'DOWN' }, 1);
      expect(await status('member', m0)).toBe('ERROR');
      const afterFirst = updates();
      await send({ [m0]: 'DOWN' }, 2); // compact repeat: no rules, no writes
      await send({ [m0]: 'DOWN' }, 3);
      expect(updates()).toBe(afterFirst);
      expect(metricValue(cached, 'octavia_hm_heartbeats_compact_total')).toBe(2);
      await send({ [m0]: 'UP' }, 4);
      expect(await status('member', m0)).toBe('ONLINE');
      expect(await status('load_balancer', tree.lbId)).toBe('ONLINE');
      await send({ [m0]: 'DOWN' }, 5);
      expect(await status('member', m0)).toBe('ERROR');
      expect(await status('load_balancer', tree.lbId)).toBe('DEGRADED');
      const [row] = await db.q(`SELECT bytes_in, active_connections, total_connections FROM listener_statistics WHERE listener_id = $1`, [tree.listenerIds[0]]);
      expect(row).toEqual({ bytes_in: '15', active_connections: 5, total_connections: '5' });
      expect(metricValue(cached, 'octavia_hm_packets_dropped_total', { reason: 'desync' })).toBe(0);
    } finally {
      await cached.stop();
    }
  });

  it('with a long snapshot cache, a listener or member added since the last read is picked up within a second or two', async () => {
    const cached = await startHm(hmConfig(db.url, { healthUpdateThreads: 1, statusCacheTtl: 600 }), { scanTimer: false });
    try {
      const tree = await seedLoadBalancer(db, { members: 1, listeners: 2 });
      const [l0, l1] = tree.listenerIds;
      await db.q(`UPDATE listener SET enabled = false WHERE id = $1`, [l1]);
      const amp = tree.amphoraIds[0];
      const done = () => metricValue(cached, 'octavia_hm_heartbeats_processed_total');
      const lastUpdate = async () => (await db.q(`SELECT (extract(epoch from last_update) * 1000)::float8 AS ms FROM amphora_health WHERE amphora_id = $1`, [amp]))[0]?.ms ?? 0;
      const beat = async () => {
        const before = done();
        await sendHeartbeat(cached, heartbeatFor(tree));
        await waitFor(async () => done() > before, 10000, 'processing');
        await cached.flushNow();
      };
      // The snapshot is read with l1 disabled: a heartbeat reporting both listeners is a count mismatch.
      await sendHeartbeat(cached, heartbeatFor(tree, undefined, { listener: { 1: null }, pool: { 1: null } }));
      await waitFor(async () => (await lastUpdate()) > 0, 10000, 'first liveness');
      await db.q(`UPDATE listener SET enabled = true WHERE id = $1`, [l1]); // enabled by the API + worker meanwhile
      const newMember = randomUUID();
      await db.q(
        `INSERT INTO member (id, project_id, pool_id, ip_address, protocol_port, weight, backup, enabled, provisioning_status, operating_status, created_at)
         VALUES ($1, 'project-a', $2, '10.0.0.99', 80, 1, false, true, 'ACTIVE', 'OFFLINE', now() AT TIME ZONE 'utc')`,
        [newMember, tree.poolIds[0]],
      );
      tree.memberIds[0].push(newMember);
      await new Promise((r) => setTimeout(r, 1100)); // older than the 1 s re-read guard
      const before = await lastUpdate();
      await beat(); // mismatch (snapshot says 1 enabled listener) → re-read
      await waitFor(
        async () => {
          await beat();
          return (await lastUpdate()) > before;
        },
        10000,
        'liveness after the re-read',
      );
      expect(await status('member', newMember)).toBe('ONLINE');
      expect(await status('listener', l1)).toBe('ONLINE');
      expect(await status('listener', l0)).toBe('ONLINE');
    } finally {
      await cached.stop();
    }
  });

  describe('packets that must leave the database untouched', () => {
    let tree: Awaited<ReturnType<typeof seedLoadBalancer>>;
    beforeAll(async () => {
      tree = await seedLoadBalancer(db, { operatingStatus: 'OFFLINE' });
    });
    const dropped = (reason: string) => metricValue(hm, 'octavia_hm_packets_dropped_total', { reason });
    const ignored = (reason: string) => metricValue(hm, 'octavia_hm_heartbeats_ignored_total', { reason });

    async function untouched(send: () => Promise<void>, counted: () => number): Promise<void> {
      await hm.flushNow();
      const before = await dbFingerprint(db);
      const count = counted();
      await send();
      await waitFor(async () => counted() > count, 10000, 'the packet to be counted');
      await hm.flushNow();
      expect(await dbFingerprint(db)).toBe(before);
    }

    it('forged HMAC (another key)', async () => {
      await untouched(() => sendHeartbeat(hm, heartbeatFor(tree), 'not-the-key'), () => dropped('bad_hmac'));
    });

    it('tampered payload (one bit flipped)', async () => {
      const packet = encodeHeartbeat(heartbeatFor(tree), KEY);
      packet[10] ^= 0x01;
      await untouched(() => sendPackets(hm.address.port, [packet]), () => dropped('bad_hmac'));
    });

    it('oversize datagram, even correctly signed', async () => {
      const big = heartbeatFor(tree);
      (big as Record<string, unknown>).padding = randomUUID().repeat(400);
      const packet = encodeHeartbeat(big, KEY, { level: 0 });
      expect(packet.length).toBeGreaterThan(4096);
      await untouched(() => sendPackets(hm.address.port, [packet]), () => dropped('oversize'));
    });

    it('malformed: signed garbage, signed non-JSON, too short', async () => {
      const sign = (z: Buffer) => Buffer.concat([z, Buffer.from(createHmac('sha256', KEY).update(z).digest('hex'), 'latin1')]);
      await untouched(() => sendPackets(hm.address.port, [sign(Buffer.from('not zlib at all'))]), () => dropped('bad_zlib'));
      await untouched(() => sendPackets(hm.address.port, [sign(deflateSync('{"id": '))]), () => dropped('bad_json'));
      await untouched(() => sendPackets(hm.address.port, [Buffer.from('hi')]), () => dropped('too_short'));
      await untouched(() => sendHeartbeat(hm, { id: tree.amphoraIds[0], ver: 3 } as never), () => ignored('malformed'));
    });

    it('unknown amphora (valid signature)', async () => {
      await untouched(() => sendHeartbeat(hm, heartbeatFor(tree, randomUUID())), () => ignored('unknown_amphora'));
      await untouched(() => sendHeartbeat(hm, heartbeatFor(tree, 'not-a-uuid')), () => ignored('unknown_amphora'));
    });

    it('a heartbeat that waited longer than heartbeat_interval before processing (replayed late)', async () => {
      // The receiving thread reads (and stamps) the datagram while the main thread stalls past heartbeat_interval.
      const late = await startHm(hmConfig(db.url, { healthUpdateThreads: 1, heartbeatInterval: 1 }), { scanTimer: false });
      try {
        const before = await dbFingerprint(db);
        await sendHeartbeat(late, heartbeatFor(tree));
        // Block the main thread at once: the receiving thread's answer can only be handled after the stall.
        const until = Date.now() + 1500;
        while (Date.now() < until);
        expect(metricValue(late, 'octavia_hm_packets_received_total')).toBe(0);
        await waitFor(async () => metricValue(late, 'octavia_hm_heartbeats_ignored_total', { reason: 'late' }) === 1, 10000, 'late heartbeat');
        await late.flushNow();
        expect(metricValue(late, 'octavia_hm_heartbeats_processed_total')).toBe(0);
        expect(await dbFingerprint(db)).toBe(before);
        expect(late.logger.entries.some((e) => e.msg === 'heartbeat processed too slowly, ignored')).toBe(true);
      } finally {
        await late.stop();
      }
    });
  });
});
