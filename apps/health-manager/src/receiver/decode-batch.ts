import {
  createHeartbeatOpener,
  HeartbeatDecodeError,
  HeartbeatDecodeOptions,
  HeartbeatKey,
  HeartbeatMessage,
  parseHeartbeatText,
} from '../../../../libs/heartbeat/src';
import { JSON_NUMBER, numberPaths, splitNumbers } from './number-skeleton';

/** Datagrams as a receiving thread gathered them, each with its receive time (ms since the epoch). */
export interface RawBatch {
  packets: Buffer[];
  times: number[];
}

/**
 * What comes back: entries as one JSON text (one parse on the main thread) and failure counts.
 *
 * An entry is either full, `[0, receivedAt, version, message]`, or compact,
 * `[1, receivedAt, amphoraId, version, [rx, tx, conns, totconns, ereq, …per listener]]`. A decode thread
 * sends a compact entry when the heartbeat's text differs from the last full message it sent for that
 * amphora only in the numbers of `seq` and the listener statistics (so version, listener ids and statuses,
 * pools and members are the same); `version` names that full message, so the main thread re-uses it and
 * skips parsing and, when nothing else changed, the status rules.
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
const STAT_INDEX: Record<string, number> = { rx: 0, tx: 1, conns: 2, totconns: 3, ereq: 4 };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Whether repeats of this message may travel compactly: version ≥ 2 and every listener exactly
 * `{status, stats}` (anything else, e.g. nested pools, always goes in full).
 */
function compactable(message: HeartbeatMessage): boolean {
  const listeners = message.listeners as Record<string, unknown> | undefined;
  if (!isObject(listeners) || typeof message.ver !== 'number' || message.ver < 2) return false;
  for (const id in listeners) {
    const l = listeners[id] as Record<string, unknown>;
    if (!isObject(l) || typeof l.status !== 'string' || !isObject(l.stats)) return false;
    let fields = 0;
    for (const _ in l) fields++;
    if (fields !== 2) return false;
  }
  return true;
}

/**
 * What a decode thread remembers of the last full message it sent for an amphora, keyed by that message's
 * skeleton: where the statistics sit among its number tokens and which other tokens must not change.
 */
interface KnownSkeleton {
  idJson: string;
  version: number;
  tokens: number;
  /** Per listener (in the parsed message's key order) × STAT_KEYS: index of the token, or -1 (sent as 0). */
  statAt: Int32Array;
  /** Token indexes that may change freely: statistics and the top-level `seq`, checked as JSON numbers. */
  free: Int32Array;
  /** [index, token] pairs that must be exactly as before (e.g. `ver`). */
  fixed: Array<[number, string]>;
}

/** Works out a message's KnownSkeleton; null when its numbers cannot be mapped safely (then no compact repeats). */
function learn(text: string, tokens: string[], message: HeartbeatMessage, version: number): KnownSkeleton | null {
  const paths = numberPaths(text);
  if (!paths || paths.length !== tokens.length) return null;
  const listeners = message.listeners as Record<string, { stats: Record<string, unknown> }>;
  const order = new Map<string, number>();
  for (const id in listeners) order.set(id, order.size);
  const statAt = new Int32Array(order.size * STAT_KEYS.length).fill(-1);
  const free: number[] = [];
  const fixed: Array<[number, string]> = [];
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    if (path.length === 1 && path[0] === 'seq') {
      free.push(i);
      continue;
    }
    if (path.length === 4 && path[0] === 'listeners' && path[2] === 'stats' && typeof path[3] === 'string' && path[3] in STAT_INDEX) {
      const li = order.get(path[1] as string);
      if (li === undefined) return null;
      const slot = li * STAT_KEYS.length + STAT_INDEX[path[3]];
      if (statAt[slot] !== -1) return null; // a duplicate key: JSON.parse kept the last one; do not guess
      statAt[slot] = i;
      free.push(i);
      continue;
    }
    fixed.push([i, tokens[i]]);
  }
  // Every statistic the parsed message holds as a number must be one of those tokens.
  for (const [id, li] of order) {
    const stats = listeners[id].stats;
    for (const k of STAT_KEYS) {
      const has = typeof stats[k] === 'number';
      if (has !== (statAt[li * STAT_KEYS.length + STAT_INDEX[k]] !== -1)) return null;
    }
  }
  return { idJson: JSON.stringify(message.id), version, tokens: tokens.length, statAt, free: Int32Array.from(free), fixed };
}

