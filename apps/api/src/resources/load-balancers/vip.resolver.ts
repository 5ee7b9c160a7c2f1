import { createHash, randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { OctaviaConfig } from '../../../../../libs/common/src';
import { IpamError, PortEntity, SubnetEntity, NetworkEntity, allocatePort, freeAddressCount, subnetContains } from '../../../../../libs/database/src';
import { ApiFault } from '../../common/api-fault';
import { LoadBalancerCreateDto } from '../dto/dtos';

export interface ResolvedVip {
  address: string;
  portId: string;
  subnetId: string;
  networkId: string;
  octaviaOwned: boolean;
  qosPolicyId: string | null;
}

/**
 * VIP resolution (spec 9.1.4). Networks and subnets known to the local network driver are resolved and
 * allocated for real; with no local network rows the deployment runs the no-op network driver, which
 * accepts the given ids and makes up an address in TEST-NET-2 the way upstream's noop driver does.
 */
export async function resolveVip(em: EntityManager, config: OctaviaConfig, body: LoadBalancerCreateDto, lbId: string, projectId: string | null, topology: string): Promise<ResolvedVip> {
  const allowed = [
    config.networking.allowVipPortId ? 'vip_port_id' : null,
    config.networking.allowVipNetworkId ? 'vip_network_id' : null,
    config.networking.allowVipSubnetId ? 'vip_subnet_id' : null,
  ].filter(Boolean) as string[];
  const given = (['vip_port_id', 'vip_network_id', 'vip_subnet_id'] as const).filter((k) => body[k]);
  if (!given.length) throw ApiFault.validation(`VIP must contain one of: ${allowed.join(', ')}.`);
  for (const k of given) if (!allowed.includes(k)) throw ApiFault.validation(`use of ${k} is disallowed by this deployment's configuration.`);

  const networks = await em.count(NetworkEntity);
  if (networks === 0) return noopVip(body, lbId);

  if (body.vip_port_id) {
    const port = await em.findOneBy(PortEntity, { id: body.vip_port_id });
    if (!port) throw ApiFault.badRequest(`Port ${body.vip_port_id} not found.`);
    if (port.deviceId) throw ApiFault.validation(`Port ${port.id} is already used by device ${port.deviceId} `);
    let ip = port.fixedIps[0];
    if (body.vip_subnet_id) {
      ip = port.fixedIps.find((f) => f.subnet_id === body.vip_subnet_id)!;
      if (!ip) throw ApiFault.validation('No VIP address found on the specified VIP port within the specified subnet.');
    } else if (body.vip_address) {
      ip = port.fixedIps.find((f) => f.ip_address === body.vip_address)!;
      if (!ip) throw ApiFault.validation('Specified VIP address not found on the specified VIP port.');
    } else if (port.fixedIps.length !== 1) {
      throw ApiFault.validation("VIP port's subnet could not be determined. Please specify either a VIP subnet or address.");
    }
    await em.update(PortEntity, { id: port.id }, { deviceId: `lb-${lbId}`, deviceOwner: 'Octavia' });
    return { address: ip.ip_address, portId: port.id, subnetId: ip.subnet_id, networkId: port.networkId, octaviaOwned: false, qosPolicyId: body.vip_qos_policy_id ?? null };
  }

  let subnet: SubnetEntity | null = null;
  if (body.vip_network_id) {
    const network = await em.findOneBy(NetworkEntity, { id: body.vip_network_id });
    if (!network) throw ApiFault.badRequest(`Network ${body.vip_network_id} not found.`);
    const subnets = await em.find(SubnetEntity, { where: { networkId: network.id }, order: { ipVersion: 'ASC', name: 'ASC' } });
    if (body.vip_subnet_id) {
      subnet = subnets.find((s) => s.id === body.vip_subnet_id) ?? null;
      if (!subnet) throw ApiFault.badRequest(`Subnet ${body.vip_subnet_id} not found.`);
    } else if (body.vip_address) {
      subnet = subnets.find((s) => subnetContains(s.cidr, body.vip_address!)) ?? null;
      if (!subnet) throw ApiFault.validation('Supplied network does not contain a subnet for VIP address specified.');
    } else {
      if (!subnets.length) throw ApiFault.validation('Supplied network does not contain a subnet.');
      const need = topology === 'ACTIVE_STANDBY' ? 3 : 2;
      for (const s of subnets) if ((await freeAddressCount(em, s)) >= need) { subnet = s; break; }
      if (!subnet) throw ApiFault.validation('Subnet(s) in the supplied network do not contain enough available IPs.');
    }
  } else {
    subnet = await em.findOneBy(SubnetEntity, { id: body.vip_subnet_id! });
    if (!subnet) throw ApiFault.badRequest(`Subnet ${body.vip_subnet_id} not found.`);
  }
  try {
    const port = await allocatePort(em, subnet, { name: `octavia-lb-${lbId}`, deviceId: `lb-${lbId}`, deviceOwner: 'Octavia', projectId, ipAddress: body.vip_address });
    return { address: port.fixedIps[0].ip_address, portId: port.id, subnetId: subnet.id, networkId: subnet.networkId, octaviaOwned: true, qosPolicyId: body.vip_qos_policy_id ?? null };
  } catch (err) {
    if (err instanceof IpamError) throw err.conflict ? ApiFault.conflict(`The VIP IP address is already in use: ${err.message}`) : ApiFault.validation(err.message);
    throw err;
  }
}

function noopVip(body: LoadBalancerCreateDto, lbId: string): ResolvedVip {
  const h = createHash('sha256').update(lbId).digest();
  return {
    address: body.vip_address ?? `198.51.100.${(h[0] % 250) + 2}`,
    portId: body.vip_port_id ?? randomUUID(),
    subnetId: body.vip_subnet_id ?? randomUUID(),
    networkId: body.vip_network_id ?? randomUUID(),
    octaviaOwned: !body.vip_port_id,
    qosPolicyId: body.vip_qos_policy_id ?? null,
  };
}
