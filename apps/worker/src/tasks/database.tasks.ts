import { failLoadBalancerTree, settleLoadBalancerTree } from '../../../../libs/database/src';
import { Task } from '../flows/flow-types';

/** Marks the load balancer's tree done: pending objects ACTIVE, pending deletions removed (upstream's Mark*ActiveInDB tasks). */
export const markTreeActive: Task = {
  name: 'database.mark-tree-active',
  execute: async ({ dataSource, flow }) => dataSource.transaction((em) => settleLoadBalancerTree(em, flow.loadBalancerId!)),
};

/** The defined end of a failed flow: failed objects ERROR, the load balancer ACTIVE again (ERROR for its own create). */
export async function markTreeFailed(ctx: { dataSource: import('typeorm').DataSource; flow: import('../../../../libs/database/src').FlowEntity }): Promise<void> {
  const lbFailed = ctx.flow.kind === 'loadbalancer.create' || ctx.flow.kind === 'loadbalancer.failover';
  await ctx.dataSource.transaction((em) => failLoadBalancerTree(em, ctx.flow.loadBalancerId!, lbFailed));
}
