import { Topology } from '../config/agent-config';
import { hostPrefix, InvalidAddressError, IpFamily, isMacAddress, parseCidr, parseIp } from './ip-address';

/**
 * Pure translation of plug requests (amphora-agent-api.md §3.11–3.12) into the addresses,
 * routes and policy rules an interface needs. `network.manager.ts` applies plans with `ip`.
 */

export interface PlannedAddress {
  address: string;
  prefixlen: number;
  family: IpFamily;
}

export interface PlannedRoute {
  /** `default` or a CIDR. */
  dst: string;
  family: IpFamily;
  gateway?: string;
  onlink?: boolean;
  scopeLink?: boolean;
  prefsrc?: string;
  /** Policy table; main table when absent. */
  table?: number;
}

export interface PlannedRule {
  src: string;
  srcLen: number;
  family: IpFamily;
  table: number;
  priority: number;
}

export interface InterfacePlan {
  name: string;
  mac: string;
  ifType: 'vip' | 'backend';
  mtu?: number;
  addresses: PlannedAddress[];
  routes: PlannedRoute[];
  rules: PlannedRule[];
  /** No static address was given: upstream would run DHCP/SLAAC. */
  dynamic: boolean;
}

/** A request the agent must refuse, with upstream's body shape. */
export type PlanRejection = { shape: 'werkzeug'; description: string } | { shape: 'message'; message: string };

export type PlanResult = { ok: true; plan: InterfacePlan; vips: string[] } | { ok: false; rejection: PlanRejection };

interface HostRoute {
  destination: string;
  nexthop: string;
}

const VIP_TABLE = 1;
const VIP_RULE_PRIORITY = 100;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hostRoutes(value: unknown): HostRoute[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidAddressError('host_routes must be a list');
  return value.map((r) => {
    if (!isObject(r)) throw new InvalidAddressError('host_routes entries must be objects');
    const dst = parseCidr(r.destination, 'host route destination');
    const hop = parseIp(r.nexthop, 'host route nexthop');
    return { destination: `${dst.network}/${dst.prefixlen}`, nexthop: hop.address };
  });
}

function optionalMtu(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 68 || value > 65535) {
    throw new InvalidAddressError(`invalid mtu ${String(value)}`);
  }
  return value;
}

interface VipSubnet {
  vip: { address: string; family: IpFamily };
  cidr: string;
  gateway: string | null;
  routes: HostRoute[];
}

function vipSubnet(ip: unknown, cidr: unknown, gateway: unknown, routes: unknown): VipSubnet {
  const vip = parseIp(ip, 'VIP');
  const subnet = parseCidr(cidr);
  if (subnet.family !== vip.family) throw new InvalidAddressError(`VIP ${vip.address} is not in the family of ${subnet.network}`);
  const gw = gateway === null || gateway === undefined || gateway === '' ? null : parseIp(gateway, 'gateway').address;
  return { vip, cidr: `${subnet.network}/${subnet.prefixlen}`, gateway: gw, routes: hostRoutes(routes) };
}

/**
 * Routes for one VIP: the subnet and default route in the main table, and, for SINGLE
 * topology, a copy in policy table 1 selected by `from <vip>` so replies leave by the VIP's
 * gateway. In ACTIVE_STANDBY keepalived owns the VIPs and their table-1 routes.
 */
function vipRoutes(s: VipSubnet, ownsVip: boolean): { routes: PlannedRoute[]; rules: PlannedRule[] } {
  const family = s.vip.family;
  const routes: PlannedRoute[] = [];
  const rules: PlannedRule[] = [];
  if (s.gateway) routes.push({ dst: 'default', family, gateway: s.gateway, onlink: true });
  for (const r of s.routes) routes.push({ dst: r.destination, family, gateway: r.nexthop, onlink: true });
  if (ownsVip) {
    routes.push({ dst: s.cidr, family, scopeLink: true, prefsrc: s.vip.address, table: VIP_TABLE });
    if (s.gateway) routes.push({ dst: 'default', family, gateway: s.gateway, onlink: true, table: VIP_TABLE });
    for (const r of s.routes) routes.push({ dst: r.destination, family, gateway: r.nexthop, onlink: true, table: VIP_TABLE });
    rules.push({ src: s.vip.address, srcLen: hostPrefix(family), family, table: VIP_TABLE, priority: VIP_RULE_PRIORITY });
  }
  return { routes, rules };
}

export function planVipInterface(vipIp: string, body: unknown, topology: Topology, name = 'eth1'): PlanResult {
  if (!isObject(body) || !('subnet_cidr' in body) || !('gateway' in body) || !isMacAddress(body.mac_address)) {
    return { ok: false, rejection: { shape: 'werkzeug', description: 'Invalid subnet information' } };
  }
  const ownsVip = topology !== 'ACTIVE_STANDBY';
  let subnets: VipSubnet[];
  try {
    subnets = [vipSubnet(vipIp, body.subnet_cidr, body.gateway, body.host_routes)];
    const extra = body.additional_vips ?? [];
    if (!Array.isArray(extra)) throw new InvalidAddressError('additional_vips must be a list');
    for (const v of extra) {
      if (!isObject(v)) throw new InvalidAddressError('additional_vips entries must be objects');
      subnets.push(vipSubnet(v.ip_address, v.subnet_cidr, v.gateway, v.host_routes));
    }
  } catch (err) {
    return { ok: false, rejection: { shape: 'message', message: `Invalid VIP: ${(err as Error).message}` } };
  }

  const plan: InterfacePlan = { name, mac: body.mac_address.toLowerCase(), ifType: 'vip', addresses: [], routes: [], rules: [], dynamic: false };
  try {
    plan.mtu = optionalMtu(body.mtu);
    if (body.vrrp_ip !== undefined && body.vrrp_ip !== null) {
      const vrrp = parseIp(body.vrrp_ip, 'VRRP address');
      plan.addresses.push({ address: vrrp.address, prefixlen: parseCidr(body.subnet_cidr).prefixlen, family: vrrp.family });
    } else {
      plan.dynamic = true;
    }
  } catch (err) {
    return { ok: false, rejection: { shape: 'message', message: `Invalid VRRP Address: ${(err as Error).message}` } };
  }
  for (const s of subnets) {
    if (ownsVip) plan.addresses.push({ address: s.vip.address, prefixlen: hostPrefix(s.vip.family), family: s.vip.family });
    const { routes, rules } = vipRoutes(s, ownsVip);
    plan.routes.push(...routes);
    plan.rules.push(...rules);
  }
  return { ok: true, plan, vips: subnets.map((s) => s.vip.address) };
}

