import { EntityManager, DataSource } from 'typeorm';
import { FlowEntity } from '../../../../libs/database/src';

/** What a task sees: the flow record, the database, and the results of the steps before it. */
export interface TaskContext {
  flow: FlowEntity;
  dataSource: DataSource;
  results: Record<string, unknown>;
  log(msg: string, extra?: Record<string, unknown>): void;
}

/**
 * One step of a flow. `execute` must be idempotent: a worker that dies after the step's side effect but
 * before its journal row is written runs it again. `revert` undoes it on a later step's failure.
 */
export interface Task {
  name: string;
  execute(ctx: TaskContext): Promise<unknown>;
  revert?(ctx: TaskContext, result: unknown): Promise<void>;
}

export type FlowBuilder = (flow: FlowEntity, ds: DataSource) => Task[] | Promise<Task[]>;

export type InTransaction = <T>(ds: DataSource, fn: (em: EntityManager) => Promise<T>) => Promise<T>;
