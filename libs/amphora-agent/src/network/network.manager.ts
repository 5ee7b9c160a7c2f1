import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AgentContext } from '../agent-context';
import { commandOutput, CommandResult } from '../platform/platform';
import { readFileOrNull, writeFileAtomic } from '../util/files';
import { errorMessage } from '../util/logger';
import {
  InterfacePlan,
  PlanRejection,
  planCommands,
  planNetworkInterface,
  planVipInterface,
  ruleArgs,
  validateNetworkBody,
} from './interface-plan';
import { ipFamily, normaliseIp } from './ip-address';

export type PlugOutcome =
  | { kind: 'plugged'; name: string; vips: string[] }
  | { kind: 'updated'; name: string }
  | { kind: 'already_plugged' }
  | { kind: 'rejected'; rejection: PlanRejection }
  | { kind: 'no_interface' }
  | { kind: 'failed'; output: string };

export type InterfaceLookup = { kind: 'found'; name: string } | { kind: 'invalid' } | { kind: 'not_found' };

interface IpLink {
  ifname: string;
  address?: string;
  stats64?: { rx?: { bytes?: number }; tx?: { bytes?: number } };
  addr_info?: { local?: string }[];
}

class IpCommandError extends Error {}

/**
 * Data-plane interfaces. Links are identified by MAC, as upstream does: the VIP port becomes
 * `eth1`, member ports `eth2`, `eth3`, … On platforms with a data-plane namespace the link is
 * moved from the root namespace into it; on the netns amphora it is already beside the agent
 * and is only renamed. Plugged links are recorded in `plugged_interfaces` (`<mac> <name>`).
 */
export class NetworkManager {
  constructor(private readonly ctx: AgentContext) {}

  private get ns(): string | null {
    return this.ctx.platform.dataPlaneNamespace;
  }

  private ipArgv(args: string[], inDataPlane = true): string[] {
    const ip = this.ctx.config().amphoraAgent.ipCmd;
    return inDataPlane && this.ns ? [ip, '-n', this.ns, ...args] : [ip, ...args];
  }

  private async ip(args: string[], inDataPlane = true): Promise<CommandResult> {
    return this.ctx.platform.runner.run(this.ipArgv(args, inDataPlane));
  }

  private async mustIp(args: string[], inDataPlane = true, mayExist = false): Promise<void> {
    const result = await this.ip(args, inDataPlane);
    if (result.code !== 0 && !(mayExist && /File exists/i.test(commandOutput(result)))) {
      throw new IpCommandError(`ip ${args.join(' ')}: ${commandOutput(result)}`);
    }
  }

  private async links(args: string[], inDataPlane = true): Promise<IpLink[]> {
    const result = await this.ip(['-j', ...args], inDataPlane);
    if (result.code !== 0) throw new IpCommandError(`ip -j ${args.join(' ')}: ${commandOutput(result)}`);
    return JSON.parse(result.stdout || '[]') as IpLink[];
  }

  async readPlugged(): Promise<Map<string, string>> {
    const text = (await readFileOrNull(this.ctx.paths.pluggedInterfaces))?.toString() ?? '';
    const map = new Map<string, string>();
    for (const line of text.split('\n')) {
      const [mac, name] = line.trim().split(/\s+/);
      if (mac && name) map.set(mac.toLowerCase(), name);
    }
    return map;
  }

  private async record(mac: string, name: string): Promise<void> {
    const plugged = await this.readPlugged();
    plugged.set(mac, name);
    const text = [...plugged].map(([m, n]) => `${m} ${n}`).join('\n');
    await writeFileAtomic(this.ctx.paths.pluggedInterfaces, `${text}\n`, 0o644);
  }

  /** A link with this MAC that was already plugged (and so must not be plugged again). */
  private async pluggedLink(mac: string): Promise<IpLink | null> {
    const link = (await this.links(['link', 'show'])).find((l) => l.address?.toLowerCase() === mac);
    if (!link) return null;
    if (this.ns) return link; // anything inside the data-plane namespace was put there by us
    return (await this.readPlugged()).get(mac) === link.ifname ? link : null;
  }

