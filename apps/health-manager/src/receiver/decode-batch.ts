import {
  createHeartbeatDecoder,
  HeartbeatDecodeError,
  HeartbeatDecodeOptions,
  HeartbeatKey,
  HeartbeatMessage,
} from '../../../../libs/heartbeat/src';

/**
 * A batch of raw datagrams as it travels to a decode thread: one transferable buffer holding the packets
 * back to back, their lengths, and their receive times (ms since the epoch, stamped on arrival).
 */
export interface RawBatch {
  data: ArrayBuffer;
  lengths: Uint32Array;
  times: Float64Array;
}

/** What comes back: decoded messages as one JSON text (one parse on the main thread) and failure counts. */
export interface DecodedBatch {
  /** JSON of Array<[receivedAtMs, message]>. */
  json: string;
  count: number;
  failures: Record<string, number>;
  /** A few failure samples for logging (reason, length, sender-independent). */
  samples: Array<{ reason: string; message: string; bytes: number }>;
}

export function makeBatchDecoder(key: HeartbeatKey, options: HeartbeatDecodeOptions) {
  const decode = createHeartbeatDecoder(key, options);
  return (batch: RawBatch): DecodedBatch => {
    const data = Buffer.from(batch.data);
    const parts: string[] = [];
    const failures: Record<string, number> = {};
    const samples: DecodedBatch['samples'] = [];
    let offset = 0;
    for (let i = 0; i < batch.lengths.length; i++) {
      const len = batch.lengths[i];
      const packet = data.subarray(offset, offset + len);
      offset += len;
      try {
        const { message } = decode(packet);
        parts.push(`[${batch.times[i]},${JSON.stringify(message)}]`);
      } catch (err) {
        const reason = err instanceof HeartbeatDecodeError ? err.reason : 'bad_payload';
        failures[reason] = (failures[reason] ?? 0) + 1;
        if (samples.length < 3) samples.push({ reason, message: (err as Error).message, bytes: len });
      }
    }
    return { json: `[${parts.join(',')}]`, count: parts.length, failures, samples };
  };
}

export function parseDecoded(batch: DecodedBatch): Array<[number, HeartbeatMessage]> {
  return batch.count ? (JSON.parse(batch.json) as Array<[number, HeartbeatMessage]>) : [];
}
