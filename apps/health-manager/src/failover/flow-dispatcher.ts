import { randomUUID } from 'node:crypto';
import { HealthDatabase, Queryable, tsParam } from '../db/health-database';

/** Hands a flow id to the worker (BullMQ `octavia-flows` in production; anything with this contract in tests). */
export interface FlowDispatcher {
  dispatch(flowId: string, kind: string, priority: number): Promise<void>;
  close?(): Promise<void>;
}

export type HealthManagerFlowKind = 'amphora.failover' | 'amphora.cert_rotate';

export interface NewFlow {
  kind: HealthManagerFlowKind;
  loadBalancerId: string | null;
  targetId: string;
  priority: number;
  payload: Record<string, unknown>;
}

/**
 * Inserts a durable flow record (the shape of libs/database FlowEntity, status PENDING). It is written in
 * the caller's transaction and dispatched after commit; a lost dispatch is found by the worker's reconciler.
 */
export async function insertFlow(db: HealthDatabase, on: Queryable, flow: NewFlow, now: number): Promise<string> {
  const id = randomUUID();
  await db.run(
    'insert_flow',
    `INSERT INTO flow (id, kind, load_balancer_id, target_id, payload, status, priority, attempts, error, created_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, 'PENDING', $6, 0, NULL, ${tsParam(7)})`,
    [id, flow.kind, flow.loadBalancerId, flow.targetId, JSON.stringify(flow.payload), flow.priority, now],
    on,
  );
  return id;
}
