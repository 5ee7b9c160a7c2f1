import { createSocket, Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JsonLogger, MetricsRegistry } from '../../../../libs/common/src';
import { createHeartbeatDecoder, HeartbeatDecodeError, HeartbeatMessage } from '../../../../libs/heartbeat/src';
import { DecodedBatch, parseDecoded, RawBatch } from './decode-batch';

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
  /** A full message; `versionKey` names it when a decode thread may later repeat it in compact form. */
  full(message: HeartbeatMessage, receivedAt: number, versionKey?: string): void;
  /** A repeat of the full message `versionKey` with new statistics (5 numbers per listener). */
  compact(full: HeartbeatMessage, versionKey: string, stats: number[], receivedAt: number): void;
}

const BATCH_PACKETS = 256;
/** 256 batches of up to 256 packets: far more than a second's worth at the design rate. */
const MAX_BATCHES_IN_FLIGHT = 256;

/**
 * The UDP side: one socket on bind_ip:bind_port. Each datagram is stamped with its receive time on arrival
 * (that time, not the processing time, is what liveness and lateness use), then authenticated and parsed
 * by the shared codec, on decode threads when configured. Packets that fail are counted by reason in
 * `octavia_hm_packets_dropped_total` and never reach the sink.
 */
export class HeartbeatReceiver {
  private socket?: Socket;
  private workers: Worker[] = [];
  private next = 0;
  private pending: Buffer[] = [];
  private pendingTimes: number[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private inFlight = 0;
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
    const a = this.socket!.address();
    return { address: a.address, port: a.port };
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.opts.decodeThreads; i++) this.workers.push(this.spawnWorker());
    const socket = createSocket({ type: this.opts.bindIp.includes(':') ? 'udp6' : 'udp4' });
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
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve()));
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }

  private spawnWorker(): Worker {
    const js = join(__dirname, 'decode-worker.js');
    const options = { workerData: { key: this.opts.heartbeatKey, options: { maxPacketBytes: this.opts.maxPacketBytes }, compact: true } };
    let worker: Worker;
    if (existsSync(js)) {
      worker = new Worker(js, options);
    } else {
      // Running from TypeScript sources (tests, `node -r scripts/swc-register.js`): compile on load.
      const register = join(__dirname, '..', '..', '..', '..', 'scripts', 'swc-register.js');
      const ts = join(__dirname, 'decode-worker.ts');
      worker = new Worker(`require(${JSON.stringify(register)}); require(${JSON.stringify(ts)});`, { ...options, eval: true });
    }
    const index = this.workers.length;
    const fulls = new Map<string, { version: number; message: HeartbeatMessage }>();
    worker.on('message', (out: DecodedBatch) => {
      this.inFlight--;
      this.deliver(out, index, fulls);
    });
    worker.on('error', (err) => this.logger.error({ msg: 'heartbeat decode thread failed', error: String(err) }));
    worker.unref();
    return worker;
  }

  private onPacket(packet: Buffer, receivedAt: number): void {
    this.received.inc();
    if (!this.workers.length) {
      this.decodeHere(packet, receivedAt);
      return;
    }
    this.pending.push(packet);
    this.pendingTimes.push(receivedAt);
    this.pendingBytes += packet.length;
    if (this.pending.length >= BATCH_PACKETS) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.pending.length) return;
    const data = Buffer.allocUnsafeSlow(this.pendingBytes);
    const lengths = new Uint32Array(this.pending.length);
    let offset = 0;
    this.pending.forEach((p, i) => {
      p.copy(data, offset);
      offset += p.length;
      lengths[i] = p.length;
    });
    const batch: RawBatch = { data: data.buffer as ArrayBuffer, lengths, times: Float64Array.from(this.pendingTimes) };
    this.pending = [];
    this.pendingTimes = [];
    this.pendingBytes = 0;
    if (this.inFlight >= MAX_BATCHES_IN_FLIGHT) {
      // The decode threads are behind by more than a second of heartbeats: shed load here (counted)
      // instead of queueing without bound; those heartbeats would arrive too late to count anyway.
      this.dropped.inc({ reason: 'overload' }, lengths.length);
      return;
    }
    const worker = this.workers[this.next++ % this.workers.length];
    this.inFlight++;
    worker.postMessage(batch, [batch.data, lengths.buffer as ArrayBuffer, batch.times.buffer as ArrayBuffer]);
  }

  /** decode_threads = 0: the shared codec on this thread, no batching round trip. */
  private decodeHere(packet: Buffer, receivedAt: number): void {
    let message: HeartbeatMessage;
    try {
      message = this.decode(packet).message;
    } catch (err) {
      const reason = err instanceof HeartbeatDecodeError ? err.reason : 'bad_payload';
      this.deliver({ json: '[]', count: 0, failures: { [reason]: 1 }, samples: [{ reason, message: (err as Error).message, bytes: packet.length }] }, -1, new Map());
      return;
    }
    this.sink.full(message, receivedAt);
  }

  private deliver(out: DecodedBatch, worker: number, fulls: Map<string, { version: number; message: HeartbeatMessage }>): void {
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
        this.sink.full(message, receivedAt, `${worker}:${version}`);
      } else {
        const [, receivedAt, id, version, stats] = entry;
        const full = fulls.get(id);
        // Cannot happen while batches from one thread arrive in order; counted rather than trusted.
        if (!full || full.version !== version) this.dropped.inc({ reason: 'desync' });
        else {
          this.compacted.inc();
          this.sink.compact(full.message, `${worker}:${version}`, stats, receivedAt);
        }
      }
    }
  }
}
