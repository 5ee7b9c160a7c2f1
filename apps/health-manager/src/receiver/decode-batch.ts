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

/**
 * What comes back: entries as one JSON text (one parse on the main thread) and failure counts.
 *
 * An entry is either full, `[0, receivedAt, version, message]`, or compact,
 * `[1, receivedAt, amphoraId, version, [rx, tx, conns, totconns, ereq, …per listener]]`. A decode thread
 * sends a compact entry when everything but the statistics (version, listener ids and statuses, pools and
 * members) equals the last full message it sent for that amphora; `version` names that full message, so
 * the main thread re-uses it and skips parsing and, when nothing else changed, the status rules.
 */
export interface DecodedBatch {
  json: string;
  count: number;
  failures: Record<string, number>;
  /** A few failure samples for logging. */
  samples: Array<{ reason: string; message: string; bytes: number }>;
}

export type FullEntry = [0, number, number, HeartbeatMessage];
export type CompactEntry = [1, number, string, number, number[]];
export type DecodedEntry = FullEntry | CompactEntry;

const STAT_KEYS = ['rx', 'tx', 'conns', 'totconns', 'ereq'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The status-relevant part of a message as a string; null when the message cannot be sent compact. */
function statusKey(message: HeartbeatMessage): string | null {
  const listeners = message.listeners as Record<string, unknown> | undefined;
  if (!isObject(listeners) || typeof message.ver !== 'number' || message.ver < 2) return null;
  let key = `${message.ver}|`;
  for (const id in listeners) {
    const l = listeners[id] as Record<string, unknown>;
    if (!isObject(l) || typeof l.status !== 'string' || !isObject(l.stats)) return null;
    let fields = 0;
    for (const _ in l) fields++;
    if (fields !== 2) return null; // anything besides status and stats (e.g. nested pools): send in full
    key += `${id}=${l.status};`;
  }
  return `${key}|${JSON.stringify(message.pools ?? null)}`;
}

function statsOf(message: HeartbeatMessage): string {
  let out = '';
  const listeners = message.listeners as Record<string, { stats: Record<string, unknown> }>;
  for (const id in listeners) {
    const st = listeners[id].stats;
    for (const k of STAT_KEYS) {
      const v = st[k];
      out += out ? `,${typeof v === 'number' && Number.isFinite(v) ? v : 0}` : `${typeof v === 'number' && Number.isFinite(v) ? v : 0}`;
    }
  }
  return out;
}

export function makeBatchDecoder(key: HeartbeatKey, options: HeartbeatDecodeOptions, compact = false) {
  const decode = createHeartbeatDecoder(key, options);
  const lastSent = new Map<string, { key: string; version: number }>();
  let versions = 0;
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
      let message: HeartbeatMessage;
      try {
        message = decode(packet).message;
      } catch (err) {
        const reason = err instanceof HeartbeatDecodeError ? err.reason : 'bad_payload';
        failures[reason] = (failures[reason] ?? 0) + 1;
        if (samples.length < 3) samples.push({ reason, message: (err as Error).message, bytes: len });
        continue;
      }
      const t = batch.times[i];
      const k = compact ? statusKey(message) : null;
      const last = k === null ? undefined : lastSent.get(message.id);
      if (k !== null && last && last.key === k) {
        parts.push(`[1,${t},${JSON.stringify(message.id)},${last.version},[${statsOf(message)}]]`);
        continue;
      }
      const version = ++versions;
      if (k !== null) {
        if (lastSent.size >= 1_000_000) lastSent.clear();
        lastSent.set(message.id, { key: k, version });
      }
      parts.push(`[0,${t},${version},${JSON.stringify(message)}]`);
    }
    return { json: `[${parts.join(',')}]`, count: parts.length, failures, samples };
  };
}

export function parseDecoded(batch: DecodedBatch): DecodedEntry[] {
  return batch.count ? (JSON.parse(batch.json) as DecodedEntry[]) : [];
}
