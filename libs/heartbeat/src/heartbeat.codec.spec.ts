import { createHash, createHmac } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import {
  createHeartbeatDecoder,
  decodeHeartbeat,
  encodeHeartbeat,
  HeartbeatDecodeError,
  HeartbeatDecodeFailure,
  HeartbeatEncodeError,
} from './heartbeat.codec';
import { HeartbeatPayloadV3, isHeartbeatV3 } from './heartbeat.types';

// Vector from heartbeat.md §6.3, re-derived with CPython 3.11 (json.dumps, zlib.compress(…, 9),
// hmac/sha256) and frozen here.
const KEY = 'insecure-test-key';
const SPEC_PAYLOAD: HeartbeatPayloadV3 = {
  id: '2f1e3c1a-7d4b-4e55-9a0e-5b7c3f0c9d11',
  seq: 42,
  listeners: {
    '8d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60': {
      status: 'OPEN',
      stats: { tx: 1024, rx: 512, conns: 3, totconns: 7, ereq: 0 },
    },
  },
  pools: {
    'c0ffee00-1111-4222-8333-944455566677:8d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60': {
      status: 'UP',
      members: {
        'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee': 'UP',
        '11111111-2222-4333-8444-555555555555': 'DOWN',
      },
    },
  },
  ver: 3,
};
const SPEC_Z = Buffer.from(
  '78da9d4fcb6ec23010fc15e47357f2631d279ce915b8543dfbb196902069131721a1fc7bd709a89c3b17efae66c633' +
    '77714a62bb113a2b32517970090320590b9d970436b868b28c5d524abc6dc444df4c47cde3f93415ea699cf870176d' +
    'd2be899a4065c90699b5de78041354d4890d732317e2547cf9a91a7138beef174fbeac26e5c68f921af93ad6d9aafa' +
    '531cfabe120ccf6528cfd5f14ae31248cef3ccdbd7309c57a728732692121403506b0dad31063a44b4d6364de3dcf6' +
    '1f993f8e35f1852ee159dc3f00810118638436a504f4823fa57a00748d843552cb91c0bea0b27787cfbd584b5d69ac' +
    'dde75f63c47389',
  'hex',
);
const SPEC_TAG_HEX = '2f461d0ba391362819434bd8667d1b7b8f331379c83f6e2a9ce008cbd5a9f0a1';
const SPEC_DATAGRAM = Buffer.concat([SPEC_Z, Buffer.from(SPEC_TAG_HEX, 'ascii')]);
const SPEC_LEGACY_DATAGRAM = Buffer.concat([SPEC_Z, Buffer.from(SPEC_TAG_HEX, 'hex')]);

// Second CPython vector: non-ASCII id (json.dumps escapes it) and a non-ASCII key.
const UNICODE_KEY = 'ключ-🔑';
const UNICODE_DATAGRAM = Buffer.concat([
  Buffer.from(
    '78daab56ca4c51b252504acc2dd08d293530484bce0351a9694a3a0a4ac5a985403903202b27b3b824352fb5a818c8' +
      'afae050a14e4e7e7c03965a94540a6712d0081a6170e',
    'hex',
  ),
  Buffer.from('e52c31bf2e4abfdbeee7fd299d6520700d2e17b413961c99f43b4ca380ad781b', 'ascii'),
]);

function sign(z: Buffer, key = KEY): Buffer {
  return Buffer.concat([z, Buffer.from(createHmac('sha256', key).update(z).digest('hex'), 'ascii')]);
}

function failureOf(fn: () => unknown): HeartbeatDecodeFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof HeartbeatDecodeError) return err.reason;
    throw err;
  }
  throw new Error('expected a HeartbeatDecodeError');
}

