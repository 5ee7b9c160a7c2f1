import { HeartbeatMessage } from '../../../../libs/heartbeat/src';
import { StatsAccumulator } from './stats-accumulator';
import { retryDelayMs } from '../failover/backoff';

const L = '8d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60';
const A = '2f1e3c1a-7d4b-4e55-9a0e-5b7c3f0c9d11';

function msg(stats: Record<string, unknown>, ver: number | null = 3): HeartbeatMessage {
  return { id: A, ...(ver === null ? {} : { ver }), listeners: { [L]: { status: 'OPEN', stats } as never }, pools: {} };
}

describe('StatsAccumulator', () => {
  it('compact tuples accumulate exactly as the same full messages do (in place once a row exists)', () => {
    const seq: Array<[number[], number, number | undefined]> = [
      [[10, 20, 3, 4, 1], 1000, 3],
      [[5, 6, 1, 2, 0], 3000, 3],
      [[7, 1, 9, 1, 2], 2000, 3], // arrives out of order: counters add, conns stays the newest (t=3000)
      [[-4, 1.7, 2, 1, Number.NaN], 4000, 3], // negative and odd values count as 0 / floor
    ];
    const viaTuples = new StatsAccumulator();
    const viaFull = new StatsAccumulator();
    for (const [v, t, ver] of seq) {
      viaTuples.addTuples(A, [L, 'not-a-uuid'], [...v, 1, 1, 1, 1, 1], ver, t);
      viaFull.add({ id: A, ver, listeners: { [L]: { status: 'OPEN', stats: { rx: v[0], tx: v[1], conns: v[2], totconns: v[3], ereq: v[4] } } as never, 'not-a-uuid': { status: 'OPEN', stats: { rx: 1 } } as never } }, t);
    }
    const rows = viaTuples.drain();
    expect(rows).toEqual(viaFull.drain());
    expect(rows).toEqual([{ listenerId: L, amphoraId: A, bytesIn: 22, bytesOut: 28, activeConnections: 2, totalConnections: 8, requestErrors: 3, deltas: true, receivedAt: 4000 }]);
    // Absolute (version 2) tuples replace, as full messages do.
    viaTuples.addTuples(A, [L], [100, 200, 3, 4, 1], 2, 1000);
    viaTuples.addTuples(A, [L], [150, 260, 2, 6, 1], 2, 2000);
    expect(viaTuples.drain()[0]).toMatchObject({ bytesIn: 150, bytesOut: 260, activeConnections: 2, totalConnections: 6, deltas: false });
  });

  it('sums version-3 deltas and keeps the newest absolute conns', () => {
    const acc = new StatsAccumulator();
    acc.add(msg({ rx: 10, tx: 20, conns: 3, totconns: 4, ereq: 1 }), 1000);
    acc.add(msg({ rx: 5, tx: 6, conns: 1, totconns: 2, ereq: 0 }), 2000);
    expect(acc.drain()).toEqual([
      { listenerId: L, amphoraId: A, bytesIn: 15, bytesOut: 26, activeConnections: 1, totalConnections: 6, requestErrors: 1, deltas: true, receivedAt: 2000 },
    ]);
    expect(acc.size).toBe(0);
  });

  it('replaces with the latest values for absolute (version < 3 or missing ver)', () => {
    const acc = new StatsAccumulator();
    acc.add(msg({ rx: 100, tx: 200, conns: 3, totconns: 4, ereq: 1 }, 2), 1000);
    acc.add(msg({ rx: 150, tx: 260, conns: 2, totconns: 6, ereq: 1 }, null), 2000);
    const [row] = acc.drain();
    expect(row).toMatchObject({ bytesIn: 150, bytesOut: 260, activeConnections: 2, totalConnections: 6, deltas: false });
  });

  it('adds deltas onto an absolute snapshot still waiting to be written (agent upgraded in between)', () => {
    const acc = new StatsAccumulator();
    acc.add(msg({ rx: 100, tx: 200, conns: 3, totconns: 4, ereq: 1 }, 2), 1000);
    acc.add(msg({ rx: 5, tx: 5, conns: 1, totconns: 1, ereq: 0 }, 3), 2000);
    expect(acc.drain()[0]).toMatchObject({ bytesIn: 105, bytesOut: 205, activeConnections: 1, totalConnections: 5, deltas: false });
  });

  it('never lets a negative or garbage delta reduce the totals (counter reset on a foreign sender)', () => {
    const acc = new StatsAccumulator();
    acc.add(msg({ rx: -50, tx: 'x', conns: null, totconns: 1.7, ereq: Infinity }), 1000);
    expect(acc.drain()[0]).toMatchObject({ bytesIn: 0, bytesOut: 0, activeConnections: 0, totalConnections: 1, requestErrors: 0 });
  });

  it('skips listener keys that are not UUIDs and listeners without stats', () => {
    const acc = new StatsAccumulator();
    expect(acc.add({ id: A, ver: 3, listeners: { 'not-a-uuid': { status: 'OPEN', stats: { rx: 1 } } as never, [L]: { status: 'OPEN' } as never } }, 1)).toBe(0);
  });

  it('restores drained rows after a failed write, adding newer deltas on top', () => {
    const acc = new StatsAccumulator();
    acc.add(msg({ rx: 10, tx: 10, conns: 1, totconns: 1, ereq: 0 }), 1000);
    const drained = acc.drain();
    acc.add(msg({ rx: 1, tx: 2, conns: 5, totconns: 3, ereq: 0 }), 2000);
    acc.restore(drained);
    expect(acc.drain()[0]).toMatchObject({ bytesIn: 11, bytesOut: 12, activeConnections: 5, totalConnections: 4, deltas: true });
  });
});

describe('failover retry backoff', () => {
  it('doubles from the initial delay and caps at the maximum', () => {
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(retryDelayMs(0, 1000, 5000)).toBe(1000);
  });
});
