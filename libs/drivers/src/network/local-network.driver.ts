import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { NetworkEntity, SubnetEntity } from '../../../database/src';
import { BridgeLocation, ManagementAddress } from '../compute/compute-driver';
import { ensureNamespace, linkExists, namespaceExists, run, runQuiet, tagOf } from '../util/exec';
import { NetworkDriver } from './network-driver';

export interface LocalNetworkOptions {
  /** Namespace that holds one bridge per tenant network. */
  namespace: string;
  /** Bridge of the management network, in the root namespace (the controller's side, upstream's o-hm0). */
  mgmtBridge: string;
  /** Management subnet; the controller takes its first address, amphorae the following ones. */
  mgmtCidr: string;
}

export const DEFAULT_LOCAL_NETWORK: LocalNetworkOptions = { namespace: 'octavia-net', mgmtBridge: 'octavia-mgmt', mgmtCidr: '172.31.0.0/22' };

export function v4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}
export function intToV4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(cidr: string): { base: number; prefix: number; size: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!m || m[1].split('.').some((o) => Number(o) > 255) || Number(m[2]) > 30 || Number(m[2]) < 8) {
    throw new Error(`"${cidr}" is not an IPv4 CIDR with a prefix between /8 and /30`);
  }
  const prefix = Number(m[2]);
  const size = 2 ** (32 - prefix);
  const base = v4ToInt(m[1]) - (v4ToInt(m[1]) % size);
  return { base, prefix, size };
}

/** Bridge name of a tenant network: 15 characters at most, derived from the network id. */
export function bridgeName(networkId: string): string {
  return `obr${tagOf(networkId, 12)}`;
}

/**
 * The `local` network driver: each network is a Linux bridge inside a namespace this driver owns, and the
 * management network is a bridge in the root namespace carrying the controller's address. Addresses of
 * tenant ports are managed in PostgreSQL (libs/database ipam); management addresses are stored on the
 * amphora row (lb_network_ip), chosen under an advisory lock so two workers never hand out the same one.
 */
export class LocalNetworkDriver implements NetworkDriver {
  readonly name = 'local';
  private readonly mgmt: { base: number; prefix: number; size: number };

  constructor(readonly opts: LocalNetworkOptions = DEFAULT_LOCAL_NETWORK) {
    this.mgmt = parseCidr(opts.mgmtCidr);
  }

  get controllerIp(): string {
    return intToV4(this.mgmt.base + 1);
  }

  /** The root-namespace management bridge with the controller's address (idempotent). */
  async ensureManagement(): Promise<BridgeLocation> {
    const br = this.opts.mgmtBridge;
    if (!(await linkExists(br, null))) {
      await run(['ip', 'link', 'add', br, 'type', 'bridge']).catch(async (e) => {
        if (!(await linkExists(br, null))) throw e;
      });
    }
    const addr = `${this.controllerIp}/${this.mgmt.prefix}`;
    const shown = await run(['ip', '-o', '-4', 'addr', 'show', 'dev', br]);
    if (!shown.includes(` ${addr} `)) await run(['ip', 'addr', 'add', addr, 'dev', br]).catch(() => undefined);
    await run(['ip', 'link', 'set', br, 'up']);
    return { namespace: null, bridge: br };
  }

  async ensureNetwork(networkId: string): Promise<BridgeLocation> {
    await ensureNamespace(this.opts.namespace);
    const br = bridgeName(networkId);
    if (!(await linkExists(br, this.opts.namespace))) {
      await run(['ip', '-n', this.opts.namespace, 'link', 'add', br, 'type', 'bridge']).catch(async (e) => {
        if (!(await linkExists(br, this.opts.namespace))) throw e;
      });
    }
    await run(['ip', '-n', this.opts.namespace, 'link', 'set', br, 'up']);
    return { namespace: this.opts.namespace, bridge: br };
  }

  async removeNetwork(networkId: string): Promise<void> {
    if (await namespaceExists(this.opts.namespace)) await runQuiet(['ip', '-n', this.opts.namespace, 'link', 'del', bridgeName(networkId)]);
  }

