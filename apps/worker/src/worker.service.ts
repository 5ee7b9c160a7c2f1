import { Job, Queue, Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import { JsonLogger, MetricsRegistry } from '../../../libs/common/src';
import { FlowRunner } from './flows/flow-runner';
import { FlowRegistry } from './flows/flow-registry';

export const FLOW_QUEUE = 'octavia-flows';

export function redisConnection(url: string) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), db: Number(u.pathname.slice(1) || 0), maxRetriesPerRequest: null };
}

export interface WorkerOptions {
  concurrency: number;
  reconcileIntervalMs: number;
  queuePrefix?: string;
  lockDurationMs?: number;
  /** At most this many load-balancer creates run at once in this process. */
  createConcurrency?: number;
  /** At most this many failovers run at once in this process (they also jump the queue by priority). */
  failoverConcurrency?: number;
}

/** A counting semaphore: bounded concurrency per flow family. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    return () => {
      this.active--;
      this.waiting.shift()?.();
    };
  }
}

/**
 * The worker: a BullMQ consumer that runs flows, plus a reconciler that re-dispatches flow records
 * which have no live job (a crash between the API's commit and its dispatch, a lost Redis, a job given
 * up by BullMQ after its worker died).
 */
export class WorkerService {
  private worker?: Worker;
  private queue?: Queue;
  private reconcileTimer?: NodeJS.Timeout;
  readonly metrics = MetricsRegistry.withProcessMetrics('worker');
  private readonly flowsDone = this.metrics.counter('octavia_worker_flows_total', 'Flows finished, by kind and outcome.');
  private readonly redispatched = this.metrics.counter('octavia_worker_flows_redispatched_total', 'Flow records re-dispatched by the reconciler.');
  private readonly creates: Semaphore;
  private readonly failovers: Semaphore;

  constructor(
    private readonly ds: DataSource,
    private readonly redisUrl: string,
    private readonly registry: FlowRegistry,
    private readonly logger: JsonLogger,
    private readonly opts: WorkerOptions = { concurrency: 4, reconcileIntervalMs: 10000 },
  ) {
    this.creates = new Semaphore(opts.createConcurrency ?? 4);
    this.failovers = new Semaphore(opts.failoverConcurrency ?? 4);
  }

  private semaphoreFor(kind: string): Semaphore | null {
    if (kind === 'loadbalancer.create') return this.creates;
    if (kind.endsWith('.failover')) return this.failovers;
    return null;
  }

  async start(): Promise<void> {
    const runner = new FlowRunner(this.ds, this.registry, this.logger);
    const prefix = this.opts.queuePrefix ?? 'bull';
    this.queue = new Queue(FLOW_QUEUE, { connection: redisConnection(this.redisUrl), prefix });
    this.queue.on('error', (err) => this.logger.warn({ msg: 'queue connection error', error: String(err) }));
    const lockDuration = this.opts.lockDurationMs ?? 15000;
    this.worker = new Worker(
      FLOW_QUEUE,
      async (job: Job<{ flowId: string }>) => {
        const release = await this.semaphoreFor(job.name)?.acquire();
        try {
          const outcome = await runner.run(job.data.flowId);
          this.flowsDone.inc({ kind: job.name, outcome });
          return outcome;
        } finally {
          release?.();
        }
      },
      {
        connection: redisConnection(this.redisUrl),
        prefix,
        concurrency: this.opts.concurrency,
        lockDuration,
        stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
        maxStalledCount: 1000,
      },
    );
    this.worker.on('error', (err) => this.logger.warn({ msg: 'worker connection error', error: String(err) }));
    await this.reconcile().catch((err) => this.logger.warn({ msg: 'reconcile failed', error: String(err) }));
    this.reconcileTimer = setInterval(() => {
      this.reconcile().catch((err) => this.logger.warn({ msg: 'reconcile failed', error: String(err) }));
    }, this.opts.reconcileIntervalMs);
  }

  /** Re-dispatches unfinished flow records whose job is missing or finished in Redis. */
  async reconcile(): Promise<number> {
    const rows: Array<{ id: string; kind: string; priority: number }> = await this.ds.query(
      `SELECT id, kind, priority FROM flow WHERE status IN ('PENDING', 'RUNNING', 'REVERTING') AND created_at < now() AT TIME ZONE 'utc' - interval '2 seconds'`,
    );
    let n = 0;
    for (const row of rows) {
      const job = await this.queue!.getJob(row.id);
      const state = job ? await job.getState() : 'missing';
      if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') continue;
      if (job) await job.remove().catch(() => undefined);
      await this.queue!.add(row.kind, { flowId: row.id }, { jobId: row.id, priority: Math.max(1, 1000 - row.priority), removeOnComplete: 1000, removeOnFail: 5000 });
      this.redispatched.inc();
      n++;
    }
    if (n) this.logger.info({ msg: 'reconciler re-dispatched flows', count: n });
    return n;
  }

  async stop(): Promise<void> {
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    await this.worker?.close();
    await this.queue?.close();
  }
}
