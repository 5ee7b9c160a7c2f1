import { HeartbeatMessage } from '../../../../libs/heartbeat/src';
import { statusSignature } from './heartbeat-processor';

const L = '8d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60';
const P = 'c0ffee00-1111-4222-8333-944455566677';
const M = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

function hb(seq: number, rx: number, member = 'UP', listener = 'OPEN', ver = 3): HeartbeatMessage {
  return { id: 'a', seq, listeners: { [L]: { status: listener, stats: { rx, tx: 1, conns: 2, totconns: 3, ereq: 0 } } }, pools: { [`${P}:${L}`]: { status: 'UP', members: { [M]: member } } }, ver };
}

describe('statusSignature (what the status rules read)', () => {
  it('is the same for messages that differ only in seq and statistics', () => {
    expect(statusSignature(hb(1, 10))).toBe(statusSignature(hb(2, 99)));
  });

  it('differs when a member, listener status, version or any other field differs', () => {
    const base = statusSignature(hb(1, 10));
    expect(statusSignature(hb(1, 10, 'DOWN'))).not.toBe(base);
    expect(statusSignature(hb(1, 10, 'UP', 'FULL'))).not.toBe(base);
    expect(statusSignature(hb(1, 10, 'UP', 'OPEN', 2))).not.toBe(base);
    expect(statusSignature({ ...hb(1, 10), extra: 1 })).not.toBe(base);
    const nested = hb(1, 10);
    (nested.listeners![L] as unknown as Record<string, unknown>).pools = { [P]: { status: 'DOWN', members: {} } };
    expect(statusSignature(nested)).not.toBe(base);
  });

  it('is computed once per message object', () => {
    const m = hb(1, 10);
    const first = statusSignature(m);
    (m.pools as Record<string, unknown>)[`${P}:${L}`] = { status: 'DOWN', members: {} }; // not re-read: cached
    expect(statusSignature(m)).toBe(first);
  });
});
