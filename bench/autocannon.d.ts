// The subset of autocannon's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url?: string;
      duration?: number;
      connections?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      requests?: Array<{ setupRequest?: (req: { body?: string; [k: string]: unknown }) => Record<string, unknown> }>;
    }
    interface Histogram { average: number; p50: number; p99: number; p97_5: number; max: number }
    interface Result { requests: Histogram; latency: Histogram; errors: number; non2xx: number }
  }
  function autocannon(opts: autocannon.Options, cb: (err: Error | null, result: autocannon.Result) => void): unknown;
  export = autocannon;
}
