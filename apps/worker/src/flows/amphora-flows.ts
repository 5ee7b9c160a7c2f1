import { DataSource } from 'typeorm';
import { AmphoraEntity, FlowEntity, LoadBalancerEntity } from '../../../../libs/database/src';
import { DataPlane } from '../data-plane/data-plane';
import { attachVipPorts, amphoraIdFor, createAmphorae, deleteAmphorae } from '../tasks/compute.tasks';
import { createAmphoraRows, markAmphoraeAllocated, markTreeActive } from '../tasks/database.tasks';
import { allocateVrrpPorts, memberPorts, releaseVip } from '../tasks/network.tasks';
import { configureVrrp, plugVip, rotateCertificate, updateAgentConfig, updateListeners, waitForAgents } from '../tasks/amphora.tasks';
import { FlowRegistry } from './flow-registry';
import { Task, TaskContext } from './flow-types';

type Role = 'STANDALONE' | 'MASTER' | 'BACKUP';

/** Kinds whose whole data-plane work is "member networks, then push the configuration" (spec 4.3). */
export const CONFIG_PUSH_KINDS = [
  'loadbalancer.update',
  ...['listener', 'pool', 'member', 'healthmonitor', 'l7policy', 'l7rule'].flatMap((o) => [`${o}.create`, `${o}.update`, `${o}.delete`]),
  'member.batch_update',
];

async function topologyOf(ds: DataSource, flow: FlowEntity): Promise<'SINGLE' | 'ACTIVE_STANDBY'> {
  const lb = flow.loadBalancerId ? await ds.manager.findOneBy(LoadBalancerEntity, { id: flow.loadBalancerId }) : null;
  return lb?.topology === 'ACTIVE_STANDBY' ? 'ACTIVE_STANDBY' : 'SINGLE';
}

function rolesFor(topology: 'SINGLE' | 'ACTIVE_STANDBY'): Role[] {
  return topology === 'ACTIVE_STANDBY' ? ['MASTER', 'BACKUP'] : ['STANDALONE'];
}

/** Create load balancer (spec 3.1, agent call sequences 4.1/4.2). */
export function createLoadBalancerFlow(dp: DataPlane, flow: FlowEntity, topology: 'SINGLE' | 'ACTIVE_STANDBY'): Task[] {
  const slots = rolesFor(topology).map((role, i) => ({ role, id: (flowId: string) => amphoraIdFor(flowId, `amphora-${i}`) }));
  const ids = () => slots.map((s) => s.id(flow.id));
  return [
    createAmphoraRows(slots),
    createAmphorae(dp, ids),
    waitForAgents(dp, ids),
    allocateVrrpPorts(dp, ids),
    attachVipPorts(dp, ids),
    plugVip(dp, ids),
    configureVrrp(dp, ids),
    memberPorts(dp, ids),
    updateListeners(dp),
    markAmphoraeAllocated(ids),
    markTreeActive,
  ];
}

/** Delete load balancer (spec 3.3): no agent call; instances, ports and the VIP go, rows become DELETED. */
export function deleteLoadBalancerFlow(dp: DataPlane): Task[] {
  const all: (ctx: TaskContext) => string[] = (ctx) => (ctx.results['database.plan-delete'] as { amphorae: string[] }).amphorae;
  return [
    {
      name: 'database.plan-delete',
      execute: async (ctx) => {
        const rows: Array<{ id: string }> = await ctx.dataSource.query(`SELECT id FROM amphora WHERE load_balancer_id = $1 AND status <> 'DELETED'`, [ctx.flow.loadBalancerId]);
        return { amphorae: rows.map((r) => r.id) };
      },
    },
    deleteAmphorae(dp, all),
    releaseVip(dp),
    markTreeActive,
  ];
}

/**
 * Replaces one amphora (spec 3.10 / 4.5): a new amphora with the failed one's role is built and plugged
 * before the failed one is deleted, then every amphora gets the configuration (and VRRP) again.
 * `prefix` keeps step names unique when a load-balancer failover chains several replacements.
 */
