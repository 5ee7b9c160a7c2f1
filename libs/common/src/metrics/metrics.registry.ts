/**
 * A small Prometheus text-format registry: counters, gauges and histograms with labels. Each service
 * owns one registry instance (no global state) and serves `render()` at /metrics.
 */
type Labels = Record<string, string>;

function key(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}="${labels[k].replace(/["\\\n]/g, '_')}"`).join(',');
}

class Series {
  readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge') {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  set(labels: Labels, value: number): void {
    this.values.set(key(labels), value);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    if (!this.values.size) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(k ? `${this.name}{${k}} ${v}` : `${this.name} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly counts = new Map<string, number[]>();
  private readonly sums = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    const c = this.counts.get(k) ?? new Array(this.buckets.length + 1).fill(0);
    const idx = this.buckets.findIndex((b) => value <= b);
    c[idx < 0 ? this.buckets.length : idx]++;
    this.counts.set(k, c);
    this.sums.set(k, (this.sums.get(k) ?? 0) + value);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, c] of this.counts) {
      let cum = 0;
      const sep = k ? ',' : '';
      this.buckets.forEach((b, i) => {
        cum += c[i];
        lines.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${cum}`);
      });
      cum += c[this.buckets.length];
      lines.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${cum}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${this.sums.get(k)}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${cum}`);
    }
    return lines.join('\n');
  }
}

export class MetricsRegistry {
  private readonly all: Array<Series | Histogram> = [];
  private readonly collectors: Array<() => void> = [];

  counter(name: string, help: string): Series {
    const s = new Series(name, help, 'counter');
    this.all.push(s);
    return s;
  }
  gauge(name: string, help: string): Series {
    const s = new Series(name, help, 'gauge');
    this.all.push(s);
    return s;
  }
  histogram(name: string, help: string, buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]): Histogram {
    const h = new Histogram(name, help, buckets);
    this.all.push(h);
    return h;
  }
  /** Runs before each scrape (process gauges and the like). */
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }
  render(): string {
    this.collectors.forEach((fn) => fn());
    return `${this.all.map((m) => m.render()).join('\n')}\n`;
  }

  static withProcessMetrics(service: string): MetricsRegistry {
    const r = new MetricsRegistry();
    const rss = r.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
    const heap = r.gauge('nodejs_heap_used_bytes', 'V8 heap used in bytes.');
    const up = r.gauge('octavia_ts_up', 'Whether the service is up.');
    r.onCollect(() => {
      const m = process.memoryUsage();
      rss.set({}, m.rss);
      heap.set({}, m.heapUsed);
      up.set({ service }, 1);
    });
    return r;
  }
}
