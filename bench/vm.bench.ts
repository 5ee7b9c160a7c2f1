/**
 * npm run bench:vm — VM amphorae on this host:
 *  1. the Debian image: build time (or a cache hit and the last build's time), qcow2/rootfs/kernel+initrd sizes;
 *  2. VM boot → agent ready over mutual TLS (qemu driver, TCG unless KVM really works), BENCH_VM_BOOTS boots (default 1),
 *     with the boot milestones from the serial log;
 *  3. create → ACTIVE through the API (worker flows, compute_driver = qemu, local network driver) and the first byte
 *     through the VIP: SINGLE BENCH_VM_SINGLE times (default 3; min/median/max), then ACTIVE_STANDBY once;
 *     BENCH_VM_LB=0 skips them (BENCH_VM_SINGLE + 2 more VM boots).
 * Prints the host's load average before and after: the machine is shared, and TCG timings follow its load.
 */
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { QemuComputeDriver } from '../libs/drivers/src/compute/qemu/qemu.compute-driver';
import { LocalLbHarness } from '../test/support/lb-harness';
import { bootCheck, describeBoot } from '../images/debian/boot-check';
import { ensureImage, IMAGE_DIR } from '../test/vm/vm.fixture';

process.env.TZ = 'UTC';
const BOOTS = Number(process.env.BENCH_VM_BOOTS ?? 1);
const SINGLE_RUNS = Number(process.env.BENCH_VM_SINGLE ?? 3);
const LB = process.env.BENCH_VM_LB !== '0';
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;

async function image(): Promise<void> {
  const t0 = Date.now();
  const { output, buildJson: b } = await ensureImage();
  const seconds = (Date.now() - t0) / 1000;
  const hit = output.includes('cache hit');
  console.log(`image debian-${b.key}: ${hit ? `cache hit in ${seconds.toFixed(1)} s (last build took ${b.buildSeconds} s)` : `built in ${b.buildSeconds} s`}`);
  console.log(
    `  qcow2 ${mib(b.qcow2Bytes as number)} (compressed), rootfs ${mib(b.rootfsBytes as number)} (${mib(b.rootfsBytesBeforePruning as number)} before pruning), ` +
      `kernel ${mib(b.kernelBytes as number)}${b.vmlinuxBytes ? ` (booted uncompressed, ${mib(b.vmlinuxBytes as number)})` : ''} + initrd ${mib(b.initrdBytes as number)}, ${b.packages} packages, kernel ${b.kernel}`,
  );
  const sizes = readFileSync(path.join(IMAGE_DIR, 'debian-current', 'sizes.txt'), 'utf8').split('\n').slice(1, 8).map((l) => l.replace('\t', ' MiB ')).join(', ');
  console.log(`  largest: ${sizes}`);
}

async function boots(): Promise<void> {
  for (let i = 0; i < BOOTS; i++) console.log(`VM ${i + 1}/${BOOTS} ${describeBoot(await bootCheck(IMAGE_DIR, i + 1))}`);
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const stats = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  const median = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return `min ${v[0].toFixed(1)} s, median ${median.toFixed(1)} s, max ${v[v.length - 1].toFixed(1)} s (n=${v.length})`;
};

async function loadBalancers(): Promise<void> {
  const h = await LocalLbHarness.start({
    env: { OCTAVIA_TS_COMPUTE_DRIVER: 'qemu', OCTAVIA_TS_IMAGE_DIR: IMAGE_DIR },
    // keepalived's VRRP check at its 1 s default: the HAProxy check passes from pid files without starting Node.
    ini: '[haproxy_amphora]\nconnection_max_retries = 180\nconnection_retry_interval = 2\n',
  });
  try {
    const fp = await h.api.call('POST', '/v2/lbaas/flavorprofiles', {
      flavorprofile: { name: 'bench-act-stby', provider_name: 'amphora', flavor_data: JSON.stringify({ loadbalancer_topology: 'ACTIVE_STANDBY' }) },
    });
    const fl = await h.api.call('POST', '/v2/lbaas/flavors', { flavor: { name: 'bench-act-stby', flavor_profile_id: fp.body.flavorprofile.id, enabled: true } });
    const net = await h.createNetwork('benchvm');
    const client = await h.addHost(net, 'cli', 50);
    const b1 = await h.addHost(net, 'b1', 11);
    await h.startBackend(b1, net.ip(11), 8080, 'backend-1');
    const runs: Array<'SINGLE' | 'ACTIVE_STANDBY'> = [...Array(SINGLE_RUNS).fill('SINGLE'), 'ACTIVE_STANDBY'];
    const singles: number[] = [];
    for (const [i, topology] of runs.entries()) {
      const t0 = Date.now();
      const res = await h.api.call('POST', '/v2/lbaas/loadbalancers', {
        loadbalancer: {
          vip_subnet_id: net.subnetId,
          ...(topology === 'ACTIVE_STANDBY' ? { flavor_id: fl.body.flavor.id } : {}),
          listeners: [{ protocol: 'HTTP', protocol_port: 80, default_pool: { name: 'pool1', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', members: [{ address: net.ip(11), protocol_port: 8080 }] } }],
        },
      });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
      const lbId = res.body.loadbalancer.id;
      await h.waitLbStatus(lbId, 'ACTIVE', 1_500_000);
      const active = (Date.now() - t0) / 1000;
      while (!(await h.curl(client, `http://${res.body.loadbalancer.vip_address}/`, 3)).startsWith('backend')) await new Promise((r) => setTimeout(r, 200));
      const label = topology === 'SINGLE' ? `SINGLE ${i + 1}/${SINGLE_RUNS}` : topology;
      console.log(`${label.padEnd(15)} create → ACTIVE ${active.toFixed(1)} s, → first byte via VIP ${((Date.now() - t0) / 1000).toFixed(1)} s  (load ${load()})`);
      if (topology === 'SINGLE') singles.push(active);
      const d0 = Date.now();
      await h.api.call('DELETE', `/v2/lbaas/loadbalancers/${lbId}?cascade=true`);
      await h.waitLbGone(lbId, 300_000);
      console.log(`${label.padEnd(15)} cascade delete (VMs removed) ${((Date.now() - d0) / 1000).toFixed(1)} s`);
      if (singles.length === SINGLE_RUNS && topology === 'SINGLE') console.log(`SINGLE          create → ACTIVE ${stats(singles)}`);
    }
  } finally {
    const driver = new QemuComputeDriver({ dataDir: h.config.dataDir, imageDir: IMAGE_DIR, installMissing: false });
    const rows: Array<{ compute_id: string | null }> = await h.ds.query(`SELECT compute_id FROM amphora`).catch(() => []);
    for (const r of rows) if (r.compute_id?.startsWith('qemu-')) await driver.delete(r.compute_id).catch(() => undefined);
    await h.close();
  }
}

(async () => {
  console.log(`VM amphora benchmark (${new Date().toISOString()}), host load average ${load()}`);
  await image();
  await boots();
  if (LB) await loadBalancers();
  console.log(`host load average at the end ${load()}`);
  process.exit(0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
