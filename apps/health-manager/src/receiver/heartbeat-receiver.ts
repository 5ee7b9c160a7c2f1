import { createSocket, Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JsonLogger, MetricsRegistry } from '../../../../libs/common/src';
import { createHeartbeatDecoder, HeartbeatDecodeError, HeartbeatMessage } from '../../../../libs/heartbeat/src';
import { DecodedBatch, parseDecoded } from './decode-batch';
import type { ReceiveThreadData, ReceiveThreadMessage } from './decode-worker';

export interface ReceiverOptions {
  bindIp: string;
  bindPort: number;
  heartbeatKey: string;
  /** Decode threads; 0 decodes on the main thread. */
  decodeThreads: number;
  /** SO_RCVBUF in bytes when > 0 (`[health_manager] sock_rlimit`). */
  sockRlimit: number;
  /** Packets longer than this are dropped as `oversize` before any crypto (default 65536, as upstream reads). */
  maxPacketBytes?: number;
}

/** Where decoded heartbeats go (the processor). */
export interface HeartbeatSink {
  /** A full message. */
  full(message: HeartbeatMessage, receivedAt: number): void;
  /** A repeat of the (same object) full message `full` with new statistics (5 numbers per listener). */
  compact(full: HeartbeatMessage, stats: number[], receivedAt: number): void;
}

/**
 * Packets handed to the main thread and not yet processed: about a second's worth at the design rate
 * (50,000/s). Beyond it the receiving threads shed (counted as `overload`).
 */
const MAX_PACKETS_IN_FLIGHT = 65_536;

/**
 * The UDP side: one socket on bind_ip:bind_port. With decode threads (the default), the threads themselves
 * read the socket: the first binds it, the others wrap the same descriptor (found through /proc; Node 20 has
 * no SO_REUSEPORT for dgram), so datagrams are read, stamped with their receive time, authenticated and
 * parsed off the main thread, and the main thread's pauses never leave the socket unread. Without decode
 * threads the main thread reads and decodes. The receive time, not the processing time, is what liveness and
 * lateness use. Packets that fail are counted by reason in `octavia_hm_packets_dropped_total` and never reach
 * the sink.
 */
export class HeartbeatReceiver {
  private socket?: Socket;
  private workers: Worker[] = [];
  private stopping = false;
  private restarting = false;
  private bound?: { address: string; port: number };
  private readonly inFlight = new Int32Array(new SharedArrayBuffer(4));
  private readonly received;
  private readonly dropped;
  private readonly decode;
  private readonly compacted;
  private lastSampleLog = 0;

  constructor(
    private readonly opts: ReceiverOptions,
    private readonly sink: HeartbeatSink,
    metrics: MetricsRegistry,
    private readonly logger: JsonLogger,
  ) {
    this.received = metrics.counter('octavia_hm_packets_received_total', 'Heartbeat datagrams received.');
    this.dropped = metrics.counter(
      'octavia_hm_packets_dropped_total',
      'Heartbeat datagrams dropped before processing, by reason (bad_hmac, oversize, too_short, bad_zlib, inflated_oversize, bad_json, bad_payload, overload).',
    );
    this.compacted = metrics.counter(
      'octavia_hm_heartbeats_compact_total',
      'Heartbeats a decode thread passed on as statistics only (statuses identical to its previous full message).',
    );
    this.decode = createHeartbeatDecoder(opts.heartbeatKey, { maxPacketBytes: opts.maxPacketBytes });
  }

  /** The bound address (port 0 in tests picks a free port). */
  address(): { address: string; port: number } {
    return { ...this.bound! };
  }

  /** Threads reading the socket (0: the main thread reads it). */
  receivingThreads(): number {
    return this.workers.length;
  }

