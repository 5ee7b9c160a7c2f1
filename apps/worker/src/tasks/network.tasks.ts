import { AmphoraEntity, LoadBalancerEntity, SubnetEntity, allocatePort, releasePort } from '../../../../libs/database/src';
import { DataPlane } from '../data-plane/data-plane';
import { Task } from '../flows/flow-types';
import { AmphoraSelector } from './compute.tasks';

export const MEMBER_PORT_OWNER = 'octavia:member';
/** A member port allocated but not yet attached and plugged (a re-run step finishes it). */
export const MEMBER_PORT_PENDING = 'octavia:member-pending';
export const VRRP_PORT_OWNER = 'octavia:vrrp';

/** Each amphora's base ("VRRP") port on the VIP subnet; the VIP itself floats over them (allowed address pair). */
export function allocateVrrpPorts(dp: DataPlane, select: AmphoraSelector): Task {
  return {
    name: 'network.allocate-vrrp-ports',
    execute: async (ctx) => {
      const out: Record<string, string> = {};
      for (const id of select(ctx)) {
        await dp.ds.transaction(async (em) => {
          const amp = await em.findOne(AmphoraEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
          if (!amp) throw new Error(`amphora ${id} vanished`);
          if (amp.vrrpPortId) {
            out[id] = amp.vrrpIp!;
            return;
          }
          const lb = await em.findOneByOrFail(LoadBalancerEntity, { id: amp.loadBalancerId! });
          const subnet = await em.findOneBy(SubnetEntity, { id: lb.vipSubnetId! });
          if (!subnet) throw new Error(`VIP subnet ${lb.vipSubnetId} is not a network of the local network driver`);
          const port = await allocatePort(em, subnet, { name: `octavia-lb-vrrp-${id}`, deviceId: `amphora-${id}`, deviceOwner: VRRP_PORT_OWNER, projectId: lb.projectId });
          const ip = port.fixedIps[0].ip_address;
          await em.update(AmphoraEntity, { id }, { vrrpPortId: port.id, vrrpIp: ip, haIp: lb.vipAddress, haPortId: lb.vipPortId, updatedAt: new Date() });
          out[id] = ip;
        });
      }
      return out;
    },
    revert: async (ctx) => {
      for (const id of select(ctx)) {
        await dp.ds.transaction(async (em) => {
          const amp = await em.findOneBy(AmphoraEntity, { id });
          if (amp?.vrrpPortId) await releasePort(em, amp.vrrpPortId);
          await em.update(AmphoraEntity, { id }, { vrrpPortId: null, vrrpIp: null });
        });
      }
    },
  };
}

/**
 * Member-network delta (upstream's CalculateDelta + HandleNetworkDeltas + plug/network): every live
 * amphora gets one port on each local subnet its members use (the VIP subnet excepted), and loses the
 * ports of subnets no member uses any more.
 */
export function memberPorts(dp: DataPlane, select: AmphoraSelector | null = null): Task {
  return {
    name: 'network.member-ports',
    execute: async (ctx) => {
      const lbId = ctx.flow.loadBalancerId!;
      const lb = await dp.ds.manager.findOneByOrFail(LoadBalancerEntity, { id: lbId });
      const needed: string[] = (
        await dp.ds.query(
          `SELECT DISTINCT m.subnet_id FROM member m JOIN pool p ON p.id = m.pool_id JOIN subnet s ON s.id::text = m.subnet_id
           WHERE p.load_balancer_id = $1 AND m.provisioning_status <> 'PENDING_DELETE' AND p.provisioning_status <> 'PENDING_DELETE'`,
          [lbId],
        )
      )
        .map((r: { subnet_id: string }) => r.subnet_id)
        .filter((s: string) => s !== lb.vipSubnetId);
      const amps = select ? await dp.ds.manager.findByIds(AmphoraEntity, select(ctx)) : await dp.liveAmphorae(dp.ds.manager, lbId);
      const plugged: string[] = [];
      for (const amp of amps) {
        const have: Array<{ id: string; subnet_id: string; device_owner: string }> = await dp.ds.query(
          `SELECT id, fixed_ips->0->>'subnet_id' AS subnet_id, device_owner FROM port WHERE device_id = $1 AND device_owner IN ($2, $3)`,
          [`amphora-${amp.id}`, MEMBER_PORT_OWNER, MEMBER_PORT_PENDING],
        );
        for (const subnetId of needed) {
          let port = have.find((p) => p.subnet_id === subnetId);
          // Plugged ports are left alone: a config push does not touch the amphora's links again.
          if (port?.device_owner === MEMBER_PORT_OWNER) continue;
          if (!port) {
            port = await dp.ds.transaction(async (em) => {
              const subnet = await em.findOneByOrFail(SubnetEntity, { id: subnetId });
              const p = await allocatePort(em, subnet, { name: `octavia-member-${amp.id.slice(0, 8)}`, deviceId: `amphora-${amp.id}`, deviceOwner: MEMBER_PORT_PENDING, projectId: lb.projectId });
              return { id: p.id, subnet_id: subnetId, device_owner: MEMBER_PORT_PENDING };
            });
          }
          const [row] = await dp.ds.query(`SELECT id, mac_address, network_id, fixed_ips FROM port WHERE id = $1`, [port.id]);
          const subnet = await dp.ds.manager.findOneByOrFail(SubnetEntity, { id: subnetId });
          const bridge = await dp.network.ensureNetwork(row.network_id);
          await dp.compute.attachPort(amp.computeId!, { portId: row.id, networkId: row.network_id, macAddress: row.mac_address, bridge });
          await dp.client.plugNetwork(dp.target(amp), {
            mac_address: row.mac_address,
            fixed_ips: [{ ip_address: row.fixed_ips[0].ip_address, subnet_cidr: subnet.cidr, host_routes: [], gateway: null }],
            mtu: 1500,
            is_sriov: false,
          });
          await dp.ds.query(`UPDATE port SET device_owner = $2 WHERE id = $1`, [row.id, MEMBER_PORT_OWNER]);
          plugged.push(row.id);
        }
        for (const stale of have.filter((p) => !needed.includes(p.subnet_id))) {
          await dp.compute.detachPort(amp.computeId!, stale.id);
          await dp.ds.transaction((em) => releasePort(em, stale.id));
          ctx.log('member port removed', { amphora_id: amp.id, port_id: stale.id });
        }
      }
      return { plugged };
    },
  };
}

/** Releases the VIP port the controller allocated (a user-supplied port is only handed back). */
export function releaseVip(dp: DataPlane): Task {
  return {
    name: 'network.release-vip',
    execute: async (ctx) => {
      const lb = await dp.ds.manager.findOneBy(LoadBalancerEntity, { id: ctx.flow.loadBalancerId! });
      if (!lb?.vipPortId) return null;
      await dp.ds.transaction(async (em) => {
        if (lb.vipOctaviaOwned) await releasePort(em, lb.vipPortId!);
        else await em.query(`UPDATE port SET device_id = NULL, device_owner = NULL WHERE id = $1`, [lb.vipPortId]);
      });
      return null;
    },
  };
}
