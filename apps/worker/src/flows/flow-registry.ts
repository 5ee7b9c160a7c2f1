import { DataSource } from 'typeorm';
import { FlowEntity } from '../../../../libs/database/src';
import { markTreeActive } from '../tasks/database.tasks';
import { FlowBuilder, Task } from './flow-types';

/**
 * Builds the task list for each flow kind. With the no-op compute driver every flow is its database
 * steps only (like upstream's compute_noop_driver); the data-plane tasks (compute, network, amphora)
 * plug in here per kind as their drivers are configured.
 */
export class FlowRegistry {
  private readonly builders = new Map<string, FlowBuilder>();

  register(kind: string, builder: FlowBuilder): void {
    this.builders.set(kind, builder);
  }

  async tasksFor(flow: FlowEntity, ds: DataSource): Promise<Task[]> {
    const builder = this.builders.get(flow.kind) ?? this.builders.get('*');
    if (!builder) throw new Error(`no flow registered for kind ${flow.kind}`);
    return builder(flow, ds);
  }

  /** Database steps only for every kind; the data-plane flows are registered over it per kind. */
  static noopDataPlane(): FlowRegistry {
    const r = new FlowRegistry();
    r.register('*', () => [markTreeActive]);
    return r;
  }
}