  async start(): Promise<void> {
    this.stopping = false;
    const type = this.opts.bindIp.includes(':') ? 'udp6' : 'udp4';
    if (this.opts.decodeThreads > 0) {
      await this.startThreads(type, this.opts.bindPort);
      return;
    }
    const socket = createSocket({ type });
    this.socket = socket;
    socket.on('message', (packet) => this.onPacket(packet, Date.now()));
    socket.on('error', (err) => this.logger.error({ msg: 'heartbeat socket error', error: String(err) }));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.opts.bindPort, this.opts.bindIp, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (this.opts.sockRlimit > 0) socket.setRecvBufferSize(this.opts.sockRlimit);
    this.checkBuffer(socket.getRecvBufferSize());
    const a = socket.address();
    this.bound = { address: a.address, port: a.port };
  }

  private async startThreads(type: 'udp4' | 'udp6', port: number): Promise<void> {
    const first = await this.spawnReceiver(type, port);
    for (let i = 1; i < this.opts.decodeThreads; i++) {
      if (first.fd === null) {
        this.logger.warn({ msg: 'the heartbeat socket descriptor was not found in /proc: one receiving thread only', requested: this.opts.decodeThreads });
        break;
      }
      await this.spawnReceiver(type, port, first.fd);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await new Promise<void>((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve()));
    this.socket = undefined;
    await this.endThreads();
  }

  /** Wrapping threads first: the binding thread owns the descriptor and closes it when it ends. */
  private async endThreads(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.slice(1).map((w) => w.terminate()));
    await Promise.all(workers.slice(0, 1).map((w) => w.terminate()));
  }

  /**
   * A receiving thread ended on its own (it never should). The others may hold a descriptor that its end
   * closed, so all of them go and the socket is bound afresh, retried each second until it works.
   */
  private restartThreads(thread: number, code: number): void {
    if (this.stopping || this.restarting) return;
    this.restarting = true;
    this.logger.error({ msg: 'a heartbeat receiving thread ended; restarting the receiving threads', thread, exit_code: code });
    const again = async (): Promise<void> => {
      await this.endThreads();
      if (this.stopping) return;
      Atomics.store(this.inFlight, 0, 0); // batches of the ended threads will not all come back
      try {
        await this.startThreads(this.opts.bindIp.includes(':') ? 'udp6' : 'udp4', this.bound?.port ?? this.opts.bindPort); // the same port, also when it was 0
        this.logger.info({ msg: 'heartbeat receiving threads restarted', threads: this.workers.length });
        this.restarting = false;
      } catch (err) {
        this.logger.error({ msg: 'heartbeat receiving threads could not restart; retrying', error: String(err) });
        setTimeout(() => void again(), 1000).unref();
      }
    };
    setTimeout(() => void again(), 100).unref();
  }

  /** Linux doubles SO_RCVBUF and caps the request at net.core.rmem_max: say so when the cap bit. */
  private checkBuffer(granted: number): void {
    if (this.opts.sockRlimit > 0 && granted < 2 * this.opts.sockRlimit) { // Linux reports twice what it grants as payload
      this.logger.warn({
        msg: 'heartbeat socket receive buffer is smaller than sock_rlimit asks (raise net.core.rmem_max)',
        sock_rlimit: this.opts.sockRlimit,
        granted_bytes: granted,
      });
    }
  }

