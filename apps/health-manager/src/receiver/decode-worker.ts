import { createSocket, Socket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { DecodedBatch, makeBatchDecoder } from './decode-batch';
import { findUdpSocketFd } from './socket-fd';

/**
 * A receiving decode thread: reads heartbeat datagrams from the manager's UDP socket (binding it, or wrapping
 * the descriptor another thread bound), stamps each with its receive time, and decodes them in batches (HMAC,
 * inflate, parse or the compact repeat form). Results go to the main thread as one JSON text per batch. The
 * main thread's pauses (database flushes, collection of its large heap) never stop the socket being read.
 * The key arrives in workerData (never on the command line).
 */
export interface ReceiveThreadData {
  key: string;
  options: { maxPacketBytes?: number };
  type: 'udp4' | 'udp6';
  bindIp: string;
  bindPort: number;
  /** Wrap this descriptor (bound by the first thread) instead of binding. */
  fd?: number;
  sockRlimit: number;
  /** Int32Array over a SharedArrayBuffer: packets handed to the main thread and not yet processed. */
  inFlight: SharedArrayBuffer;
  maxInFlight: number;
}

export type ReceiveThreadMessage =
  | { kind: 'bound'; address: string; port: number; fd: number | null; recvBufferBytes: number }
  | { kind: 'error'; message: string }
  | ({ kind: 'batch'; received: number; shed: number; packets: number } & DecodedBatch);

const BATCH_PACKETS = 256;
const data = workerData as ReceiveThreadData;
const decodeBatch = makeBatchDecoder(data.key, data.options, true);
const inFlight = new Int32Array(data.inFlight);
let packets: Buffer[] = [];
let times: number[] = [];
let scheduled = false;

function post(message: ReceiveThreadMessage): void {
  parentPort!.postMessage(message);
}

function flush(): void {
  scheduled = false;
  if (!packets.length) return;
  const batch = { packets, times };
  packets = [];
  times = [];
  const n = batch.packets.length;
  if (Atomics.load(inFlight, 0) + n > data.maxInFlight) {
    // The main thread is more than ~1 s of heartbeats behind: shed here (counted) instead of queueing
    // without bound; these heartbeats would be ignored as late anyway.
    post({ kind: 'batch', received: n, shed: n, packets: 0, json: '[]', count: 0, failures: {}, samples: [] });
    return;
  }
  const out = decodeBatch(batch);
  Atomics.add(inFlight, 0, n);
  post({ kind: 'batch', received: n, shed: 0, packets: n, ...out });
}

const socket: Socket = createSocket(data.type);
socket.on('message', (packet) => {
  packets.push(packet);
  times.push(Date.now());
  if (packets.length >= BATCH_PACKETS) flush();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
socket.on('error', (err) => post({ kind: 'error', message: String(err) }));
if (data.fd !== undefined) {
  socket.bind({ fd: data.fd });
} else {
  socket.bind(data.bindPort, data.bindIp, () => {
    if (data.sockRlimit > 0) socket.setRecvBufferSize(data.sockRlimit);
    const a = socket.address();
    post({ kind: 'bound', address: a.address, port: a.port, fd: findUdpSocketFd(a.address, a.port, data.type), recvBufferBytes: socket.getRecvBufferSize() });
  });
}
