import { parentPort, workerData } from 'node:worker_threads';
import { makeBatchDecoder, RawBatch } from './decode-batch';

/**
 * Decode thread: HMAC check, inflate and JSON parse of heartbeat batches, off the main thread. The key
 * arrives in workerData (never on the command line); results go back as one JSON text per batch.
 */
const { key, options, compact } = workerData as { key: string; options: { maxPacketBytes?: number }; compact: boolean };
const decodeBatch = makeBatchDecoder(key, options, compact);
parentPort!.on('message', (batch: RawBatch & { seq: number }) => {
  parentPort!.postMessage({ seq: batch.seq, ...decodeBatch(batch) });
});
