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
  const data = Buffer.concat(packets);
  const copy = Buffer.allocUnsafeSlow(data.length);
  data.copy(copy);
  return { data: copy.buffer as ArrayBuffer, lengths: Uint32Array.from(packets.map((p) => p.length)), times: new Float64Array(packets.length).fill(t) };
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
