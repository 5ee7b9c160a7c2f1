/**
 * npm run bench:lb — real load balancers on this host (netns amphorae, local network, API + worker,
 * PostgreSQL, Redis): create-to-ACTIVE latency for SINGLE and ACTIVE_STANDBY over N load balancers each,
 * create-to-first-byte through the VIP, and member-add-to-live (POST member → a client namespace's request
 * through the VIP reaches the new backend). Prints p50/p95 and the ratio to the issue's targets.
 * BENCH_LBS (default 10) load balancers per topology.
 */
import { LocalLbHarness } from '../test/support/lb-harness';

process.env.TZ = 'UTC';
const N = Number(process.env.BENCH_LBS ?? 10);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

function report(title: string, xs: number[], targetP50: number): void {
  const p50 = pct(xs, 50);
  console.log(
    `${title.padEnd(42)} n=${String(xs.length).padStart(3)}  p50 ${String(p50).padStart(6)} ms  p95 ${String(pct(xs, 95)).padStart(6)} ms  ` +
      `max ${String(Math.max(...xs)).padStart(6)} ms  target p50 ≤ ${targetP50} ms  ratio ${(p50 / targetP50).toFixed(2)}`,
  );
}

async function topology(name: 'SINGLE' | 'ACTIVE_STANDBY', target: number): Promise<void> {
  const h = await LocalLbHarness.start({ ini: `[controller_worker]\nloadbalancer_topology = ${name}\n` });
  try {
    const net = await h.createNetwork('bench');
    const client = await h.addHost(net, 'cli', 50);
    const b1 = await h.addHost(net, 'b1', 11);
    const b2 = await h.addHost(net, 'b2', 12);
    await h.startBackend(b1, net.ip(11), 8080, 'backend-1');
    await h.startBackend(b2, net.ip(12), 8080, 'backend-2');
    const created: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const t0 = Date.now();
      const res = await h.api.call('POST', '/v2/lbaas/loadbalancers', { loadbalancer: { name: `bench-${i}`, vip_subnet_id: net.subnetId } });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      await h.waitLbStatus(res.body.loadbalancer.id, 'ACTIVE', 120_000);
      created.push(Date.now() - t0);
      ids.push(res.body.loadbalancer.id);
      process.stderr.write(`  ${name} ${i + 1}/${N} ACTIVE in ${created[created.length - 1]} ms\n`);
    }
    report(`${name}: create → ACTIVE`, created, target);

    // A full graph, then the time until the VIP answers (VRRP election included for ACTIVE_STANDBY).
    const firstByte: number[] = [];
    const addLive: number[] = [];
    for (let i = 0; i < Math.min(3, N); i++) {
      const t0 = Date.now();
      const res = await h.api.call('POST', '/v2/lbaas/loadbalancers', {
        loadbalancer: {
          vip_subnet_id: net.subnetId,
          listeners: [{ protocol: 'HTTP', protocol_port: 80, default_pool: { name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', members: [{ address: net.ip(11), protocol_port: 8080 }] } }],
        },
      });
      const vip = res.body.loadbalancer.vip_address;
      const poolId = res.body.loadbalancer.pools[0].id;
      ids.push(res.body.loadbalancer.id);
      while (!(await h.curl(client, `http://${vip}/`, 1)).startsWith('backend')) await new Promise((r) => setTimeout(r, 20));
      firstByte.push(Date.now() - t0);
      await h.waitLbStatus(res.body.loadbalancer.id, 'ACTIVE');
      for (let k = 0; k < Math.ceil(N / 3); k++) {
        const m0 = Date.now();
        const m = await h.api.call('POST', `/v2/lbaas/pools/${poolId}/members`, { member: { address: net.ip(12), protocol_port: 8080 } });
        while ((await h.curl(client, `http://${vip}/`, 1)) !== 'backend-2') await new Promise((r) => setTimeout(r, 5));
        addLive.push(Date.now() - m0);
        await h.waitLbStatus(res.body.loadbalancer.id, 'ACTIVE');
        await h.api.call('DELETE', `/v2/lbaas/pools/${poolId}/members/${m.body.member.id}`);
        await h.waitLbStatus(res.body.loadbalancer.id, 'ACTIVE');
      }
    }
    report(`${name}: graph create → first byte via VIP`, firstByte, name === 'SINGLE' ? 2000 : 3000);
    report(`${name}: member add → live`, addLive, 300);
    const d0 = Date.now();
    for (const id of ids) await h.api.call('DELETE', `/v2/lbaas/loadbalancers/${id}?cascade=true`);
    for (const id of ids) await h.waitLbGone(id, 120_000);
    console.log(`${`${name}: delete ${ids.length} LBs`.padEnd(42)} ${Date.now() - d0} ms total`);
    const left = await h.leftovers();
    if (left.namespaces.length || left.amphorae) throw new Error(`leftovers: ${JSON.stringify(left)}`);
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  await topology('SINGLE', 2000);
  await topology('ACTIVE_STANDBY', 3000);
  console.log(`bench process RSS grew ${((process.memoryUsage().rss - rss0) / 1048576).toFixed(0)} MiB (API + worker in-process)`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
