import { Queue } from 'bullmq';
import { FlowDispatcher } from './amphora.provider';

export const FLOW_QUEUE = 'octavia-flows';

/**
 * BullMQ dispatch keyed by the flow id, so a re-dispatch of the same flow never runs it twice at once.
 * The job contract the worker consumes (name = flow kind, data = { flowId }); the API and the health
 * manager both produce with it.
 */
export class BullmqFlowDispatcher implements FlowDispatcher {
  private readonly queue: Queue;

  constructor(redisUrl: string, prefix = 'bull') {
    const url = new URL(redisUrl);
    this.queue = new Queue(FLOW_QUEUE, {
      prefix,
      connection: { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0), maxRetriesPerRequest: 1, enableOfflineQueue: false },
    });
    this.queue.on('error', () => undefined); // a Redis outage fails dispatch(); the worker's reconciler catches up
  }

  async dispatch(flowId: string, kind: string, priority: number): Promise<void> {
    // BullMQ: lower number = higher priority; upstream: higher = more urgent (failover 160 > create 40).
    await this.queue.add(kind, { flowId }, { jobId: flowId, priority: Math.max(1, 1000 - priority), removeOnComplete: 1000, removeOnFail: 5000 });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
