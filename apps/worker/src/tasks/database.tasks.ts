import { randomBytes } from 'node:crypto';
import { failLoadBalancerTree, settleLoadBalancerTree } from '../../../../libs/database/src';
import { Task, TaskContext } from '../flows/flow-types';

/** Marks the load balancer's tree done: pending objects ACTIVE, pending deletions removed (upstream's Mark*ActiveInDB tasks). */
export const markTreeActive: Task = {
  name: 'database.mark-tree-active',
  execute: async ({ dataSource, flow }) => dataSource.transaction((em) => settleLoadBalancerTree(em, flow.loadBalancerId!)),
};

/** The defined end of a failed flow: failed objects ERROR, the load balancer ACTIVE again (ERROR for its own create). */
export async function markTreeFailed(ctx: { dataSource: import('typeorm').DataSource; flow: import('../../../../libs/database/src').FlowEntity }): Promise<void> {
  const lbFailed = ['loadbalancer.create', 'loadbalancer.failover', 'amphora.failover'].includes(ctx.flow.kind);
  if (!ctx.flow.loadBalancerId) return;
  await ctx.dataSource.transaction((em) => failLoadBalancerTree(em, ctx.flow.loadBalancerId!, lbFailed));
}

/** Amphora rows for a new load balancer (roles and VRRP priorities), and its VRRP group for ACTIVE_STANDBY. */
export function createAmphoraRows(slots: Array<{ id: (flowId: string) => string; role: 'STANDALONE' | 'MASTER' | 'BACKUP' }>): Task {
  return {
    name: 'database.create-amphorae',
    execute: async ({ dataSource, flow }) => {
      const ids = slots.map((s) => s.id(flow.id));
      await dataSource.transaction(async (em) => {
        for (const [i, slot] of slots.entries()) {
          await em.query(
            `INSERT INTO amphora (id, status, load_balancer_id, role, vrrp_priority, vrrp_id, cert_busy, created_at)
             VALUES ($1, 'BOOTING', $2, $3, $4, 1, false, now() AT TIME ZONE 'utc') ON CONFLICT (id) DO NOTHING`,
            [ids[i], flow.loadBalancerId, slot.role, slot.role === 'MASTER' ? 100 : slot.role === 'BACKUP' ? 90 : null],
          );
        }
        if (slots.some((s) => s.role === 'MASTER')) {
          await em.query(
            `INSERT INTO vrrp_group (load_balancer_id, vrrp_group_name, vrrp_auth_type, vrrp_auth_pass, advert_int)
             VALUES ($1, $2, 'PASS', $3, $4) ON CONFLICT (load_balancer_id) DO NOTHING`,
            [flow.loadBalancerId, flow.loadBalancerId!.replace(/-/g, ''), randomBytes(4).toString('hex').slice(0, 7), Number(flow.payload?.advert_int ?? 1)],
          );
        }
      });
      return { amphorae: ids };
    },
    revert: async ({ dataSource, flow }) => {
      const ids = slots.map((s) => s.id(flow.id));
      await dataSource.query(`UPDATE amphora SET status = 'DELETED' WHERE id = ANY($1)`, [ids]);
    },
  };
}

/** Amphorae that finished building become ALLOCATED. */
export function markAmphoraeAllocated(select: (ctx: TaskContext) => string[]): Task {
  return {
    name: 'database.mark-amphorae-allocated',
    execute: async (ctx) => {
      const ids = select(ctx);
      await ctx.dataSource.query(`UPDATE amphora SET status = 'ALLOCATED', updated_at = now() AT TIME ZONE 'utc' WHERE id = ANY($1) AND status <> 'DELETED'`, [ids]);
      return null;
    },
  };
}
