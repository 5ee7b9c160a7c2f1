import { promises as fs } from 'node:fs';
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export interface KvmProbeResult {
  usable: boolean;
  reason: string;
  seconds: number;
}

/**
 * Whether KVM can really boot a guest: /dev/kvm must open, and the image's kernel, booted without a
 * root file system, must reach its "VFS: Unable to mount root fs" panic within `timeoutMs` (well under a
 * second with working KVM). On hosts where /dev/kvm exists but nested virtualisation is broken the
 * guest never prints anything; that is a "no".
 */
export async function probeKvm(qemuBinary: string, kernel: string, workDir: string, timeoutMs = 8_000): Promise<KvmProbeResult> {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  try {
    const fh = await fs.open('/dev/kvm', 'r+');
    await fh.close();
  } catch (err) {
    return { usable: false, reason: `/dev/kvm: ${(err as Error).message}`, seconds: seconds() };
  }
  await fs.mkdir(workDir, { recursive: true });
  const log = path.join(workDir, `kvm-probe-${process.pid}.log`);
  await fs.rm(log, { force: true });
  const argv = ['-accel', 'kvm', '-machine', 'pc', '-cpu', 'host', '-m', '128', '-nodefaults', '-no-user-config', '-display', 'none',
    '-kernel', kernel, '-append', 'console=ttyS0 panic=-1 loglevel=4', '-no-reboot', '-serial', `file:${log}`];
  const child = spawn(qemuBinary, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  let reached = false;
  while (Date.now() < deadline) {
    const text = await fs.readFile(log, 'utf8').catch(() => '');
    if (/Kernel panic|VFS: Unable to mount root/.test(text)) {
      reached = true;
      break;
    }
    if (child.exitCode !== null || child.signalCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const exitCode = child.exitCode ?? child.signalCode;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
  await fs.rm(log, { force: true });
  if (reached) return { usable: true, reason: 'a guest kernel booted under KVM', seconds: seconds() };
  const why = stderr.split('\n').filter((l) => l && !/terminating on signal/.test(l)).slice(-2).join(' ');
  const what = exitCode === null ? `a guest kernel printed nothing under KVM within ${timeoutMs} ms` : `QEMU exited (${exitCode}) before a guest kernel booted under KVM`;
  return { usable: false, reason: `${what}${why ? `: ${why}` : ''}`, seconds: seconds() };
}