  /** Starts a receiving decode thread: binding the socket (fd undefined) or wrapping the bound descriptor. */
  private spawnReceiver(type: 'udp4' | 'udp6', port: number, fd?: number): Promise<{ fd: number | null }> {
    const workerData: ReceiveThreadData = {
      key: this.opts.heartbeatKey,
      options: { maxPacketBytes: this.opts.maxPacketBytes },
      type,
      bindIp: this.opts.bindIp,
      bindPort: port,
      fd,
      sockRlimit: this.opts.sockRlimit,
      inFlight: this.inFlight.buffer as SharedArrayBuffer,
      maxInFlight: MAX_PACKETS_IN_FLIGHT,
    };
    const js = join(__dirname, 'decode-worker.js');
    let worker: Worker;
    if (existsSync(js)) {
      worker = new Worker(js, { workerData });
    } else {
      // Running from TypeScript sources (tests, `node -r scripts/swc-register.js`): compile on load.
      const register = join(__dirname, '..', '..', '..', '..', 'scripts', 'swc-register.js');
      const ts = join(__dirname, 'decode-worker.ts');
      worker = new Worker(`require(${JSON.stringify(register)}); require(${JSON.stringify(ts)});`, { workerData, eval: true });
    }
    const index = this.workers.length;
    this.workers.push(worker);
    const fulls = new Map<string, { version: number; message: HeartbeatMessage }>();
    worker.unref();
    return new Promise((resolve, reject) => {
      let ready = fd !== undefined;
      if (ready) resolve({ fd: fd! });
      worker.on('message', (m: ReceiveThreadMessage) => {
        if (m.kind === 'batch') {
          this.received.inc({}, m.received);
          if (m.shed) this.dropped.inc({ reason: 'overload' }, m.shed);
          this.deliver(m, fulls);
          Atomics.sub(this.inFlight, 0, m.packets);
        } else if (m.kind === 'bound') {
          this.bound = { address: m.address, port: m.port };
          this.checkBuffer(m.recvBufferBytes);
          ready = true;
          resolve({ fd: m.fd });
        } else if (!ready) {
          ready = true;
          this.workers.splice(this.workers.indexOf(worker), 1);
          void worker.terminate();
          reject(new Error(`heartbeat socket ${this.opts.bindIp}:${port}: ${m.message}`));
        } else {
          this.logger.error({ msg: 'heartbeat socket error', error: m.message, thread: index });
        }
      });
      worker.on('error', (err) => {
        this.logger.error({ msg: 'heartbeat receiving thread failed', error: String(err), thread: index });
        if (!ready) {
          ready = true;
          reject(err);
        }
      });
      worker.on('exit', (code) => {
        if (ready && this.workers.includes(worker)) this.restartThreads(index, code);
      });
    });
  }

  /** decode_threads = 0: the main thread reads and decodes with the shared codec, no batching round trip. */
  private onPacket(packet: Buffer, receivedAt: number): void {
    this.received.inc();
    let message: HeartbeatMessage;
    try {
      message = this.decode(packet).message;
    } catch (err) {
      const reason = err instanceof HeartbeatDecodeError ? err.reason : 'bad_payload';
      this.deliver({ json: '[]', count: 0, failures: { [reason]: 1 }, samples: [{ reason, message: (err as Error).message, bytes: packet.length }] }, new Map());
      return;
    }
    this.sink.full(message, receivedAt);
  }

  private deliver(out: DecodedBatch, fulls: Map<string, { version: number; message: HeartbeatMessage }>): void {
    for (const [reason, n] of Object.entries(out.failures)) this.dropped.inc({ reason }, n);
    if (out.samples.length && Date.now() - this.lastSampleLog > 5000) {
      this.lastSampleLog = Date.now();
      // Upstream logs every HMAC failure; one sample per 5 s keeps a flood of forged packets from flooding the log.
      this.logger.warn({ msg: 'heartbeat packets dropped', samples: out.samples, counts: out.failures });
    }
    for (const entry of parseDecoded(out)) {
      if (entry[0] === 0) {
        const [, receivedAt, version, message] = entry;
        if (fulls.size >= 1_000_000) fulls.clear();
        fulls.set(message.id, { version, message });
        this.sink.full(message, receivedAt);
      } else {
        const [, receivedAt, id, version, stats] = entry;
        const full = fulls.get(id);
        // Cannot happen while batches from one thread arrive in order; counted rather than trusted.
        if (!full || full.version !== version) this.dropped.inc({ reason: 'desync' });
        else {
          this.compacted.inc();
          this.sink.compact(full.message, stats, receivedAt);
        }
      }
    }
  }
}
