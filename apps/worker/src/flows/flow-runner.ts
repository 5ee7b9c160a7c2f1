import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import { FlowEntity, FlowStepEntity } from '../../../../libs/database/src';
import { JsonLogger } from '../../../../libs/common/src';
import { markTreeFailed } from '../tasks/database.tasks';
import { FlowRegistry } from './flow-registry';
import { TaskContext } from './flow-types';

/** Who runs a flow: host and pid, recorded on the flow row. */
export const FLOW_OWNER = `${hostname()}:${process.pid}`;

/**
 * Runs one flow to a defined end. Each finished step is journaled (flow_step DONE with its result) before
 * the next starts, so a replacement worker resumes at the first unfinished step. On failure the finished
 * steps are reverted in reverse order and the tree gets its defined failure statuses, never PENDING_*.
 */
export class FlowRunner {
  /**
   * OCTAVIA_TS_FLOW_STEP_PAUSE_MS (debug/test knob, default 0): pause after each journaled step, so a crash
   * test can kill the worker at every step boundary, or an operator can watch a flow step by step.
   */
  private readonly stepPauseMs = Math.max(0, Number(process.env.OCTAVIA_TS_FLOW_STEP_PAUSE_MS ?? 0) || 0);

  constructor(private readonly ds: DataSource, private readonly registry: FlowRegistry, private readonly logger: JsonLogger) {}

  /**
   * One runner per flow at any time, whatever Redis says: a session-level advisory lock in PostgreSQL,
   * held for the whole run and released by PostgreSQL itself if this process dies. A second delivery of
   * the same flow (a re-dispatch after a Redis restart, a stalled job handed to another worker) finds
   * the lock taken and steps aside; the reconciler retries it later if the holder dies.
   */
  async run(flowId: string): Promise<'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'BUSY'> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      const [{ ok }] = await qr.query(`SELECT pg_try_advisory_lock(hashtext('flow'), hashtext($1)) AS ok`, [flowId]);
      if (!ok) return 'BUSY';
      try {
        return await this.runLocked(flowId);
      } finally {
        await qr.query(`SELECT pg_advisory_unlock(hashtext('flow'), hashtext($1))`, [flowId]).catch(() => undefined);
      }
    } finally {
      await qr.release();
    }
  }

  private async runLocked(flowId: string): Promise<'SUCCEEDED' | 'FAILED' | 'SKIPPED'> {
    const flow = await this.ds.manager.findOneBy(FlowEntity, { id: flowId });
    if (!flow) return 'SKIPPED';
    if (flow.status === 'SUCCEEDED' || flow.status === 'FAILED') return 'SKIPPED';
    await this.ds.manager.update(FlowEntity, { id: flowId }, { status: 'RUNNING', attempts: flow.attempts + 1, updatedAt: new Date(), owner: FLOW_OWNER });
    const tasks = await this.registry.tasksFor(flow, this.ds);
    const journal = await this.ds.manager.find(FlowStepEntity, { where: { flowId }, order: { index: 'ASC' } });
    const ctx: TaskContext = {
      flow,
      dataSource: this.ds,
      results: {},
      log: (msg, extra) => this.logger.info({ msg, flow_id: flowId, kind: flow.kind, ...extra }),
    };
    for (const step of journal) if (step.status === 'DONE') ctx.results[step.name] = step.result;
    let index = 0;
    try {
      for (; index < tasks.length; index++) {
        const task = tasks[index];
        const done = journal.find((j) => j.index === index && j.status === 'DONE');
        if (done) continue;
        ctx.log('task started', { task: task.name, step: index + 1, of: tasks.length });
        await this.ds.manager.query(
          `INSERT INTO flow_step (flow_id, index, name, status, result, started_at) VALUES ($1, $2, $3, 'RUNNING', NULL, now() AT TIME ZONE 'utc')
           ON CONFLICT (flow_id, index) DO UPDATE SET status = 'RUNNING', started_at = EXCLUDED.started_at`,
          [flowId, index, task.name],
        );
        const result = (await task.execute(ctx)) ?? null;
        ctx.results[task.name] = result;
        await this.ds.manager.update(FlowStepEntity, { flowId, index }, { status: 'DONE', result: result as object, finishedAt: new Date() });
        if (this.stepPauseMs) await new Promise((r) => setTimeout(r, this.stepPauseMs));
      }
      await this.ds.manager.update(FlowEntity, { id: flowId }, { status: 'SUCCEEDED', updatedAt: new Date(), error: null });
      ctx.log('flow succeeded');
      return 'SUCCEEDED';
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.logger.error({ msg: 'flow task failed, reverting', flow_id: flowId, kind: flow.kind, task: tasks[index]?.name, error: reason });
      await this.ds.manager.update(FlowEntity, { id: flowId }, { status: 'REVERTING', error: reason, updatedAt: new Date() });
      for (let i = index; i >= 0; i--) {
        const task = tasks[i];
        if (!task.revert) continue;
        try {
          await task.revert(ctx, ctx.results[task.name]);
          await this.ds.manager.update(FlowStepEntity, { flowId, index: i }, { status: 'REVERTED', finishedAt: new Date() });
        } catch (revertErr) {
          this.logger.error({ msg: 'revert failed; continuing with the remaining reverts', flow_id: flowId, task: task.name, error: String(revertErr) });
        }
      }
      await markTreeFailed(ctx);
      await this.ds.manager.update(FlowEntity, { id: flowId }, { status: 'FAILED', updatedAt: new Date() });
      return 'FAILED';
    }
  }
}
