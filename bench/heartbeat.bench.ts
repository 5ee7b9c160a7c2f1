/**
 * npm run bench:heartbeat — a simulated fleet (BENCH_AMPHORAE, default 20,000 amphorae, each with its own load
 * balancer, listener, pool and 2 members in a fresh PostgreSQL database) sends real signed heartbeats over
 * loopback UDP (BENCH_VARIANTS, default 3, per amphora: each with its own seq and counters, sent in rotation) to one health manager running as its own process. For each decode-thread setting
 * (BENCH_THREADS, default "2,1,0") it offers BENCH_RATE heartbeats/s (default 50,000) for BENCH_SECONDS
 * (default 10, after a warm-up pass that loads every amphora's state) and prints heartbeats processed/s,
 * packet loss, database statements/s and the manager's RSS, with ratios against the 50,000/s target.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { JsonLogger, MetricsRegistry } from '../libs/common/src';
import { createHeartbeatDecoder, encodeHeartbeat, HeartbeatMessage } from '../libs/heartbeat/src';
import { HealthDatabase } from '../apps/health-manager/src/db/health-database';
import { DecodedBatch, makeBatchDecoder, parseDecoded, RawBatch } from '../apps/health-manager/src/receiver/decode-batch';
import { HeartbeatProcessor } from '../apps/health-manager/src/state/heartbeat-processor';
import { createTestDatabase } from '../test/support/api-harness';

const AMPHORAE = Number(process.env.BENCH_AMPHORAE ?? 20000);
const RATE = Number(process.env.BENCH_RATE ?? 50000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const THREADS = (process.env.BENCH_THREADS ?? '2,1,0').split(',').map(Number);
const TARGET = 50000;
const VARIANTS = Number(process.env.BENCH_VARIANTS ?? 3);
const UDP_PORT = 19555;
const STATUS_PORT = 19878;
const KEY = 'bench-heartbeat-key';

interface Fleet {
  packets: Buffer[];
}

async function seed(url: string): Promise<Fleet> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const lbs: string[] = [];
  const listeners: string[] = [];
  const pools: string[] = [];
  const members: string[][] = [];
  const amps: string[] = [];
  for (let i = 0; i < AMPHORAE; i++) {
    lbs.push(randomUUID());
    listeners.push(randomUUID());
    pools.push(randomUUID());
    members.push([randomUUID(), randomUUID()]);
    amps.push(randomUUID());
  }
  const now = `now() AT TIME ZONE 'utc'`;
  await c.query(
    `INSERT INTO load_balancer (id, project_id, provisioning_status, operating_status, enabled, topology, provider, created_at)
     SELECT id, 'bench', 'ACTIVE', 'OFFLINE', true, 'SINGLE', 'amphora', ${now} FROM unnest($1::uuid[]) AS id`,
    [lbs],
  );
  await c.query(
    `INSERT INTO pool (id, project_id, load_balancer_id, protocol, lb_algorithm, enabled, provisioning_status, operating_status, created_at)
     SELECT p, 'bench', l, 'HTTP', 'ROUND_ROBIN', true, 'ACTIVE', 'OFFLINE', ${now} FROM unnest($1::uuid[], $2::uuid[]) AS u(p, l)`,
    [pools, lbs],
  );
  await c.query(
    `INSERT INTO listener (id, project_id, load_balancer_id, protocol, protocol_port, connection_limit, enabled, provisioning_status, operating_status,
                           default_pool_id, timeout_client_data, timeout_member_connect, timeout_member_data, timeout_tcp_inspect, created_at)
     SELECT li, 'bench', l, 'HTTP', 80, -1, true, 'ACTIVE', 'OFFLINE', p, 50000, 5000, 50000, 0, ${now}
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS u(li, l, p)`,
    [listeners, lbs, pools],
  );
  for (const k of [0, 1]) {
    await c.query(
      `INSERT INTO member (id, project_id, pool_id, ip_address, protocol_port, weight, backup, enabled, provisioning_status, operating_status, created_at)
       SELECT m, 'bench', p, $3, 80, 1, false, true, 'ACTIVE', 'OFFLINE', ${now} FROM unnest($1::uuid[], $2::uuid[]) AS u(m, p)`,
      [members.map((m) => m[k]), pools, `10.0.0.${k + 1}`],
    );
  }
  await c.query(
    `INSERT INTO amphora (id, status, load_balancer_id, role, cert_busy, created_at)
     SELECT a, 'ALLOCATED', l, 'STANDALONE', false, ${now} FROM unnest($1::uuid[], $2::uuid[]) AS u(a, l)`,
    [amps, lbs],
  );
  await c.end();
  // VARIANTS heartbeats per amphora with their own seq and statistics, sent in rotation, so that consecutive
  // heartbeats of one amphora differ as a real amphora's do (new seq and counters, same statuses).
  const packets: Buffer[] = [];
  for (let v = 0; v < VARIANTS; v++) {
    amps.forEach((id, i) =>
      packets.push(
        encodeHeartbeat(
          {
            id,
            seq: v,
            listeners: { [listeners[i]]: { status: 'OPEN', stats: { tx: 1500 + 37 * v, rx: 400 + 11 * v, conns: 3 + v, totconns: 2 + v, ereq: v % 2 } } },
            pools: { [`${pools[i]}:${listeners[i]}`]: { status: 'UP', members: { [members[i][0]]: 'UP', [members[i][1]]: i % 10 === 0 ? 'DOWN' : 'UP' } } },
            ver: 3,
          },
          KEY,
        ),
      ),
    );
  }
  return { packets };
}

async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${STATUS_PORT}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (.+)$/.exec(line);
    if (!m) continue;
    out.set(m[2] ? `${m[1]}{${m[2]}}` : m[1], Number(m[3]));
    out.set(`${m[1]}:sum`, (out.get(`${m[1]}:sum`) ?? 0) + Number(m[3]));
  }
  return out;
}

function startManager(dbUrl: string, threads: number, dir: string): ChildProcess {
  const ini = join(dir, `octavia-${threads}.conf`);
  writeFileSync(
    ini,
    `[database]\nconnection = ${dbUrl}\n[health_manager]\nbind_ip = 127.0.0.1\nbind_port = ${UDP_PORT}\nheartbeat_key = ${KEY}\n` +
      `health_update_threads = ${threads}\nsock_rlimit = 4194304\nheartbeat_interval = 10\nheartbeat_timeout = 60\n`,
  );
  const root = join(__dirname, '..');
  const extra = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  return spawn(process.execPath, [...extra, '-r', join(root, 'scripts', 'swc-register.js'), join(root, 'apps', 'health-manager', 'src', 'main.ts')], {
    env: { ...process.env, TZ: 'UTC', OCTAVIA_TS_CONFIG_FILE: ini, OCTAVIA_TS_HM_STATUS_PORT: String(STATUS_PORT), OCTAVIA_TS_REDIS_URL: '' },
    stdio: ['ignore', process.env.BENCH_HM_STDOUT ? 'inherit' : 'ignore', 'inherit'], // BENCH_HM_STDOUT=1 shows its logs (and --trace-gc)
  });
}

/** Sends `rate` packets/s round-robin over the fleet for `seconds`; returns how many were sent and over how long. */
async function blast(fleet: Fleet, rate: number, seconds: number): Promise<{ sent: number; seconds: number }> {
  const socket = createSocket('udp4');
  socket.on('error', () => undefined);
  let sent = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  const endNs = BigInt(Math.round(seconds * 1e9));
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = process.hrtime.bigint() - started;
      const last = elapsed >= endNs;
      const due = Math.min(Math.floor((Number(last ? endNs : elapsed) / 1e9) * rate), sent + 5000);
      for (; sent < due; sent++) {
        socket.send(fleet.packets[next], UDP_PORT, '127.0.0.1');
        next = (next + 1) % fleet.packets.length;
      }
      if (last) return resolve();
      setTimeout(tick, 1); // a 1 ms pace, not a spinning loop: the sender must not eat the manager's core
    };
    tick();
  });
  const took = Number(process.hrtime.bigint() - started) / 1e9;
  await new Promise((r) => setTimeout(r, 200));
  socket.close();
  return { sent, seconds: took };
}

