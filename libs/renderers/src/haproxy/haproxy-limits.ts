import { validateInteger } from '../field-validators';
import type { RenderListener } from '../render-model';
import { RenderValidationError } from '../render-validation.error';
import type { HaproxyRenderContext } from './haproxy-context';

/**
 * Connection limits and the file-descriptor budget.
 *
 * haproxy 2.6 raises RLIMIT_NOFILE at start to roughly
 *   2 × maxconn + 2 × maxpipes + listeners + servers with checks + 3 × threads + ~20
 * and refuses to start ("Cannot raise FD limit") when the hard limit is lower. Upstream renders a
 * global maxconn of up to 1,000,000 and relies on LimitNOFILE=2600000; our amphorae run with a
 * 20,000 hard limit, so the global maxconn is fitted into that budget.
 */

/** Threads (3 fds each, up to 64), pollers, log and stats sockets, master/worker pipes. */
const FD_FIXED_RESERVE = 256;

/** A listener timeout in ms; 0 and unset mean the operator default (upstream's `or`). */
export function timeoutMs(value: number | null | undefined, fallback: number, field: string): number {
  return value ? validateInteger(value, field, 0, 2_073_600_000) : fallback;
}

/** Listener `connection_limit`, or the operator default for -1 / 0 / unset (upstream rule). */
export function listenerConnectionLimit(listener: RenderListener, ctx: HaproxyRenderContext): number {
  const limit = listener.connection_limit;
  if (limit == null) return ctx.defaultConnectionLimit;
  validateInteger(limit, `listener ${listener.id}.connection_limit`, -1, 2_147_483_647);
  return limit > 0 ? limit : ctx.defaultConnectionLimit;
}

export interface FdDemand {
  /** `bind` lines (each VIP of each frontend, plus internal endpoints). */
  bindLines: number;
  /** `server` lines carrying `check`: each keeps one socket open while probing. */
  checkedServers: number;
  /** Peers of the peers section (one listener plus one connection each). */
  peers: number;
}

/**
 * Global maxconn: the sum of the rendered listeners' limits (upstream), capped by the operator
 * cap and by what fits into the open-files limit after pipes and fixed demand.
 */
export function globalMaxconn(ctx: HaproxyRenderContext, listenerLimits: number[], demand: FdDemand): number {
  const requested = listenerLimits.reduce((sum, limit) => sum + limit, 0);
  const reserve = FD_FIXED_RESERVE + demand.bindLines + demand.checkedServers + 2 * demand.peers + 2 * ctx.maxpipes;
  const fitsInFds = Math.floor((ctx.openFilesLimit - reserve) / 2);
  if (fitsInFds < 1) {
    throw new RenderValidationError(
      'loadbalancer',
      `${demand.bindLines} listeners and ${demand.checkedServers} monitored members need more than the ${ctx.openFilesLimit} open files haproxy may use`,
    );
  }
  return Math.min(requested > 0 ? requested : ctx.maxconnCap, ctx.maxconnCap, fitsInFds);
}

/**
 * `tune.ssl.cachesize` (upstream LP #2119987): two fifths of the memory left after 32 kB per
 * connection, in ~250-byte blocks, and only when that beats haproxy's own default of 20,000.
 */
export function sslCacheSize(ctx: HaproxyRenderContext, maxconn: number): number | null {
  const memory = ctx.amphoraDetails.memory;
  if (!memory) return null;
  const available = memory.free + memory.buffers + memory.cached;
  if (![available].every(Number.isFinite)) return null;
  const cacheKb = Math.floor(((available - 32 * maxconn) * 2) / 5);
  return cacheKb > 5000 ? cacheKb * 4 : null;
}

/** nbthread / cpu-map only on amphorae tuned for it (the "amphora" TuneD profile). */
export function workerThreads(ctx: HaproxyRenderContext): number | null {
  const { active_tuned_profiles: profiles, cpu_count: cpus } = ctx.amphoraDetails;
  if (!profiles || !profiles.split(/\s+/).includes('amphora')) return null;
  if (typeof cpus !== 'number' || !Number.isInteger(cpus) || cpus <= 1) return null;
  // One CPU stays free for the kernel's softirq work; haproxy is built with at most 64 threads.
  return Math.min(cpus - 1, 64);
}
