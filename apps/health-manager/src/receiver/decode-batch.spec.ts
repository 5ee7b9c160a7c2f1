import { encodeHeartbeat, HeartbeatMessage } from '../../../../libs/heartbeat/src';
import { makeBatchDecoder, parseDecoded, RawBatch } from './decode-batch';

const KEY = 'k';
const L = '8d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60';
const P = 'c0ffee00-1111-4222-8333-944455566677';
const M = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

function hb(id: string, member: string, rx: number, ver = 3): HeartbeatMessage {
  return { id, seq: 0, listeners: { [L]: { status: 'OPEN', stats: { tx: 1, rx, conns: 2, totconns: 3, ereq: 0 } } }, pools: { [`${P}:${L}`]: { status: 'UP', members: { [M]: member } } }, ver };
}

function batch(packets: Buffer[], t = 1000): RawBatch {
  return { packets, times: packets.map(() => t) };
}

describe('decode thread batches', () => {
  it('sends a repeat compactly (statistics only) and a change in full', () => {
    const decode = makeBatchDecoder(KEY, {}, true);
    const out = decode(batch([encodeHeartbeat(hb('a', 'UP', 10), KEY), encodeHeartbeat(hb('a', 'UP', 20), KEY), encodeHeartbeat(hb('a', 'DOWN', 30), KEY)]));
    const entries = parseDecoded(out);
    expect(entries.map((e) => e[0])).toEqual([0, 1, 0]);
    const [first, second, third] = entries;
    expect(first[3 as never]).toEqual(hb('a', 'UP', 10));
    expect(second).toEqual([1, 1000, 'a', first[2], [20, 1, 2, 3, 0]]);
    expect(third[2]).not.toBe(first[2]);
    // Back to the first statuses: the thread compares with the last full message it sent, so this is full again.
    const again = parseDecoded(decode(batch([encodeHeartbeat(hb('a', 'UP', 40), KEY)])));
    expect(again[0][0]).toBe(0);
  });

  it('never sends compact without being asked, nor for versions < 2 or odd listener shapes', () => {
    const plain = makeBatchDecoder(KEY, {});
    expect(parseDecoded(plain(batch([encodeHeartbeat(hb('a', 'UP', 1), KEY), encodeHeartbeat(hb('a', 'UP', 1), KEY)]))).map((e) => e[0])).toEqual([0, 0]);
    const compact = makeBatchDecoder(KEY, {}, true);
    const v1 = { ...hb('b', 'UP', 1), ver: 1 };
    expect(parseDecoded(compact(batch([encodeHeartbeat(v1, KEY), encodeHeartbeat(v1, KEY)]))).map((e) => e[0])).toEqual([0, 0]);
    const odd = hb('c', 'UP', 1);
    (odd.listeners![L] as unknown as Record<string, unknown>).pools = {};
    expect(parseDecoded(compact(batch([encodeHeartbeat(odd, KEY), encodeHeartbeat(odd, KEY)]))).map((e) => e[0])).toEqual([0, 0]);
  });

  it('counts failures by reason and keeps samples', () => {
    const decode = makeBatchDecoder(KEY, { maxPacketBytes: 2000 }, true);
    const out = decode(batch([encodeHeartbeat(hb('a', 'UP', 1), 'wrong'), Buffer.alloc(3000, 1), Buffer.from('x'), encodeHeartbeat(hb('a', 'UP', 1), KEY)]));
    expect(out.failures).toEqual({ bad_hmac: 1, oversize: 1, too_short: 1 });
    expect(out.samples.map((s) => s.reason)).toEqual(['bad_hmac', 'oversize', 'too_short']);
    expect(out.count).toBe(1);
  });
});

