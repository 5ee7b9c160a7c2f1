/**
 * Boots the built image once under the qemu driver and prints boot → agent ready over mutual TLS.
 *   node -r ./scripts/swc-register.js images/debian/boot-check.ts [--out IMAGE_DIR]   (build.sh --boot-check)
 * Creates a management bridge with a random name and a private /24, removes it and the VM afterwards.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { QemuComputeDriver } from '../../libs/drivers/src/compute/qemu/qemu.compute-driver';
import { AmphoraIdentity, IMAGE_DIR, ManagementBridge, randomMac } from '../../test/vm/vm.fixture';

export interface BootResult {
  accel: string;
  createSeconds: number;
  agentReadySeconds: number;
  milestones: Record<string, number>;
}

export async function bootCheck(imageDir = IMAGE_DIR, index = 1): Promise<BootResult> {
  const br = new ManagementBridge();
  await br.create();
  const dataDir = path.join(tmpdir(), `boot-check-${randomBytes(3).toString('hex')}`);
  const driver = new QemuComputeDriver({ dataDir, imageDir });
  try {
    const id = new AmphoraIdentity();
    const t0 = Date.now();
    const inst = await driver.create(
      id.createRequest({ ip: br.amphoraIp(index), prefixLength: 24, controllerIp: br.controllerIp, bridge: { namespace: null, bridge: br.bridge }, mac: randomMac() }),
    );
    const createSeconds = (Date.now() - t0) / 1000;
    try {
      const milestones = await driver.waitForBoot(inst.computeId, 600_000);
      await id.waitForAgent(inst.managementIp, 300_000);
      const info = await id.request(inst.managementIp, 'GET', '/1.0/info');
      if (info.status !== 200) throw new Error(`GET /1.0/info: ${info.status} ${info.text}`);
      const state = JSON.parse(await fs.readFile(path.join(driver.vmDir(inst.computeId), 'state.json'), 'utf8'));
      return { accel: state.accel, createSeconds, agentReadySeconds: (Date.now() - t0) / 1000, milestones };
    } finally {
      await driver.delete(inst.computeId);
    }
  } finally {
    await br.destroy();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

export function describeBoot(r: BootResult): string {
  return (
    `boot (${r.accel}): create ${r.createSeconds.toFixed(1)} s (returns when the agent listens), boot → agent ready over mTLS ${r.agentReadySeconds.toFixed(1)} s; ` +
    `serial milestones (s since QEMU start) ${Object.entries(r.milestones).map(([k, v]) => `${k} ${v}`).join(', ')}`
  );
}

if (require.main === module) {
  const at = process.argv.indexOf('--out');
  bootCheck(at > 0 ? path.resolve(process.argv[at + 1]) : IMAGE_DIR).then(
    (r) => {
      console.log(describeBoot(r));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
