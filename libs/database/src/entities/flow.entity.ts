import { Column, Entity, PrimaryColumn } from 'typeorm';

export type FlowStatus = 'PENDING' | 'RUNNING' | 'REVERTING' | 'SUCCEEDED' | 'FAILED';
export type FlowStepStatus = 'RUNNING' | 'DONE' | 'REVERTED' | 'FAILED';

/**
 * A durable flow record: written by the API in the same transaction as the object change it carries
 * out, dispatched to BullMQ after commit, and re-dispatched by the reconciler if no live job exists.
 */
@Entity('flow')
export class FlowEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 64 }) kind: string;
  @Column('uuid', { nullable: true, name: 'load_balancer_id' }) loadBalancerId: string | null;
  @Column('uuid', { nullable: true, name: 'target_id' }) targetId: string | null;
  @Column('jsonb') payload: Record<string, unknown>;
  @Column('varchar', { length: 16 }) status: FlowStatus;
  @Column('integer', { default: 0 }) priority: number;
  @Column('integer', { default: 0 }) attempts: number;
  @Column('text', { nullable: true }) error: string | null;
  @Column('timestamp', { name: 'created_at' }) createdAt: Date;
  @Column('timestamp', { nullable: true, name: 'updated_at' }) updatedAt: Date | null;
  @Column('timestamp', { nullable: true, name: 'dispatched_at' }) dispatchedAt: Date | null;
  @Column('varchar', { length: 255, nullable: true }) owner: string | null;
}

/** The journal: one row per executed step, written before the next step starts. */
@Entity('flow_step')
export class FlowStepEntity {
  @PrimaryColumn('uuid', { name: 'flow_id' }) flowId: string;
  @PrimaryColumn('integer') index: number;
  @Column('varchar', { length: 128 }) name: string;
  @Column('varchar', { length: 16 }) status: FlowStepStatus;
  @Column('jsonb', { nullable: true }) result: unknown;
  @Column('timestamp', { name: 'started_at' }) startedAt: Date;
  @Column('timestamp', { nullable: true, name: 'finished_at' }) finishedAt: Date | null;
}