/** CPU seconds (user + system, all threads) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function waitForStatus(): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      await scrape();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error('the health manager did not start');
}

/**
 * CPU cost of each stage on this process's single thread, best of five passes over the fleet: what one
 * otherwise idle core could sustain, independent of the other load on the host.
 */
async function stageCosts(dbUrl: string, fleet: Fleet): Promise<string[]> {
  const best = (fn: () => void) => {
    // CPU time (not wall time): the other load on the host must not count against us.
    let min = Infinity;
    for (let pass = 0; pass < 5; pass++) {
      const t = process.cpuUsage();
      fn();
      const used = process.cpuUsage(t);
      min = Math.min(min, (used.user + used.system) / fleet.packets.length);
    }
    return min;
  };
  const batches: RawBatch[] = [];
  for (let i = 0; i < fleet.packets.length; i += 256) {
    const part = fleet.packets.slice(i, i + 256);
    batches.push({ packets: part, times: part.map(() => Date.now()) });
  }
  const codec = createHeartbeatDecoder(KEY);
  const codecUs = best(() => fleet.packets.forEach((p) => codec(p)));
  const decodeThread = makeBatchDecoder(KEY, {}, true);
  decodeThread(batches[0]);
  let outputs: DecodedBatch[] = [];
  const threadUs = best(() => (outputs = batches.map((b) => decodeThread(b)))); // after the first pass: compact repeats
  const metrics = new MetricsRegistry();
  const db = new HealthDatabase(dbUrl, metrics);
  const processor = new HeartbeatProcessor(db, { heartbeatIntervalMs: 3600000, statusCacheTtlMs: 3600000, livenessWriteIntervalMs: 0, now: Date.now }, metrics, new JsonLogger('bench', 'error'));
  const fulls = new Map<string, HeartbeatMessage>();
  for (const p of fleet.packets) {
    const m = codec(p).message;
    fulls.set(m.id, m);
    processor.handle(m, Date.now());
  }
  while (metrics.render().match(/octavia_hm_heartbeats_processed_total (\d+)/)?.[1] !== String(fleet.packets.length)) await new Promise((r) => setTimeout(r, 100));
  const mainUs = best(() => {
    const now = Date.now();
    for (const out of outputs) {
      for (const e of parseDecoded(out)) {
        if (e[0] === 1) processor.handleCompact(fulls.get(e[2])!, e[4], now);
        else processor.handle(e[3], now);
      }
    }
  });
  await db.close();
  const perCore = (us: number) => Math.round(1e6 / us).toLocaleString();
  return [
    `shared codec decode (HMAC, inflate, JSON)        ${codecUs.toFixed(1).padStart(5)} µs/heartbeat  → ${perCore(codecUs)}/s per core`,
    `receiving thread (decode + compact hand-over)    ${threadUs.toFixed(1).padStart(5)} µs/heartbeat  → ${perCore(threadUs)}/s per core (plus the UDP receive)`,
    `main thread (parse + state + rules + stats)      ${mainUs.toFixed(1).padStart(5)} µs/heartbeat  → ${perCore(mainUs)}/s per core`,
  ];
}

