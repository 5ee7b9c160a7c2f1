import { isUtf8 } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { inflateSmall } from './fast-inflate';
import type { HeartbeatMessage, HeartbeatPayloadV3 } from './heartbeat.types';

/**
 * Heartbeat envelope (heartbeat.md §2): `zlib(JSON) || tag`, where tag is the lowercase hex
 * HMAC-SHA256 of the compressed bytes (64 ASCII bytes). Old amphorae append the raw 32-byte
 * digest instead; the decoder accepts both.
 */

/** The HM reads at most this many bytes per datagram (recvfrom(65536)). */
export const HEARTBEAT_MAX_PACKET_BYTES = 65536;
/** Largest UDP payload over IPv4; an encoded heartbeat must fit in one datagram. */
export const HEARTBEAT_MAX_DATAGRAM_BYTES = 65507;
/** Zip-bomb guard: a heartbeat's JSON is a few KiB even for large load balancers. */
export const HEARTBEAT_DEFAULT_MAX_INFLATED_BYTES = 4 * 1024 * 1024;

const HEX_TAG_BYTES = 64;
const RAW_TAG_BYTES = 32;
/** Smallest valid zlib stream: 2-byte header, 1 byte of DEFLATE, 4-byte Adler-32 + slack. */
const MIN_ZLIB_BYTES = 8;

export type HeartbeatDecodeFailure =
  | 'oversize'
  | 'too_short'
  | 'bad_hmac'
  | 'bad_zlib'
  | 'inflated_oversize'
  | 'bad_json'
  | 'bad_payload';

export class HeartbeatDecodeError extends Error {
  /** Packets that fail to decode are dropped; 400 expresses "the sender's fault". */
  readonly status = 400;

  constructor(
    readonly reason: HeartbeatDecodeFailure,
    message: string,
  ) {
    super(message);
    this.name = 'HeartbeatDecodeError';
  }
}

export type HeartbeatEncodeFailure = 'oversize';

export class HeartbeatEncodeError extends Error {
  readonly status = 500;

  constructor(
    readonly reason: HeartbeatEncodeFailure,
    message: string,
  ) {
    super(message);
    this.name = 'HeartbeatEncodeError';
  }
}

/** A heartbeat key as configured (`[health_manager] heartbeat_key`), or its UTF-8 bytes. */
export type HeartbeatKey = string | Buffer;

export interface HeartbeatDecodeOptions {
  /** Packets longer than this are rejected before any crypto (default 65536). */
  maxPacketBytes?: number;
  /** Upper bound on the decompressed JSON (default 4 MiB). */
  maxInflatedBytes?: number;
  /** Accept the legacy raw 32-byte digest (default true, as upstream does). */
  acceptLegacyDigest?: boolean;
}

export interface HeartbeatEncodeOptions {
  /** zlib level; upstream uses 9 and any level verifies. */
  level?: number;
  /** Refuse to produce datagrams larger than this (default 65507). */
  maxDatagramBytes?: number;
}

export type HeartbeatTagForm = 'hex' | 'binary';

export interface DecodedHeartbeat {
  message: HeartbeatMessage;
  /** Which tag form authenticated the packet (binary = legacy amphora). */
  tag: HeartbeatTagForm;
}

