/**
 * npm run bench:failover — real amphorae (netns), real health managers (1 s heartbeats, 3 s timeout) and
 * worker: kill an amphora like a dead VM (SIGKILL everything, namespace gone) while a client namespace
 * probes the VIP every 100 ms. Prints, per topology over BENCH_RUNS runs (default 3): time from the death
 * to traffic flowing again, failed client requests, and time until the replacement is built (LB ACTIVE).
 */
import { FailoverBed } from '../test/support/failover-scenario';

process.env.TZ = 'UTC';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function topology(name: 'SINGLE' | 'ACTIVE_STANDBY'): Promise<void> {
  const bed = await FailoverBed.start({ topology: name });
  try {
    const outage: number[] = [];
    const failed: number[] = [];
    const replaced: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const lb = await bed.createLb();
      const role = name === 'SINGLE' ? 'STANDALONE' : 'MASTER';
      const [amp] = await bed.h.ds.query(`SELECT id FROM amphora WHERE load_balancer_id = $1 AND role = $2 AND status = 'ALLOCATED'`, [lb.id, role]);
      const m = await bed.killAndMeasure(lb, amp.id);
      outage.push(m.outageMs);
      failed.push(m.failedRequests);
      replaced.push(m.replacedMs);
      console.log(`  ${name} run ${i + 1}: traffic back after ${m.outageMs} ms, ${m.failedRequests}/${m.totalRequests} requests failed, replacement ACTIVE after ${m.replacedMs} ms`);
      // The load balancer may still be busy (a second failover): retry the delete until it is accepted.
      for (let k = 0; k < 600 && (await bed.h.api.call('DELETE', `/v2/lbaas/loadbalancers/${lb.id}?cascade=true`)).status === 409; k++) await new Promise((r) => setTimeout(r, 100));
      await bed.h.waitLbGone(lb.id, 60_000);
    }
    console.log(
      `${name.padEnd(15)} death → traffic p50 ${String(median(outage)).padStart(6)} ms (max ${Math.max(...outage)})   failed requests p50 ${median(failed)} (max ${Math.max(...failed)})   ` +
        `death → replacement ACTIVE p50 ${median(replaced)} ms   [heartbeat 1 s, timeout 3 s, upstream default timeout 60 s → ratio ${(median(outage) / 60000).toFixed(2)} of upstream's detection time alone]`,
    );
  } finally {
    await bed.close();
  }
}

async function main(): Promise<void> {
  const which = (process.env.BENCH_TOPOLOGIES ?? 'SINGLE,ACTIVE_STANDBY').split(',');
  for (const t of ['SINGLE', 'ACTIVE_STANDBY'] as const) if (which.includes(t)) await topology(t);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