describe('heartbeat codec — upstream vectors', () => {
  it('the frozen vector matches the spec sizes and digest', () => {
    expect(SPEC_Z).toHaveLength(242);
    expect(SPEC_DATAGRAM).toHaveLength(306);
    expect(SPEC_LEGACY_DATAGRAM).toHaveLength(274);
    expect(createHash('sha256').update(SPEC_DATAGRAM).digest('hex')).toBe(
      '6b10fd9633ac683847d1d7b12e74401e3b7bc2e3a6065240fb592aecc3133c29',
    );
    expect(SPEC_Z.readUInt32BE(SPEC_Z.length - 4)).toBe(0x63c47389);
  });

  it('decodes the 306-byte hex-tagged datagram to the spec object', () => {
    expect(decodeHeartbeat(SPEC_DATAGRAM, KEY)).toEqual(SPEC_PAYLOAD);
  });

  it('decodes the 274-byte legacy binary-tagged datagram', () => {
    const decode = createHeartbeatDecoder(KEY);
    const result = decode(SPEC_LEGACY_DATAGRAM);
    expect(result.tag).toBe('binary');
    expect(result.message).toEqual(SPEC_PAYLOAD);
    expect(decode(SPEC_DATAGRAM).tag).toBe('hex');
  });

  it('decodes a vector with a non-ASCII id and key', () => {
    const msg = decodeHeartbeat(UNICODE_DATAGRAM, UNICODE_KEY);
    expect(msg).toEqual({ id: 'amp-ünï', seq: 0, listeners: {}, pools: {}, ver: 3 });
    expect(isHeartbeatV3(msg)).toBe(true);
  });

  it('accepts the key as bytes', () => {
    expect(decodeHeartbeat(UNICODE_DATAGRAM, Buffer.from(UNICODE_KEY, 'utf8')).id).toBe('amp-ünï');
  });
});

describe('heartbeat codec — encoder', () => {
  it('produces Z || lowercase-hex HMAC(K, Z) with a zlib stream that inflates to the payload', () => {
    const datagram = encodeHeartbeat(SPEC_PAYLOAD, KEY);
    const z = datagram.subarray(0, datagram.length - 64);
    const tag = datagram.subarray(datagram.length - 64).toString('latin1');
    expect(tag).toMatch(/^[0-9a-f]{64}$/);
    expect(tag).toBe(createHmac('sha256', KEY).update(z).digest('hex'));
    expect(z.subarray(0, 2).toString('hex')).toBe('78da'); // zlib header, level 9
    expect(JSON.parse(inflateSync(z).toString('utf8'))).toEqual(SPEC_PAYLOAD);
  });

  it('keeps upstream key order', () => {
    const datagram = encodeHeartbeat(SPEC_PAYLOAD, KEY);
    const json = inflateSync(datagram.subarray(0, datagram.length - 64)).toString('utf8');
    expect(Object.keys(JSON.parse(json))).toEqual(['id', 'seq', 'listeners', 'pools', 'ver']);
  });

  it('round-trips through the decoder', () => {
    expect(decodeHeartbeat(encodeHeartbeat(SPEC_PAYLOAD, 'k'), 'k')).toEqual(SPEC_PAYLOAD);
  });

  it('refuses to build a datagram that would not fit in UDP', () => {
    const huge: HeartbeatPayloadV3 = { ...SPEC_PAYLOAD, pools: {} };
    for (let i = 0; i < 4000; i++) {
      huge.pools[`${i}-${createHash('sha256').update(String(i)).digest('hex')}`] = { status: 'UP', members: {} };
    }
    expect(() => encodeHeartbeat(huge, KEY)).toThrow(HeartbeatEncodeError);
  });
});

