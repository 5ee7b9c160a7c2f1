import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { StatsCounters } from './stats-counters';

const abs = (bin: number, bout: number, stot: number, ereq: number, scur = 0) => ({ bin, bout, stot, ereq, scur });

describe('StatsCounters', () => {
  it('reports deltas for bytes, sessions and errors but absolute current connections', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'aa-stats-')), 'stats_counters.json');
    const counters = new StatsCounters(file);
    expect(await counters.deltas(new Map([['l1', abs(100, 200, 3, 1, 2)]]))).toEqual(
      new Map([['l1', { rx: 100, tx: 200, totconns: 3, ereq: 1, conns: 2 }]]),
    );
    expect(await counters.deltas(new Map([['l1', abs(150, 260, 5, 1, 7)]]))).toEqual(
      new Map([['l1', { rx: 50, tx: 60, totconns: 2, ereq: 0, conns: 7 }]]),
    );
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ l1: { bin: 150, bout: 260, stot: 5, ereq: 1 } });
  });

  it('survives a restart of the agent and treats counter resets as fresh totals', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'aa-stats-')), 'stats_counters.json');
    await new StatsCounters(file).deltas(new Map([['l1', abs(1000, 1000, 10, 0)]]));
    const restarted = new StatsCounters(file);
    expect((await restarted.deltas(new Map([['l1', abs(1100, 1000, 11, 0)]]))).get('l1')).toMatchObject({ rx: 100, tx: 0, totconns: 1 });
    // HAProxy restarted: counters went back to small values.
    expect((await restarted.deltas(new Map([['l1', abs(40, 30, 1, 0)]]))).get('l1')).toMatchObject({ rx: 40, tx: 30, totconns: 1 });
  });
});
