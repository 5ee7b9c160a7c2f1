import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FlowEntity } from '../../../../libs/database/src';
import { AfterCommit, ProviderChange, ProviderDriver } from './provider-driver';

/** Hands a flow id to the queue; BullMQ in production, anything with the same contract in tests. */
export interface FlowDispatcher {
  dispatch(flowId: string, kind: string, priority: number): Promise<void>;
}

/**
 * The default provider: writes a durable flow record in the API's transaction and dispatches it after
 * commit. If the dispatch is lost (crash, Redis down), the worker's reconciler finds the PENDING record.
 */
export class AmphoraProvider implements ProviderDriver {
  private readonly logger = new Logger('AmphoraProvider');

  constructor(readonly name: string, private readonly dispatcher: FlowDispatcher) {}

  async submit(em: EntityManager, change: ProviderChange): Promise<AfterCommit> {
    const flow = em.create(FlowEntity, {
      id: randomUUID(),
      kind: change.kind,
      loadBalancerId: change.loadBalancerId,
      targetId: change.targetId ?? null,
      payload: change.payload ?? {},
      status: 'PENDING',
      priority: change.priority ?? 40,
      attempts: 0,
      error: null,
      createdAt: new Date(),
      updatedAt: null,
      dispatchedAt: null,
    });
    await em.save(FlowEntity, flow);
    return async () => {
      try {
        await this.dispatcher.dispatch(flow.id, flow.kind, flow.priority);
      } catch (err) {
        // The flow record is committed; the reconciler will dispatch it when the queue is back.
        this.logger.warn({ msg: 'flow dispatch failed, left for the reconciler', flowId: flow.id, error: String(err) });
      }
    };
  }
}
