import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export class HostCommandError extends Error {
  constructor(readonly argv: string[], readonly code: number | null, readonly stderr: string) {
    super(`${argv.join(' ')}: ${stderr.trim() || `exit ${code}`}`);
  }
}

/** Runs a command without a shell; rejects with its stderr on failure; killed after `timeoutMs`. */
export function exec(argv: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      err += `\n(killed after ${opts.timeoutMs ?? 60_000} ms)`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new HostCommandError(argv, null, e.message));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new HostCommandError(argv, code, err));
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(opts.input);
    }
  });
}

export async function execQuiet(argv: string[]): Promise<boolean> {
  return exec(argv).then(
    () => true,
    () => false,
  );
}

export function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    try {
      accessSync(`${dir}/${cmd}`, constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/** Installs Debian packages for the commands that are missing (apt-get; waits for the dpkg lock). */
export async function ensureCommands(wanted: Record<string, string>): Promise<string[]> {
  const packages = [...new Set(Object.entries(wanted).filter(([cmd]) => !onPath(cmd)).map(([, pkg]) => pkg))];
  if (packages.length > 0) {
    await exec(['apt-get', '-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', ...packages], {
      timeoutMs: 900_000,
    });
  }
  return packages;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
