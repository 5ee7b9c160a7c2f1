import { MetricsRegistry } from '../../../libs/common/src';

const TICK_MS = 100;

/**
 * Measures event-loop lag with a 100 ms timer. A lag above the threshold means this manager could not read
 * or write heartbeats for that long, so the database's liveness may be behind reality: the stale scan
 * pauses for one heartbeat_timeout after such a stall instead of failing over healthy amphorae.
 */
export class StallMonitor {
  lastStallAt = 0;
  private timer?: NodeJS.Timeout;
  private expected = 0;
  private maxLagMs = 0;
  private readonly stalls;

  constructor(
    private readonly thresholdMs: number,
    metrics: MetricsRegistry,
    private readonly onStall: (lagMs: number) => void,
  ) {
    this.stalls = metrics.counter('octavia_hm_event_loop_stalls_total', 'Event-loop stalls longer than the stall threshold.');
    const lag = metrics.gauge('octavia_hm_event_loop_lag_max_seconds', 'Largest event-loop lag since the previous scrape.');
    metrics.onCollect(() => {
      lag.set({}, this.maxLagMs / 1000);
      this.maxLagMs = 0;
    });
  }

  start(): void {
    this.expected = Date.now() + TICK_MS;
    this.timer = setInterval(() => {
      const t = Date.now();
      const lag = Math.max(0, t - this.expected);
      this.expected = t + TICK_MS;
      this.maxLagMs = Math.max(this.maxLagMs, lag);
      if (lag >= this.thresholdMs) {
        this.lastStallAt = t;
        this.stalls.inc();
        this.onStall(lag);
      }
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