async function main(): Promise<void> {
  const db = await createTestDatabase('octavia_bench_hm');
  const dir = mkdtempSync(join(tmpdir(), 'hm-bench-'));
  try {
    console.log(`seeding ${AMPHORAE.toLocaleString()} amphorae (one load balancer, listener, pool and 2 members each) ...`);
    const fleet = await seed(db.url);
    const results: string[] = [];
    const stages = await stageCosts(db.url, fleet);
    for (const line of stages) console.log(line);
    for (const threads of THREADS) {
      const hm = startManager(db.url, threads, dir);
      try {
        await waitForStatus();
        // Warm-up: every amphora once, so the manager has read each load balancer's state.
        await blast(fleet, Math.min(RATE, 20000), fleet.packets.length / Math.min(RATE, 20000));
        await new Promise((r) => setTimeout(r, 2000));
        const before = await scrape();
        const cpu0 = cpuSeconds(hm.pid!);
        const t0 = Date.now();
        const senderCpu0 = process.cpuUsage();
        const { sent, seconds: sendSeconds } = await blast(fleet, RATE, SECONDS);
        const senderCpu = process.cpuUsage(senderCpu0);
        await new Promise((r) => setTimeout(r, 1000)); // let queued packets drain
        const after = await scrape();
        const cpu = cpuSeconds(hm.pid!) - cpu0;
        const secs = (Date.now() - t0 - 1000) / 1000;
        const d = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
        const received = d('octavia_hm_packets_received_total');
        const processed = d('octavia_hm_heartbeats_processed_total');
        const late = d('octavia_hm_heartbeats_ignored_total{reason="late"}');
        const shed = d('octavia_hm_packets_dropped_total{reason="overload"}');
        const statements = d('octavia_hm_db_statements_total:sum');
        const rss = (after.get('process_resident_memory_bytes') ?? 0) / 1024 / 1024;
        const lagMs = (after.get('octavia_hm_event_loop_lag_max_seconds') ?? 0) * 1000;
        const loss = sent ? (100 * (sent - received)) / sent : 0;
        const line =
          `receiving threads ${threads}: offered ${Math.round(sent / sendSeconds).toLocaleString()}/s, processed ${Math.round(processed / sendSeconds).toLocaleString()} heartbeats/s ` +
          `(${(processed / sendSeconds / TARGET).toFixed(2)}x of ${TARGET.toLocaleString()}/s target), packet loss ${loss.toFixed(2)} %, shed ${Math.round(shed / secs).toLocaleString()}/s, late ${late}, ` +
          `${(statements / secs).toFixed(1)} db statements/s, RSS ${rss.toFixed(0)} MiB, main-thread lag max ${lagMs.toFixed(0)} ms; manager CPU ${(cpu / secs).toFixed(2)} cores, ` +
          `${processed ? ((cpu * 1e6) / processed).toFixed(1) : '-'} µs CPU per processed heartbeat; ` +
          `sender CPU ${((senderCpu.user + senderCpu.system) / 1e6 / SECONDS).toFixed(2)} cores (host load average ${loadavg()[0].toFixed(1)})`;
        console.log(line);
        results.push(line);
      } finally {
        hm.kill('SIGTERM');
        await new Promise((r) => hm.once('exit', r));
      }
    }
    console.log(`\nHeartbeat benchmark: ${AMPHORAE.toLocaleString()} amphorae, ${SECONDS} s at ${RATE.toLocaleString()} offered heartbeats/s, loopback UDP, real PostgreSQL`);
    for (const r of results) console.log(r);
    console.log(`\nCPU time per stage on one thread of this host (best of 5 passes over the fleet):`);
    for (const line of stages) console.log(line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