  async allocateManagement(em: EntityManager, amphoraId: string): Promise<ManagementAddress> {
    return em.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('octavia-ts-mgmt-ipam'))`);
      const [own] = await tx.query(`SELECT lb_network_ip FROM amphora WHERE id = $1`, [amphoraId]);
      if (!own) throw new Error(`amphora ${amphoraId} has no database row`);
      let ip: string | null = own.lb_network_ip;
      if (!ip) {
        const used = new Set<string>(
          (await tx.query(`SELECT lb_network_ip FROM amphora WHERE lb_network_ip IS NOT NULL AND status <> 'DELETED'`)).map((r: { lb_network_ip: string }) => r.lb_network_ip),
        );
        for (let n = this.mgmt.base + 2; n < this.mgmt.base + this.mgmt.size - 1; n++) {
          if (!used.has(intToV4(n))) {
            ip = intToV4(n);
            break;
          }
        }
        if (!ip) throw new Error(`management network ${this.opts.mgmtCidr} has no free address`);
        await tx.query(`UPDATE amphora SET lb_network_ip = $2, updated_at = now() AT TIME ZONE 'utc' WHERE id = $1`, [amphoraId, ip]);
      }
      return { ip, prefixLength: this.mgmt.prefix, controllerIp: this.controllerIp, bridge: { namespace: null, bridge: this.opts.mgmtBridge }, macAddress: macFor(amphoraId) };
    });
  }

  /**
   * Connects a namespace (a backend, a client, or the root namespace with `namespace = null`) to a network's
   * bridge with a configured address: how hosts outside amphorae join a local network.
   */
  async attachHost(networkId: string, target: { namespace: string | null; ifname: string; address: string }): Promise<{ bridgeSide: string }> {
    const loc = await this.ensureNetwork(networkId);
    const tag = randomUUID().replace(/-/g, '').slice(0, 8);
    const inner = `oh${tag}a`;
    const outer = `oh${tag}b`;
    await run(['ip', 'link', 'add', inner, 'type', 'veth', 'peer', 'name', outer]);
    try {
      await run(['ip', 'link', 'set', outer, 'netns', loc.namespace!]);
      await run(['ip', '-n', loc.namespace!, 'link', 'set', outer, 'master', loc.bridge, 'up']);
      if (target.namespace) {
        await ensureNamespace(target.namespace);
        await run(['ip', 'link', 'set', inner, 'netns', target.namespace]);
      }
      const ns = target.namespace ? ['-n', target.namespace] : [];
      await run(['ip', ...ns, 'link', 'set', inner, 'name', target.ifname]);
      await run(['ip', ...ns, 'addr', 'add', target.address, 'dev', target.ifname]);
      await run(['ip', ...ns, 'link', 'set', target.ifname, 'up']);
    } catch (err) {
      await runQuiet(['ip', 'link', 'del', inner]);
      await runQuiet(['ip', '-n', loc.namespace!, 'link', 'del', outer]);
      throw err;
    }
    return { bridgeSide: outer };
  }

  /** Links currently enslaved to a network's bridge (leak checks and `octavia-ts network show`). */
  async bridgePorts(networkId: string): Promise<string[]> {
    if (!(await namespaceExists(this.opts.namespace))) return [];
    const out = await run(['ip', '-n', this.opts.namespace, '-o', 'link', 'show', 'master', bridgeName(networkId)]).catch(() => '');
    return out.split('\n').filter(Boolean).map((l) => l.split(': ')[1].split('@')[0]);
  }

  /** Removes the driver's namespace with all bridges (tests and `octavia-ts network destroy-all`). */
  async destroyAll(): Promise<void> {
    if (await namespaceExists(this.opts.namespace)) await runQuiet(['ip', 'netns', 'del', this.opts.namespace]);
    if (await linkExists(this.opts.mgmtBridge, null)) await runQuiet(['ip', 'link', 'del', this.opts.mgmtBridge]);
  }
}

/** A stable Neutron-style MAC for an amphora's management link. */
export function macFor(id: string): string {
  const h = tagOf(id, 6);
  return `fa:16:3e:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}

/** Creates a local network with one IPv4 subnet (the `octavia-ts network create` command and the tests). */
export async function createLocalNetwork(
  em: EntityManager,
  driver: LocalNetworkDriver,
  input: { name: string; cidr: string; gateway?: string | null; projectId?: string | null; allocationStart?: string; allocationEnd?: string },
): Promise<{ network: NetworkEntity; subnet: SubnetEntity }> {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(input.name)) throw new Error('network names are 1-64 letters, digits, "_", "." or "-"');
  const c = parseCidr(input.cidr);
  const cidr = `${intToV4(c.base)}/${c.prefix}`;
  const gateway = input.gateway === undefined ? intToV4(c.base + 1) : input.gateway;
  const start = input.allocationStart ?? intToV4(c.base + 2);
  const end = input.allocationEnd ?? intToV4(c.base + c.size - 2);
  const network = em.create(NetworkEntity, { id: randomUUID(), name: input.name, projectId: input.projectId ?? null, bridge: null, createdAt: new Date() });
  network.bridge = bridgeName(network.id);
  const subnet = em.create(SubnetEntity, {
    id: randomUUID(),
    networkId: network.id,
    name: `${input.name}-subnet`,
    cidr,
    ipVersion: 4,
    gatewayIp: gateway,
    allocationPools: [{ start, end }],
    projectId: input.projectId ?? null,
  });
  await em.insert(NetworkEntity, network);
  await em.insert(SubnetEntity, subnet);
  await driver.ensureNetwork(network.id);
  return { network, subnet };
}

