import { randomBytes, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { EntityManager } from 'typeorm';
import { IpAllocationEntity, PortEntity, SubnetEntity } from '../entities';

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}
function intToV4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function subnetContains(cidr: string, ip: string): boolean {
  const [net, prefixRaw] = cidr.split('/');
  if (isIP(net) !== 4 || isIP(ip) !== 4) return false;
  const size = 2 ** (32 - Number(prefixRaw));
  const base = v4ToInt(net) - (v4ToInt(net) % size);
  const n = v4ToInt(ip);
  return n >= base && n < base + size;
}

export function randomMac(): string {
  const b = randomBytes(3);
  return `fa:16:3e:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

export class IpamError extends Error {
  constructor(message: string, readonly conflict = false) {
    super(message);
  }
}

/**
 * IP address management for the local network driver: one `ip_allocation` row per address, so two
 * concurrent allocations of the same address fail on the primary key instead of double-booking.
 */
export async function allocatePort(
  em: EntityManager,
  subnet: SubnetEntity,
  opts: { name: string; deviceId?: string | null; deviceOwner: string; projectId?: string | null; ipAddress?: string | null },
): Promise<PortEntity> {
  // Allocations on one subnet are serialised for the rest of the caller's transaction: two concurrent
  // failovers (or a failover and an API create) would otherwise pick the same free address and one of them
  // would fail on the primary key instead of taking the next address.
  await em.query(`SELECT pg_advisory_xact_lock(hashtext('octavia-ts-ipam'), hashtext($1))`, [subnet.id]);
  const used = new Set<string>(
    (await em.query(`SELECT ip_address FROM ip_allocation WHERE subnet_id = $1`, [subnet.id])).map((r: { ip_address: string }) => r.ip_address),
  );
  let ip = opts.ipAddress ?? undefined;
  if (ip) {
    if (!subnetContains(subnet.cidr, ip)) throw new IpamError(`IP address ${ip} is not in subnet ${subnet.id}`);
    if (used.has(ip) || ip === subnet.gatewayIp) throw new IpamError(`IP address ${ip} already allocated in subnet ${subnet.id}.`, true);
  } else {
    for (const pool of subnet.allocationPools) {
      for (let n = v4ToInt(pool.start); n <= v4ToInt(pool.end) && !ip; n++) {
        const candidate = intToV4(n);
        if (!used.has(candidate) && candidate !== subnet.gatewayIp) ip = candidate;
      }
      if (ip) break;
    }
    if (!ip) throw new IpamError(`No more IP addresses available on subnet ${subnet.id}.`);
  }
  const port = em.create(PortEntity, {
    id: randomUUID(),
    networkId: subnet.networkId,
    name: opts.name,
    deviceId: opts.deviceId ?? null,
    deviceOwner: opts.deviceOwner,
    macAddress: randomMac(),
    fixedIps: [{ subnet_id: subnet.id, ip_address: ip }],
    projectId: opts.projectId ?? null,
    createdAt: new Date(),
  });
  await em.insert(PortEntity, port);
  await em.insert(IpAllocationEntity, { subnetId: subnet.id, ipAddress: ip, portId: port.id });
  return port;
}

/** Counts free addresses of a subnet (the VIP subnet choice needs 2 for SINGLE, 3 for ACTIVE_STANDBY). */
export async function freeAddressCount(em: EntityManager, subnet: SubnetEntity): Promise<number> {
  const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM ip_allocation WHERE subnet_id = $1`, [subnet.id]);
  const total = subnet.allocationPools.reduce((acc, p) => acc + v4ToInt(p.end) - v4ToInt(p.start) + 1, 0);
  return total - n;
}

export async function releasePort(em: EntityManager, portId: string): Promise<void> {
  await em.query(`DELETE FROM port WHERE id = $1`, [portId]);
}