  /** The not-yet-plugged link with this MAC (root namespace, or beside us on netns amphorae). */
  private async candidateLink(mac: string): Promise<IpLink | null> {
    const link = (await this.links(['link', 'show'], false)).find((l) => l.address?.toLowerCase() === mac);
    if (link || !this.ns) return link ?? null;
    // A hot-plugged NIC may need a PCI rescan to appear; the controller retries on our 404.
    await fs.writeFile('/sys/bus/pci/rescan', '1').catch((err: Error) =>
      this.ctx.logger.debug('PCI rescan failed', { error: err.message }),
    );
    return null;
  }

  async plugVip(vip: string, body: unknown): Promise<PlugOutcome> {
    const planned = planVipInterface(vip, body, this.ctx.config().controllerWorker.loadbalancerTopology);
    if (!planned.ok) return { kind: 'rejected', rejection: planned.rejection };
    try {
      if (await this.pluggedLink(planned.plan.mac)) return { kind: 'already_plugged' };
      const link = await this.candidateLink(planned.plan.mac);
      if (!link) return { kind: 'no_interface' };
      const clash = (await this.links(['link', 'show'])).find(
        (l) => l.ifname === planned.plan.name && l.address?.toLowerCase() !== planned.plan.mac,
      );
      if (clash) {
        return { kind: 'failed', output: `interface name ${planned.plan.name} is already used by ${clash.address}` };
      }
      await this.install(link.ifname, planned.plan);
      return { kind: 'plugged', name: planned.plan.name, vips: planned.vips };
    } catch (err) {
      return { kind: 'failed', output: errorMessage(err) };
    }
  }

  async plugNetwork(body: unknown): Promise<PlugOutcome> {
    const valid = validateNetworkBody(body);
    if (!valid.ok) return { kind: 'rejected', rejection: valid.rejection };
    const request = body as Record<string, unknown>;
    const topology = this.ctx.config().controllerWorker.loadbalancerTopology;
    try {
      const existing = await this.pluggedLink(valid.mac);
      if (existing) {
        const planned = planNetworkInterface(existing.ifname, request, topology);
        if (!planned.ok) return { kind: 'rejected', rejection: planned.rejection };
        await this.apply(planned.plan);
        await this.writeInterfaceFile(planned.plan);
        await this.advertise(planned.plan.addresses.map((a) => a.address));
        return { kind: 'updated', name: existing.ifname };
      }
      const link = await this.candidateLink(valid.mac);
      if (!link) return { kind: 'no_interface' };
      const planned = planNetworkInterface(await this.nextMemberInterfaceName(), request, topology);
      if (!planned.ok) return { kind: 'rejected', rejection: planned.rejection };
      await this.install(link.ifname, planned.plan);
      await this.advertise(planned.plan.addresses.map((a) => a.address));
      return { kind: 'plugged', name: planned.plan.name, vips: [] };
    } catch (err) {
      return { kind: 'failed', output: errorMessage(err) };
    }
  }

  private async nextMemberInterfaceName(): Promise<string> {
    const used = new Set((await this.links(['link', 'show'])).map((l) => l.ifname));
    for (const name of (await this.readPlugged()).values()) used.add(name);
    for (let n = 2; ; n++) if (!used.has(`eth${n}`)) return `eth${n}`;
  }

  /** Record, move/rename, then configure a link according to its plan. */
  private async install(currentName: string, plan: InterfacePlan): Promise<void> {
    await this.record(plan.mac, plan.name);
    await this.writeInterfaceFile(plan);
    if (this.ns) await this.mustIp(['link', 'set', 'dev', currentName, 'netns', this.ns], false);
    if (currentName !== plan.name) {
      await this.mustIp(['link', 'set', 'dev', currentName, 'down']);
      await this.mustIp(['link', 'set', 'dev', currentName, 'name', plan.name]);
    }
    await this.apply(plan);
  }

