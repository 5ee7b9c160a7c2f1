import { HeartbeatListenerStats } from '../../../heartbeat/src';
import { readFileOrNull, writeFileAtomic } from '../util/files';

/** Absolute counters of one listener as HAProxy / IPVS report them. */
export interface AbsoluteCounters {
  bin: number;
  bout: number;
  stot: number;
  ereq: number;
}

type CounterFile = Record<string, AbsoluteCounters>;

function delta(current: number, last: number | undefined): number {
  // A negative difference means the process restarted and counters began again at zero.
  if (last === undefined || current < last) return current;
  return current - last;
}

/**
 * Version-3 heartbeats carry deltas. The last absolute values are persisted
 * (`stats_counters.json`) so deltas survive agent restarts (heartbeat.md §3).
 */
export class StatsCounters {
  private last: CounterFile | null = null;

  constructor(private readonly file: string) {}

  private async load(): Promise<CounterFile> {
    if (this.last) return this.last;
    const raw = await readFileOrNull(this.file);
    let parsed: CounterFile = {};
    if (raw) {
      try {
        parsed = JSON.parse(raw.toString('utf8')) as CounterFile;
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err;
        parsed = {}; // a torn file only costs one absolute report
      }
    }
    this.last = parsed;
    return parsed;
  }

  /** Turn absolute counters into the heartbeat's stats and remember them. */
  async deltas(current: Map<string, AbsoluteCounters & { scur: number }>): Promise<Map<string, HeartbeatListenerStats>> {
    const last = await this.load();
    const out = new Map<string, HeartbeatListenerStats>();
    const next: CounterFile = {};
    for (const [id, c] of current) {
      const prev = last[id];
      out.set(id, {
        tx: delta(c.bout, prev?.bout),
        rx: delta(c.bin, prev?.bin),
        conns: c.scur,
        totconns: delta(c.stot, prev?.stot),
        ereq: delta(c.ereq, prev?.ereq),
      });
      next[id] = { bin: c.bin, bout: c.bout, stot: c.stot, ereq: c.ereq };
    }
    this.last = next;
    await writeFileAtomic(this.file, JSON.stringify(next), 0o600);
    return out;
  }
}