function replaceAmphora(dp: DataPlane, prefix: string, slot: number, oldOf: (ctx: TaskContext) => string | null, topology: 'SINGLE' | 'ACTIVE_STANDBY'): Task[] {
  const planName = `${prefix}database.failover-prepare`;
  const plan = (ctx: TaskContext) => ctx.results[planName] as { old: string | null; new: string };
  const fresh = (ctx: TaskContext) => [plan(ctx).new];
  const old = (ctx: TaskContext) => (plan(ctx).old ? [plan(ctx).old!] : []);
  const named = (t: Task): Task => ({ ...t, name: `${prefix}${t.name}` });
  return [
    {
      name: planName,
      execute: async (ctx) => {
        const newId = amphoraIdFor(ctx.flow.id, `failover-${slot}`);
        const oldId = oldOf(ctx);
        return ctx.dataSource.transaction(async (em) => {
          const failed = oldId ? await em.findOne(AmphoraEntity, { where: { id: oldId }, lock: { mode: 'pessimistic_write' } }) : null;
          const role: Role = (failed?.role as Role) ?? rolesFor(topology)[slot] ?? 'STANDALONE';
          await em.query(
            `INSERT INTO amphora (id, status, load_balancer_id, role, vrrp_priority, vrrp_id, cert_busy, created_at)
             VALUES ($1, 'BOOTING', $2, $3, $4, 1, false, now() AT TIME ZONE 'utc') ON CONFLICT (id) DO NOTHING`,
            [newId, ctx.flow.loadBalancerId, role, role === 'MASTER' ? 100 : role === 'BACKUP' ? 90 : null],
          );
          if (failed && failed.status !== 'DELETED') {
            await em.query(`UPDATE amphora SET status = 'PENDING_DELETE', updated_at = now() AT TIME ZONE 'utc' WHERE id = $1`, [failed.id]);
            await em.query(`UPDATE amphora_health SET busy = true WHERE amphora_id = $1`, [failed.id]);
          }
          await em.query(
            `UPDATE load_balancer SET provisioning_status = 'PENDING_UPDATE' WHERE id = $1 AND provisioning_status IN ('ACTIVE', 'ERROR')`,
            [ctx.flow.loadBalancerId],
          );
          ctx.log('failover planned', { failed_amphora_id: oldId, new_amphora_id: newId, role });
          return { old: failed && failed.status !== 'DELETED' ? failed.id : null, new: newId, role };
        });
      },
      revert: async (ctx) => {
        const p = plan(ctx);
        if (p?.old) await ctx.dataSource.query(`UPDATE amphora SET status = 'ERROR' WHERE id = $1 AND status = 'PENDING_DELETE'`, [p.old]);
        if (p?.old) await ctx.dataSource.query(`UPDATE amphora_health SET busy = false WHERE amphora_id = $1`, [p.old]);
        if (p?.new) await ctx.dataSource.query(`UPDATE amphora SET status = 'DELETED' WHERE id = $1`, [p.new]);
      },
    },
    named(createAmphorae(dp, fresh)),
    named(waitForAgents(dp, fresh)),
    named(allocateVrrpPorts(dp, fresh)),
    named(attachVipPorts(dp, fresh)),
    named(plugVip(dp, fresh)),
    named(memberPorts(dp, fresh)),
    named(deleteAmphorae(dp, old, 'compute.delete-failed-amphora')),
    {
      name: `${prefix}database.list-peers`,
      execute: async (ctx) => {
        const live = await dp.liveAmphorae(ctx.dataSource.manager, ctx.flow.loadBalancerId!);
        return { peers: live.map((a) => a.id).filter((id) => id !== plan(ctx).new) };
      },
    },
    named(updateListeners(dp, { tolerate: (ctx) => (ctx.results[`${prefix}database.list-peers`] as { peers: string[] }).peers })),
    named(configureVrrp(dp, null, (ctx) => (ctx.results[`${prefix}database.list-peers`] as { peers: string[] }).peers)),
    named(markAmphoraeAllocated(fresh)),
    {
      // The peers this flow just reached over the agent API are alive: count that as a heartbeat, so a
      // survivor whose heartbeats were delayed while it took over the VIP and was reconfigured is not
      // declared stale the moment the load balancer leaves PENDING_UPDATE (a cascade of failovers).
      name: `${prefix}database.refresh-peer-liveness`,
      execute: async (ctx) => {
        const pushed = (ctx.results[`${prefix}amphora.update-listeners`] as { pushed?: string[] } | undefined)?.pushed ?? [];
        const peersReached = pushed.filter((id) => id !== plan(ctx).new);
        if (peersReached.length) {
          await ctx.dataSource.query(`UPDATE amphora_health SET last_update = GREATEST(last_update, now() AT TIME ZONE 'utc') WHERE amphora_id = ANY($1) AND busy = false`, [peersReached]);
        }
        return { refreshed: peersReached };
      },
    },
  ];
}

export async function registerAmphoraFlows(registry: FlowRegistry, dp: DataPlane): Promise<void> {
  registry.register('loadbalancer.create', async (flow, ds) => createLoadBalancerFlow(dp, flow, await topologyOf(ds, flow)));
  registry.register('loadbalancer.delete', () => deleteLoadBalancerFlow(dp));
  for (const kind of CONFIG_PUSH_KINDS) registry.register(kind, () => [memberPorts(dp), updateListeners(dp), markTreeActive]);
  registry.register('amphora.failover', async (flow, ds) => [
    ...replaceAmphora(dp, '', 0, (ctx) => ctx.flow.targetId, await topologyOf(ds, flow)),
    markTreeActive,
  ]);
  registry.register('loadbalancer.failover', async (flow, ds) => {
    const topology = await topologyOf(ds, flow);
    const count = rolesFor(topology).length;
    const planName = 'database.failover-order';
    const order = (ctx: TaskContext) => (ctx.results[planName] as { order: string[] }).order;
    const tasks: Task[] = [
      {
        // Standby first: the amphora not holding the VIP (BACKUP) is replaced while the MASTER carries traffic.
        name: planName,
        execute: async (ctx) => {
          const rows: Array<{ id: string; role: string }> = await ctx.dataSource.query(
            `SELECT id, role FROM amphora WHERE load_balancer_id = $1 AND status NOT IN ('DELETED', 'PENDING_DELETE')
             ORDER BY CASE role WHEN 'BACKUP' THEN 0 WHEN 'STANDALONE' THEN 1 ELSE 2 END, created_at`,
            [ctx.flow.loadBalancerId],
          );
          return { order: rows.map((r) => r.id) };
        },
      },
    ];
    for (let i = 0; i < count; i++) tasks.push(...replaceAmphora(dp, `failover[${i}].`, i, (ctx) => order(ctx)[i] ?? null, topology));
    tasks.push(markTreeActive);
    return tasks;
  });
  registry.register('amphora.config', () => [updateAgentConfig(dp)]);
  // Admin delete of an amphora in ERROR (the API set it PENDING_DELETE): instance, ports and health row go.
  registry.register('amphora.delete', () => [deleteAmphorae(dp, (ctx) => (ctx.flow.targetId ? [ctx.flow.targetId] : []))]);
  registry.register('amphora.cert_rotate', () => [rotateCertificate(dp)]);
}