/** The compact statistics of a repeat, or null when a token is not a finite JSON number or a fixed one changed. */
function repeatStats(known: KnownSkeleton, tokens: string[]): string | null {
  if (tokens.length !== known.tokens) return null;
  for (const [i, token] of known.fixed) if (tokens[i] !== token) return null;
  for (let f = 0; f < known.free.length; f++) {
    const token = tokens[known.free[f]];
    if (!JSON_NUMBER.test(token) || !Number.isFinite(Number(token))) return null;
  }
  let out = '';
  for (let s = 0; s < known.statAt.length; s++) {
    const at = known.statAt[s];
    out += s ? `,${at < 0 ? '0' : tokens[at]}` : at < 0 ? '0' : tokens[at];
  }
  return out;
}

/**
 * A decode thread's batch decoder: authenticates and inflates each datagram, then either recognises a
 * repeat (the skeleton of the last full message this thread sent for the amphora, with valid numbers: no
 * JSON.parse at all) and sends it compact, or parses it and sends it in full.
 */
export function makeBatchDecoder(key: HeartbeatKey, options: HeartbeatDecodeOptions, compact = false) {
  const open = createHeartbeatOpener(key, options);
  const bySkeleton = new Map<string, KnownSkeleton>();
  const skeletonOf = new Map<string, string>();
  let versions = 0;
  const tokens: string[] = [];
  return (batch: RawBatch): DecodedBatch => {
    const parts: string[] = [];
    const failures: Record<string, number> = {};
    const samples: DecodedBatch['samples'] = [];
    for (let i = 0; i < batch.packets.length; i++) {
      const packet = batch.packets[i];
      const len = packet.length;
      const t = batch.times[i];
      let message: HeartbeatMessage;
      let skeleton: string | null = null;
      try {
        const { text } = open(packet);
        if (compact) {
          tokens.length = 0;
          skeleton = splitNumbers(text, tokens);
          const known = skeleton === null ? undefined : bySkeleton.get(skeleton);
          const stats = known ? repeatStats(known, tokens) : null;
          if (known && stats !== null) {
            parts.push(`[1,${t},${known.idJson},${known.version},[${stats}]]`);
            continue;
          }
        }
        message = parseHeartbeatText(text);
        if (compact) {
          const version = versions + 1;
          const previous = skeletonOf.get(message.id);
          if (previous !== undefined) {
            bySkeleton.delete(previous);
            skeletonOf.delete(message.id);
          }
          const known = skeleton !== null && compactable(message) ? learn(text, tokens, message, version) : null;
          if (known) {
            if (skeletonOf.size >= 1_000_000) {
              skeletonOf.clear();
              bySkeleton.clear();
            }
            bySkeleton.set(skeleton!, known);
            skeletonOf.set(message.id, skeleton!);
          }
        }
      } catch (err) {
        const reason = err instanceof HeartbeatDecodeError ? err.reason : 'bad_payload';
        failures[reason] = (failures[reason] ?? 0) + 1;
        if (samples.length < 3) samples.push({ reason, message: (err as Error).message, bytes: len });
        continue;
      }
      const version = ++versions;
      parts.push(`[0,${t},${version},${JSON.stringify(message)}]`);
    }
    return { json: `[${parts.join(',')}]`, count: parts.length, failures, samples };
  };
}

export function parseDecoded(batch: DecodedBatch): DecodedEntry[] {
  return batch.count ? (JSON.parse(batch.json) as DecodedEntry[]) : [];
}
