import { promises as fs } from 'node:fs';

/** Read a pid file; null if absent or not a positive integer. */
export async function readPidFile(file: string): Promise<number | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const pid = Number.parseInt(text.trim().split(/\s+/)[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Whether `pid` is a live process. `kill(pid, 0)` alone is not enough: a daemon reparented
 * to an init that does not reap (containers) stays a zombie and still "exists". When
 * `expectedName` is given, a recycled pid running something else counts as dead.
 */
export async function isPidAlive(pid: number, expectedName?: string): Promise<boolean> {
  let stat: string;
  try {
    stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') {
      return false;
    }
    throw err;
  }
  // Format: "pid (comm) state ..."; comm may contain spaces and parentheses.
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const state = stat.slice(close + 2, close + 3);
  if (state === 'Z' || state === 'X') return false;
  return expectedName === undefined || comm.startsWith(expectedName.slice(0, 15));
}

export async function isPidFileAlive(file: string, expectedName?: string): Promise<boolean> {
  const pid = await readPidFile(file);
  return pid !== null && isPidAlive(pid, expectedName);
}

/** Send a signal; false if the process is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `probe` until it returns true or `timeoutMs` elapses. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await delay(intervalMs);
  }
}