function keyBytes(key: HeartbeatKey): Buffer {
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

function hmacSha256(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Serialise, compress and sign one heartbeat. */
export function encodeHeartbeat(
  payload: HeartbeatPayloadV3 | HeartbeatMessage,
  key: HeartbeatKey,
  options: HeartbeatEncodeOptions = {},
): Buffer {
  const json = Buffer.from(JSON.stringify(payload), 'utf8');
  const compressed = deflateSync(json, { level: options.level ?? 9 });
  const tag = Buffer.from(hmacSha256(keyBytes(key), compressed).toString('hex'), 'latin1');
  const datagram = Buffer.concat([compressed, tag]);
  const limit = options.maxDatagramBytes ?? HEARTBEAT_MAX_DATAGRAM_BYTES;
  if (datagram.length > limit) {
    throw new HeartbeatEncodeError(
      'oversize',
      `heartbeat of ${datagram.length} bytes exceeds the ${limit}-byte datagram limit`,
    );
  }
  return datagram;
}

function inflateText(compressed: Buffer, maxInflatedBytes: number): string {
  let json: Buffer;
  try {
    json = inflateSmall(compressed, maxInflatedBytes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HeartbeatDecodeError('inflated_oversize', `payload inflates beyond ${maxInflatedBytes} bytes`);
    }
    throw new HeartbeatDecodeError('bad_zlib', `payload is not a valid zlib stream: ${(err as Error).message}`);
  }
  // Invalid UTF-8 is a malformed payload, as in upstream (checked natively, then decoded without a second check).
  if (!isUtf8(json)) throw new HeartbeatDecodeError('bad_json', 'payload is not UTF-8 JSON: invalid UTF-8');
  return json.toString('utf8');
}

/** Parse an authenticated heartbeat's JSON text; throws `HeartbeatDecodeError` (bad_json, bad_payload). */
export function parseHeartbeatText(text: string): HeartbeatMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new HeartbeatDecodeError('bad_json', `payload is not UTF-8 JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HeartbeatDecodeError('bad_payload', 'payload is not a JSON object');
  }
  if (typeof (parsed as { id?: unknown }).id !== 'string') {
    throw new HeartbeatDecodeError('bad_payload', 'payload has no string "id"');
  }
  return parsed as HeartbeatMessage;
}

/** An authenticated datagram's payload before parsing: its JSON text (valid UTF-8) and the tag form. */
export interface OpenedHeartbeat {
  text: string;
  tag: HeartbeatTagForm;
}

/**
 * Build an opener bound to one key: size checks, HMAC, inflate and UTF-8 validation, but no JSON parsing
 * (the health manager's decode threads skip the parse for heartbeats that only repeat known statuses).
 */
export function createHeartbeatOpener(key: HeartbeatKey, options: HeartbeatDecodeOptions = {}): (packet: Buffer) => OpenedHeartbeat {
  const k = keyBytes(key);
  const maxPacketBytes = options.maxPacketBytes ?? HEARTBEAT_MAX_PACKET_BYTES;
  const maxInflatedBytes = options.maxInflatedBytes ?? HEARTBEAT_DEFAULT_MAX_INFLATED_BYTES;
  const acceptLegacy = options.acceptLegacyDigest ?? true;
  const minBytes = (acceptLegacy ? RAW_TAG_BYTES : HEX_TAG_BYTES) + MIN_ZLIB_BYTES;

  return (packet: Buffer): OpenedHeartbeat => {
    if (packet.length > maxPacketBytes) {
      throw new HeartbeatDecodeError('oversize', `packet of ${packet.length} bytes exceeds ${maxPacketBytes}`);
    }
    if (packet.length < minBytes) {
      throw new HeartbeatDecodeError('too_short', `packet of ${packet.length} bytes is too short for a heartbeat`);
    }

    if (packet.length >= HEX_TAG_BYTES + MIN_ZLIB_BYTES) {
      const split = packet.length - HEX_TAG_BYTES;
      const body = packet.subarray(0, split);
      // Compare ASCII bytes, not decoded hex: upstream rejects an uppercase tag and so do we.
      const expected = Buffer.from(createHmac('sha256', k).update(body).digest('hex'), 'latin1');
      if (timingSafeEqual(expected, packet.subarray(split))) {
        return { text: inflateText(body, maxInflatedBytes), tag: 'hex' };
      }
    }

    if (acceptLegacy) {
      const split = packet.length - RAW_TAG_BYTES;
      const body = packet.subarray(0, split);
      if (timingSafeEqual(hmacSha256(k, body), packet.subarray(split))) {
        return { text: inflateText(body, maxInflatedBytes), tag: 'binary' };
      }
    }

    throw new HeartbeatDecodeError('bad_hmac', 'heartbeat HMAC does not match (wrong key or tampered packet)');
  };
}

/**
 * Build a decoder bound to one key. This is the hot path of the health manager: the key
 * bytes and options are resolved once, and each packet costs one HMAC (two for legacy
 * packets or forgeries), one inflate and one JSON.parse.
 */
export function createHeartbeatDecoder(
  key: HeartbeatKey,
  options: HeartbeatDecodeOptions = {},
): (packet: Buffer) => DecodedHeartbeat {
  const open = createHeartbeatOpener(key, options);
  return (packet: Buffer): DecodedHeartbeat => {
    const { text, tag } = open(packet);
    return { message: parseHeartbeatText(text), tag };
  };
}

/** Authenticate and parse one datagram; throws `HeartbeatDecodeError` on any failure. */
export function decodeHeartbeat(
  packet: Buffer,
  key: HeartbeatKey,
  options?: HeartbeatDecodeOptions,
): HeartbeatMessage {
  return createHeartbeatDecoder(key, options)(packet).message;
}
