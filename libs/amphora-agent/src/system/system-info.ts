import { promises as fs } from 'node:fs';
import { cpus } from 'node:os';
import { CommandRunner } from '../platform/platform';
import { readFileOrNull } from '../util/files';

/** Host facts for `/info` and `/details` (amphora-agent-api.md §3.1–3.2). */

/** First `x.y[.z…]` version-looking token of a `--version` output. */
export function extractVersion(output: string, pattern: RegExp): string | null {
  return pattern.exec(output)?.[1] ?? null;
}

export async function detectVersions(runner: CommandRunner, haproxyCmd: string, keepalivedCmd: string) {
  const [haproxy, keepalived, ipvsadm] = await Promise.all([
    runner.run([haproxyCmd, '-v'], { timeoutMs: 5000 }),
    runner.run([keepalivedCmd, '--version'], { timeoutMs: 5000 }),
    runner.run(['ipvsadm', '--version'], { timeoutMs: 5000 }),
  ]);
  return {
    // "HAProxy version 2.6.12-1+deb12u4 2026/10/17" → "2.6.12-1+deb12u4": starts with major.minor,
    // which is all the controller reads.
    haproxy: extractVersion(haproxy.stdout, /version\s+(\d+\.\d+\S*)/i),
    keepalived: extractVersion(`${keepalived.stdout}${keepalived.stderr}`, /Keepalived\s+v(\d+\.\d+\S*)/i),
    // ipvsadm needs the ip_vs module even for --version; fall back to the package version.
    ipvsadm:
      extractVersion(`${ipvsadm.stdout}${ipvsadm.stderr}`, /ipvsadm\s+v(\d+\.\d+\S*)/i) ??
      extractVersion((await runner.run(['dpkg-query', '-W', '-f=${Version}', 'ipvsadm'], { timeoutMs: 5000 })).stdout, /^(\d+\.\d+\S*)/),
  };
}

export interface CpuStats {
  total: number;
  user: string;
  system: string;
  soft_irq: string;
}

export function parseProcStat(text: string): CpuStats {
  const fields = (text.split('\n').find((l) => l.startsWith('cpu ')) ?? 'cpu').trim().split(/\s+/).slice(1);
  const total = fields.reduce((sum, f) => sum + (Number(f) || 0), 0);
  return { total, user: fields[0] ?? '0', system: fields[2] ?? '0', soft_irq: fields[6] ?? '0' };
}

export interface MemoryStats {
  total: number;
  free: number;
  buffers: number;
  cached: number;
  swap_used: number;
  shared: number;
  slab: number;
}

export function parseMeminfo(text: string): MemoryStats {
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  // Upstream reports SwapCached as swap_used; kept for compatibility.
  return {
    total: kb('MemTotal'),
    free: kb('MemFree'),
    buffers: kb('Buffers'),
    cached: kb('Cached'),
    swap_used: kb('SwapCached'),
    shared: kb('Shmem'),
    slab: kb('Slab'),
  };
}

export async function readCpu(): Promise<CpuStats> {
  return parseProcStat((await readFileOrNull('/proc/stat'))?.toString() ?? '');
}

export async function readMemory(): Promise<MemoryStats> {
  return parseMeminfo((await readFileOrNull('/proc/meminfo'))?.toString() ?? '');
}

export async function readLoad(): Promise<string[]> {
  const text = (await readFileOrNull('/proc/loadavg'))?.toString() ?? '0 0 0';
  return text.trim().split(/\s+/).slice(0, 3);
}

export async function readDisk(): Promise<{ used: number; available: number }> {
  const s = await fs.statfs('/');
  return { used: (s.blocks - s.bfree) * s.bsize, available: s.bavail * s.bsize };
}

export async function readTunedProfiles(): Promise<string> {
  return ((await readFileOrNull('/etc/tuned/active_profile'))?.toString() ?? '').trim();
}

export function cpuCount(): number {
  return cpus().length;
}
