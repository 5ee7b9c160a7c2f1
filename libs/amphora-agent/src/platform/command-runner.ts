import { spawn } from 'node:child_process';
import { CommandResult, CommandRunner, RunOptions } from './platform';

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Runs commands with `spawn` (no shell), capturing output; never throws. */
export class ChildProcessRunner implements CommandRunner {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    return new Promise((resolve) => {
      const [file, ...args] = argv;
      const child = spawn(file, args, { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (result: CommandResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish({ code: -1, stdout: Buffer.concat(out).toString(), stderr: `${Buffer.concat(err)}\ntimed out` });
      }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_OUTPUT_BYTES) into.push(chunk);
      };
      child.stdout.on('data', collect(out));
      child.stderr.on('data', collect(err));
      child.on('error', (e) => finish({ code: -1, stdout: '', stderr: `${file}: ${e.message}` }));
      child.on('close', (code, signal) =>
        finish({
          code: code ?? -1,
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString() + (signal ? `\nkilled by ${signal}` : ''),
        }),
      );
      // A command that exits without reading its input makes our write fail with EPIPE; its
      // exit status is what matters, and 'close' still reports it.
      child.stdin.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') finish({ code: -1, stdout: '', stderr: `${file}: ${e.message}` });
      });
      child.stdin.end(options.input ?? '');
    });
  }
}
