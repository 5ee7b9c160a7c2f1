import { createConnection, Socket } from 'node:net';

export class QmpError extends Error {
  constructor(readonly command: string, readonly errorClass: string, desc: string) {
    super(`QMP ${command}: ${errorClass}: ${desc}`);
  }
}

interface Pending {
  command: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** A minimal QMP client: capabilities negotiation, commands by id, events kept for waiters. */
export class QmpClient {
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly events: Array<{ event: string; data?: Record<string, unknown> }> = [];
  private readonly eventWaiters: Array<() => void> = [];
  private closed: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('QMP socket closed')));
  }

  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection(path);
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`QMP connect to ${path} timed out`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
    const client = new QmpClient(socket);
    await client.execute('qmp_capabilities', undefined, timeoutMs);
    return client;
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const w of this.eventWaiters.splice(0)) w();
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (typeof msg.event === 'string') {
        this.events.push({ event: msg.event, data: msg.data as Record<string, unknown> | undefined });
        for (const w of this.eventWaiters.splice(0)) w();
        continue;
      }
      const id = typeof msg.id === 'string' ? msg.id : undefined;
      const p = id ? this.pending.get(id) : undefined;
      if (!p || !id) continue;
      this.pending.delete(id);
      if (msg.error) {
        const e = msg.error as { class?: string; desc?: string };
        p.reject(new QmpError(p.command, e.class ?? 'Error', e.desc ?? ''));
      } else {
        p.resolve(msg.return);
      }
    }
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = `c${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`QMP ${command} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        command,
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id })}\n`);
    });
  }

  /** Waits for an event matching `pred` (already received ones count). Resolves false on timeout. */
  async waitEvent(pred: (e: { event: string; data?: Record<string, unknown> }) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const idx = this.events.findIndex(pred);
      if (idx >= 0) {
        this.events.splice(idx, 1);
        return true;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.eventWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