/** Validate a `plug/network` body; the name is chosen by the caller. */
export function validateNetworkBody(body: unknown): { ok: true; mac: string } | { ok: false; rejection: PlanRejection } {
  if (!isObject(body) || !isMacAddress(body.mac_address)) {
    return { ok: false, rejection: { shape: 'werkzeug', description: 'Invalid port information' } };
  }
  const fixed = body.fixed_ips ?? [];
  if (!Array.isArray(fixed) || fixed.some((f) => !isObject(f) || parseIpOrNull(f.ip_address) === null)) {
    return { ok: false, rejection: { shape: 'message', message: 'Invalid network port' } };
  }
  return { ok: true, mac: body.mac_address.toLowerCase() };
}

function parseIpOrNull(value: unknown): string | null {
  try {
    return parseIp(value, 'ip_address').address;
  } catch (err) {
    if (err instanceof InvalidAddressError) return null;
    throw err;
  }
}

/**
 * Member-network port: static addresses with their subnet's prefix length and host routes,
 * never a default route. With `vip_net_info` (the VRRP port on a new VIP subnet) the port is
 * planned like the VIP interface.
 */
export function planNetworkInterface(name: string, body: Record<string, unknown>, topology: Topology): PlanResult {
  if (isObject(body.vip_net_info) && typeof body.vip_net_info.vip === 'string') {
    return planVipInterface(body.vip_net_info.vip, { ...body.vip_net_info, mac_address: body.mac_address }, topology, name);
  }
  const plan: InterfacePlan = {
    name,
    mac: String(body.mac_address).toLowerCase(),
    ifType: 'backend',
    addresses: [],
    routes: [],
    rules: [],
    dynamic: false,
  };
  try {
    plan.mtu = optionalMtu(body.mtu);
    const fixed = (body.fixed_ips ?? []) as Record<string, unknown>[];
    for (const f of fixed) {
      const ip = parseIp(f.ip_address, 'ip_address');
      const prefixlen = f.subnet_cidr ? parseCidr(f.subnet_cidr).prefixlen : hostPrefix(ip.family);
      plan.addresses.push({ address: ip.address, prefixlen, family: ip.family });
      for (const r of hostRoutes(f.host_routes)) {
        plan.routes.push({ dst: r.destination, family: ip.family, gateway: r.nexthop, onlink: true });
      }
    }
    plan.dynamic = fixed.length === 0;
  } catch (err) {
    return { ok: false, rejection: { shape: 'message', message: `Invalid network port: ${(err as Error).message}` } };
  }
  return { ok: true, plan, vips: [] };
}

export interface PlannedCommand {
  /** Arguments after `ip [-n <ns>]`. */
  argv: string[];
  /** "File exists" is success: we only add a route the namespace does not have yet. */
  mayExist?: boolean;
}

/**
 * `ip` commands that make the kernel match the plan; running them twice is harmless. The
 * main-table default route is only added, never replaced, so a default route the amphora
 * already has (e.g. via its management network) is left alone.
 */
export function planCommands(plan: InterfacePlan): PlannedCommand[] {
  const cmds: PlannedCommand[] = [];
  if (plan.mtu) cmds.push({ argv: ['link', 'set', 'dev', plan.name, 'mtu', String(plan.mtu)] });
  cmds.push({ argv: ['link', 'set', 'dev', plan.name, 'up'] });
  for (const a of plan.addresses) {
    const extra = a.family === 6 ? ['nodad'] : [];
    cmds.push({ argv: ['addr', 'replace', `${a.address}/${a.prefixlen}`, 'dev', plan.name, ...extra] });
  }
  for (const r of plan.routes) {
    const mainDefault = r.dst === 'default' && r.table === undefined;
    const cmd = [`-${r.family}`, 'route', mainDefault ? 'add' : 'replace', r.dst];
    if (r.gateway) cmd.push('via', r.gateway);
    cmd.push('dev', plan.name);
    if (r.onlink) cmd.push('onlink');
    if (r.scopeLink) cmd.push('scope', 'link');
    if (r.prefsrc) cmd.push('src', r.prefsrc);
    if (r.table !== undefined) cmd.push('table', String(r.table));
    cmds.push({ argv: cmd, mayExist: mainDefault });
  }
  return cmds;
}

export function ruleArgs(rule: PlannedRule): string[] {
  return [`-${rule.family}`, 'rule', 'add', 'from', `${rule.src}/${rule.srcLen}`, 'table', String(rule.table), 'priority', String(rule.priority)];
}
