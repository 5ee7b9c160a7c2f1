import { createConnection } from 'node:net';

export class HaproxySocketError extends Error {
  constructor(
    readonly socketPath: string,
    message: string,
  ) {
    super(`${socketPath}: ${message}`);
    this.name = 'HaproxySocketError';
  }
}

/**
 * Send one command to an HAProxy CLI socket (stats socket or master CLI) and return the full
 * answer. In non-interactive mode HAProxy closes the connection after answering.
 */
export function queryHaproxySocket(socketPath: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection(socketPath);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new HaproxySocketError(socketPath, `no answer to "${command}" within ${timeoutMs} ms`));
    });
    // Half-close after the command: the master CLI only answers once its input ends.
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err) => reject(new HaproxySocketError(socketPath, err.message)));
    socket.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** `show proc` on the master CLI: the master's reload counters and the current workers. */
export interface MasterProcessState {
  masterPid: number;
  reloads: number;
  failedReloads: number;
  /** Workers of the current generation (reloads == 0). */
  currentWorkers: number[];
  oldWorkers: number[];
}

export function parseShowProc(text: string): MasterProcessState | null {
  let section: 'master' | 'workers' | 'old' | 'other' = 'master';
  let state: MasterProcessState | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '# workers') section = 'workers';
    else if (line === '# old workers') section = 'old';
    else if (line.startsWith('# ')) section = 'other';
    if (!line || line.startsWith('#')) continue;
    const cols = line.split(/\s+/);
    const pid = Number.parseInt(cols[0], 10);
    if (!Number.isInteger(pid)) continue;
    if (cols[1] === 'master' && section === 'master') {
      const failed = /\[failed:\s*(\d+)\]/.exec(line);
      state = {
        masterPid: pid,
        reloads: Number.parseInt(cols[2], 10) || 0,
        failedReloads: failed ? Number.parseInt(failed[1], 10) : 0,
        currentWorkers: [],
        oldWorkers: [],
      };
    } else if (state && cols[1] === 'worker') {
      if (section === 'workers') state.currentWorkers.push(pid);
      else if (section === 'old') state.oldWorkers.push(pid);
    }
  }
  return state;
}
