/**
 * npm run bench:api — starts the API (noop provider) as its own process on a fresh database, seeds
 * 1,000 load balancers, and measures with concurrent connections for at least 10 s each:
 * listing 1,000 load balancers, showing one, and creating members. Prints req/s, p50 and p99.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon = require('autocannon');
import { createTestDatabase } from '../test/support/api-harness';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const PORT = 19990;
const BASE = `http://127.0.0.1:${PORT}`;
const HEADERS = { 'content-type': 'application/json', 'x-project-id': 'bench' };

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(BASE + path, { method, headers: HEADERS, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function run(title: string, opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ duration: DURATION, connections: 16, ...opts }, (err, result) => (err ? reject(err) : resolve(result)));
  }).then((r) => {
    const res = r as autocannon.Result;
    const errors = res.errors + res.non2xx;
    console.log(`${title.padEnd(34)} ${res.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(res.latency.p50).padStart(5)} ms   p99 ${String(res.latency.p99).padStart(5)} ms   errors ${errors}`);
    return res;
  });
}

async function main(): Promise<void> {
  const db = await createTestDatabase('octavia_bench');
  const api = spawn(process.execPath, [join(__dirname, '..', 'bin', 'octavia-ts'), 'api'], {
    env: { ...process.env, OCTAVIA_TS_DATABASE_URL: db.url, OCTAVIA_TS_API_BIND: `127.0.0.1:${PORT}`, OCTAVIA_TS_AUTH_STRATEGY: 'noauth', OCTAVIA_TS_DEFAULT_PROVIDER: 'noop_driver', OCTAVIA_TS_REDIS_URL: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (let i = 0; i < 100; i++) {
      try { await call('GET', '/'); break; } catch { await new Promise((r) => setTimeout(r, 200)); }
    }
    console.log('seeding 1,000 load balancers ...');
    const vip = 'a4f6c9f2-1b7e-4d2c-8ad3-3b5bd4b6ad6d';
    let lbId = '';
    for (let i = 0; i < 1000; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, j) => call('POST', '/v2.0/lbaas/loadbalancers', { loadbalancer: { name: `lb-${i + j}`, vip_subnet_id: vip } })));
      lbId = batch[0].loadbalancer.id;
    }
    const pool = await call('POST', '/v2.0/lbaas/pools', { pool: { loadbalancer_id: lbId, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', name: 'bench' } }).catch(() => undefined);
    console.log(`\nAPI benchmark, ${DURATION} s per case, 16 connections (noop provider, real PostgreSQL)`);
    const list = await run('list 1,000 load balancers', { url: `${BASE}/v2.0/lbaas/loadbalancers`, headers: HEADERS });
    const show = await run('show one load balancer', { url: `${BASE}/v2.0/lbaas/loadbalancers/${lbId}`, headers: HEADERS });
    if (pool) {
      let n = 0;
      // One connection: each member write holds the load balancer in PENDING_UPDATE until the provider
      // finishes, so concurrent writes to one load balancer are answered 409 by design.
      await run('create member (1 connection)', {
        url: `${BASE}/v2.0/lbaas/pools/${pool.pool.id}/members`,
        method: 'POST',
        headers: HEADERS,
        connections: 1,
        requests: [{ setupRequest: (req) => { n++; return { ...req, body: JSON.stringify({ member: { address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, protocol_port: 80 } }) }; } }],
      });
    } else {
      console.log('create member                      (skipped: pool routes not available in this build)');
    }
    console.log(`\nratio show/list req/s: ${(show.requests.average / list.requests.average).toFixed(1)}x`);
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