  private async apply(plan: InterfacePlan): Promise<void> {
    if (plan.dynamic) this.ctx.logger.warn('no static address given; DHCP is not run by this agent', { interface: plan.name });
    for (const cmd of planCommands(plan)) await this.mustIp(cmd.argv, true, cmd.mayExist);
    for (const rule of plan.rules) {
      const add = ruleArgs(rule);
      // `ip rule add` is not idempotent: drop a previous copy first (absence is fine).
      await this.ip(add.map((a) => (a === 'add' ? 'del' : a)));
      await this.mustIp(add);
    }
  }

  /** Persisted description of the interface (format of amphora-agent-api.md §5.3). */
  private async writeInterfaceFile(plan: InterfacePlan): Promise<void> {
    const doc = {
      name: plan.name,
      if_type: plan.ifType,
      mtu: plan.mtu,
      addresses: plan.dynamic ? [{ dhcp: true }, { ipv6auto: true }] : plan.addresses.map((a) => ({ address: a.address, prefixlen: a.prefixlen })),
      routes: plan.routes.map((r) => ({
        dst: r.dst === 'default' ? (r.family === 4 ? '0.0.0.0/0' : '::/0') : r.dst,
        gateway: r.gateway,
        flags: r.onlink ? ['onlink'] : undefined,
        scope: r.scopeLink ? 'link' : undefined,
        prefsrc: r.prefsrc,
        table: r.table,
      })),
      rules: plan.rules.map((r) => ({ src: r.src, src_len: r.srcLen, table: r.table })),
      scripts: { up: [], down: [] },
      is_sriov: false,
    };
    const dir = this.ctx.config().amphoraAgent.agentServerNetworkDir;
    await writeFileAtomic(path.join(dir, `${plan.name}.json`), `${JSON.stringify(doc, null, 2)}\n`, 0o644);
  }

  async interfaceForIp(ip: string): Promise<InterfaceLookup> {
    const wanted = normaliseIp(ip);
    if (wanted === null) return { kind: 'invalid' };
    for (const link of await this.links(['addr', 'show'])) {
      if ((link.addr_info ?? []).some((a) => a.local !== undefined && normaliseIp(a.local) === wanted)) {
        return { kind: 'found', name: link.ifname };
      }
    }
    return { kind: 'not_found' };
  }

  /** Byte counters of `eth*` links in the data plane, for `/details`. */
  async linkCounters(): Promise<Record<string, { network_tx: number; network_rx: number }>> {
    const out: Record<string, { network_tx: number; network_rx: number }> = {};
    for (const link of await this.links(['-s', 'link', 'show'])) {
      if (!link.ifname.startsWith('eth')) continue;
      out[link.ifname] = { network_tx: link.stats64?.tx?.bytes ?? 0, network_rx: link.stats64?.rx?.bytes ?? 0 };
    }
    return out;
  }

  /**
   * Gratuitous ARP for IPv4 addresses so neighbours learn the (possibly moved) VIP. Best
   * effort, as upstream: a missing `arping` or a failure is only logged. Not awaited: arping sends
   * its unsolicited ARP as soon as it starts and then sits out its one-second deadline waiting for
   * replies, which nobody sends to an unsolicited ARP; the caller's response need not wait for that.
   */
  async advertise(addresses: string[]): Promise<void> {
    for (const address of addresses) {
      if (ipFamily(address) !== 4 || address.startsWith('127.')) continue;
      const found = await this.interfaceForIp(address);
      if (found.kind !== 'found') continue;
      void this.ctx.platform.runner
        .run(this.ctx.platform.dataPlaneExec(['arping', '-U', '-c', '1', '-w', '1', '-I', found.name, address]), { timeoutMs: 3000 })
        .then((result) => {
          if (result.code !== 0) this.ctx.logger.debug('gratuitous ARP not sent', { address, output: commandOutput(result) });
        });
    }
  }
}
