import { spawn } from 'node:child_process';

export class CommandError extends Error {
  constructor(readonly argv: string[], readonly code: number | null, readonly stderr: string) {
    super(`${argv.join(' ')}: ${stderr.trim() || `exit ${code}`}`);
  }
}

/** Runs a command without a shell; rejects with its stderr on a non-zero exit. Bounded by `timeoutMs`. */
export function run(argv: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    const child = spawn(file, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CommandError(argv, null, e.message));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new CommandError(argv, code, err));
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(opts.input);
    }
  });
}

/** The same, for clean-up steps whose failure means "already gone". */
export async function runQuiet(argv: string[]): Promise<boolean> {
  return run(argv).then(
    () => true,
    () => false,
  );
}

export async function linkExists(name: string, namespace: string | null): Promise<boolean> {
  return runQuiet(namespace ? ['ip', '-n', namespace, 'link', 'show', 'dev', name] : ['ip', 'link', 'show', 'dev', name]);
}

export async function namespaceExists(name: string): Promise<boolean> {
  const out = await run(['ip', 'netns', 'list']).catch(() => '');
  return out.split('\n').some((l) => l.split(' ')[0] === name);
}

export async function ensureNamespace(name: string): Promise<void> {
  if (!(await namespaceExists(name))) {
    await run(['ip', 'netns', 'add', name]).catch(async (e) => {
      if (!(await namespaceExists(name))) throw e;
    });
  }
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not reaped) is not alive for our purposes.
  try {
    const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8') as string;
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Short, interface-name-safe tag (hex) from a UUID. */
export function tagOf(uuid: string, length = 10): string {
  return uuid.replace(/-/g, '').slice(0, length);
}
