import { createHash } from 'node:crypto';
import { AmphoraEntity, LoadBalancerEntity, releasePort } from '../../../../libs/database/src';
import { DataPlane } from '../data-plane/data-plane';
import { Task, TaskContext } from '../flows/flow-types';

/** A stable amphora id for a flow's n-th new amphora, so a re-run step finds what an interrupted one made. */
export function amphoraIdFor(flowId: string, slot: string): string {
  const h = createHash('sha256').update(`${flowId}:${slot}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Resolves which amphorae a task works on, at execute time (failover plans are journaled by an earlier step). */
export type AmphoraSelector = (ctx: TaskContext) => string[];

async function rows(dp: DataPlane, ids: string[]): Promise<AmphoraEntity[]> {
  if (!ids.length) return [];
  return dp.ds.manager.findByIds(AmphoraEntity, ids);
}

/**
 * Boots the amphorae (in parallel, as upstream does for ACTIVE_STANDBY): management address, a fresh
 * server certificate, the compute driver's create. Idempotent: the driver finds an instance by amphora id.
 */
export function createAmphorae(dp: DataPlane, select: AmphoraSelector): Task {
  return {
    name: 'compute.create-amphorae',
    execute: async (ctx) => {
      const ids = select(ctx);
      const lb = await dp.ds.manager.findOneByOrFail(LoadBalancerEntity, { id: ctx.flow.loadBalancerId! });
      const topology = lb.topology === 'ACTIVE_STANDBY' ? 'ACTIVE_STANDBY' : 'SINGLE';
      if (dp.compute.name !== 'noop' && dp.network.name === 'local') await dp.network.ensureManagement();
      const created = await Promise.all(
        (await rows(dp, ids)).map(async (amp) => {
          const mgmt = await dp.network.allocateManagement(dp.ds.manager, amp.id);
          const cert = dp.pki.issueAmphoraCertificate(amp.id);
          const instance = await dp.compute.create({
            amphoraId: amp.id,
            loadBalancerId: lb.id,
            role: (amp.role as 'STANDALONE' | 'MASTER' | 'BACKUP') ?? 'STANDALONE',
            agent: dp.agentSettings(amp.id, topology, cert.bundlePem),
            management: mgmt,
          });
          await dp.ds.manager.update(AmphoraEntity, { id: amp.id }, {
            computeId: instance.computeId, lbNetworkIp: instance.managementIp, certExpiration: cert.notAfter, computeDriver: dp.compute.name, updatedAt: new Date(),
          });
          ctx.log('amphora booted', { amphora_id: amp.id, compute_id: instance.computeId, management_ip: instance.managementIp });
          return { amphoraId: amp.id, computeId: instance.computeId };
        }),
      );
      return { created };
    },
    revert: async (ctx) => {
      await deleteInstances(dp, ctx, select(ctx));
    },
  };
}

/** Deletes instances and every port they held; amphora rows become DELETED, health rows go. */
async function deleteInstances(dp: DataPlane, ctx: TaskContext, ids: string[]): Promise<void> {
  for (const amp of await rows(dp, ids)) {
    const computeId = amp.computeId ?? (dp.compute.name === 'netns' ? `amphora-${amp.id}` : null);
    if (computeId) await dp.compute.delete(computeId);
    await dp.ds.transaction(async (em) => {
      const ports: Array<{ id: string }> = await em.query(`SELECT id FROM port WHERE device_id = $1`, [`amphora-${amp.id}`]);
      for (const p of ports) await releasePort(em, p.id);
      await em.query(`UPDATE amphora SET status = 'DELETED', vrrp_port_id = NULL, updated_at = now() AT TIME ZONE 'utc' WHERE id = $1`, [amp.id]);
      await em.query(`DELETE FROM amphora_health WHERE amphora_id = $1`, [amp.id]);
    });
    ctx.log('amphora deleted', { amphora_id: amp.id, compute_id: computeId });
  }
}

export function deleteAmphorae(dp: DataPlane, select: AmphoraSelector, name = 'compute.delete-amphorae'): Task {
  return {
    name,
    execute: async (ctx) => {
      const ids = select(ctx);
      await deleteInstances(dp, ctx, ids);
      return { deleted: ids };
    },
  };
}

/** Attaches each amphora's VRRP (base) port to the VIP network's bridge, by MAC. */
export function attachVipPorts(dp: DataPlane, select: AmphoraSelector): Task {
  return {
    name: 'compute.attach-vip-ports',
    execute: async (ctx) => {
      const lb = await dp.ds.manager.findOneByOrFail(LoadBalancerEntity, { id: ctx.flow.loadBalancerId! });
      const bridge = await dp.network.ensureNetwork(lb.vipNetworkId!);
      for (const amp of await rows(dp, select(ctx))) {
        const [port] = await dp.ds.query(`SELECT id, mac_address, network_id FROM port WHERE id = $1`, [amp.vrrpPortId]);
        if (!port) throw new Error(`amphora ${amp.id} has no VRRP port`);
        await dp.compute.attachPort(amp.computeId!, { portId: port.id, networkId: port.network_id, macAddress: port.mac_address, bridge });
      }
      return null;
    },
    revert: async (ctx) => {
      for (const amp of await rows(dp, select(ctx))) if (amp.computeId && amp.vrrpPortId) await dp.compute.detachPort(amp.computeId, amp.vrrpPortId);
    },
  };
}