describe('heartbeat codec — rejection', () => {
  it('drops a packet with one flipped bit in Z', () => {
    for (const offset of [0, 10, 120, 241]) {
      const tampered = Buffer.from(SPEC_DATAGRAM);
      tampered[offset] ^= 0x01;
      expect(failureOf(() => decodeHeartbeat(tampered, KEY))).toBe('bad_hmac');
    }
  });

  it('drops a packet with a flipped tag bit', () => {
    const tampered = Buffer.from(SPEC_DATAGRAM);
    tampered[300] ^= 0x01;
    expect(failureOf(() => decodeHeartbeat(tampered, KEY))).toBe('bad_hmac');
  });

  it('drops a packet signed with another key', () => {
    expect(failureOf(() => decodeHeartbeat(SPEC_DATAGRAM, 'other-key'))).toBe('bad_hmac');
    expect(failureOf(() => decodeHeartbeat(SPEC_LEGACY_DATAGRAM, 'other-key'))).toBe('bad_hmac');
  });

  it('drops an uppercase hex tag', () => {
    const upper = Buffer.concat([SPEC_Z, Buffer.from(SPEC_TAG_HEX.toUpperCase(), 'ascii')]);
    expect(failureOf(() => decodeHeartbeat(upper, KEY))).toBe('bad_hmac');
  });

  it('drops a truncated packet', () => {
    expect(failureOf(() => decodeHeartbeat(SPEC_DATAGRAM.subarray(0, 305), KEY))).toBe('bad_hmac');
    expect(failureOf(() => decodeHeartbeat(Buffer.alloc(20), KEY))).toBe('too_short');
    expect(failureOf(() => decodeHeartbeat(Buffer.alloc(0), KEY))).toBe('too_short');
  });

  it('rejects packets over 64 KiB before doing any crypto', () => {
    expect(failureOf(() => decodeHeartbeat(Buffer.alloc(65537), KEY))).toBe('oversize');
    expect(failureOf(() => decodeHeartbeat(Buffer.alloc(2000), KEY, { maxPacketBytes: 1024 }))).toBe('oversize');
  });

  it('can refuse legacy binary tags', () => {
    expect(failureOf(() => decodeHeartbeat(SPEC_LEGACY_DATAGRAM, KEY, { acceptLegacyDigest: false }))).toBe(
      'bad_hmac',
    );
  });

  it('reports a correctly signed non-zlib body as bad_zlib', () => {
    expect(failureOf(() => decodeHeartbeat(sign(Buffer.from('definitely not zlib data')), KEY))).toBe('bad_zlib');
  });

  it('reports correctly signed non-JSON as bad_json', () => {
    expect(failureOf(() => decodeHeartbeat(sign(deflateSync('{"id": '), KEY), KEY))).toBe('bad_json');
    expect(failureOf(() => decodeHeartbeat(sign(deflateSync(Buffer.from([0x22, 0xff, 0x22]))), KEY))).toBe(
      'bad_json',
    );
  });

  it('reports JSON that is not an amphora message as bad_payload', () => {
    expect(failureOf(() => decodeHeartbeat(sign(deflateSync('[1, 2]')), KEY))).toBe('bad_payload');
    expect(failureOf(() => decodeHeartbeat(sign(deflateSync('{"seq": 1}')), KEY))).toBe('bad_payload');
  });

  it('stops inflating a zip bomb at the configured limit', () => {
    const bomb = sign(deflateSync(Buffer.alloc(8 * 1024 * 1024, 0x20), { level: 9 }));
    expect(bomb.length).toBeLessThan(65536);
    expect(failureOf(() => decodeHeartbeat(bomb, KEY))).toBe('inflated_oversize');
    expect(failureOf(() => decodeHeartbeat(bomb, KEY, { maxInflatedBytes: 1024 }))).toBe('inflated_oversize');
  });

  it('carries a status and a readable message', () => {
    try {
      decodeHeartbeat(SPEC_DATAGRAM, 'nope');
      throw new Error('unreachable');
    } catch (err) {
      expect(err).toBeInstanceOf(HeartbeatDecodeError);
      expect((err as HeartbeatDecodeError).status).toBe(400);
      expect((err as HeartbeatDecodeError).message).toMatch(/HMAC/);
    }
  });
});