describe('repeats recognised by their skeleton', () => {
  const enc = (text: string) => {
    // encodeHeartbeat serialises an object; these cases need exact texts (key order, duplicates, odd numbers).
    const { deflateSync } = jest.requireActual<typeof import('node:zlib')>('node:zlib');
    const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const z = deflateSync(Buffer.from(text, 'utf8'));
    return Buffer.concat([z, Buffer.from(createHmac('sha256', KEY).update(z).digest('hex'), 'latin1')]);
  };
  const text = (seq: number | string, rx: number | string, ver: number | string = 3, member = 'UP') =>
    `{"id": "a", "seq": ${seq}, "listeners": {"${L}": {"status": "OPEN", "stats": {"tx": 5, "rx": ${rx}, "conns": 2, "totconns": 1e2, "ereq": -0}}}, ` +
    `"pools": {"${P}:${L}": {"status": "UP", "members": {"${M}": "${member}"}}}, "ver": ${ver}}`;
  const kinds = (decode: ReturnType<typeof makeBatchDecoder>, texts: string[]) => parseDecoded(decode(batch(texts.map(enc))));

  it('a new seq and new statistics are a repeat; the statistics travel as written, in STAT_KEYS order', () => {
    const decode = makeBatchDecoder(KEY, {}, true);
    const [full, repeat] = kinds(decode, [text(1, 10), text(2, 2.5e3)]);
    expect(full[0]).toBe(0);
    expect(repeat).toEqual([1, 1000, 'a', full[2], [2500, 5, 2, 100, -0]]); // -0 as JSON.parse reads it in a full message
  });

  it('a changed ver, member status or number outside the statistics is sent in full', () => {
    const decode = makeBatchDecoder(KEY, {}, true);
    expect(kinds(decode, [text(1, 10), text(2, 10, 2), text(3, 10, 2), text(4, 10, 2, 'DOWN'), text(5, 10, 2, 'DOWN')]).map((e) => e[0])).toEqual([0, 0, 1, 0, 1]);
  });

  it('a repeat whose number tokens are not JSON numbers is not trusted: it is parsed and fails as bad_json', () => {
    const decode = makeBatchDecoder(KEY, {}, true);
    decode(batch([enc(text(1, 10))]));
    for (const bad of ['1-2', '01', '1.', '1e', '--1']) {
      const out = decode(batch([enc(text(2, bad))]));
      expect(out.count).toBe(0);
      expect(out.failures).toEqual({ bad_json: 1 });
      const seqOut = decode(batch([enc(text(bad, 10))]));
      expect(seqOut.failures).toEqual({ bad_json: 1 });
    }
    expect(kinds(decode, [text(9, 11)])[0][0]).toBe(1);
  });

  it('statistics that are not numbers go as 0, duplicate keys are never sent compact, and a flap back is full', () => {
    const decode = makeBatchDecoder(KEY, {}, true);
    const noStats = (seq: number) => `{"id": "b", "seq": ${seq}, "listeners": {"${L}": {"status": "OPEN", "stats": {"rx": "x", "tx": 3}}}, "pools": {}, "ver": 3}`;
    const [, second] = kinds(decode, [noStats(1), noStats(2)]);
    expect(second[0]).toBe(1);
    expect(second[4]).toEqual([0, 3, 0, 0, 0]);
    const dup = (seq: number) => `{"id": "c", "seq": ${seq}, "listeners": {"${L}": {"status": "OPEN", "stats": {"rx": 1, "rx": 2}}}, "pools": {}, "ver": 3}`;
    expect(kinds(decode, [dup(1), dup(2)]).map((e) => e[0])).toEqual([0, 0]);
    expect(kinds(decode, [text(1, 1), text(2, 1, 3, 'DOWN'), text(3, 1), text(4, 1)]).map((e) => e[0])).toEqual([0, 0, 0, 1]);
  });

  it('listener keys that V8 orders numerically still get their own statistics', () => {
    const decode = makeBatchDecoder(KEY, {}, true);
    const t = (rxB: number) => `{"id": "d", "seq": 1, "listeners": {"b": {"status": "OPEN", "stats": {"rx": ${rxB}}}, "7": {"status": "OPEN", "stats": {"rx": 70}}}, "pools": {}, "ver": 3}`;
    const [full, repeat] = kinds(decode, [t(1), t(2)]);
    expect(Object.keys((full[3] as HeartbeatMessage).listeners!)).toEqual(['7', 'b']);
    expect(repeat[4]).toEqual([70, 0, 0, 0, 0, 2, 0, 0, 0, 0]);
  });
});
