import { HeartbeatListenerStats, HeartbeatMemberStatus, HeartbeatPool } from '../../../heartbeat/src';
import { LvsListenerConfig } from './lvs-config';

/**
 * LVS runtime state from `ipvsadm -Ln` / `ipvsadm -Ln --stats --exact`, turned into the
 * heartbeat's listener stats and pool status (heartbeat.md §3).
 */

export interface IpvsRealServer {
  address: string;
  port: number;
  weight: number;
  activeConns: number;
  conns: number;
  inBytes: number;
  outBytes: number;
}

export interface IpvsVirtualServer {
  protocol: string;
  address: string;
  port: number;
  realServers: IpvsRealServer[];
  conns: number;
  inBytes: number;
  outBytes: number;
}

function splitHostPort(token: string): { address: string; port: number } {
  const colon = token.lastIndexOf(':');
  return { address: token.slice(0, colon).replace(/^\[(.*)\]$/, '$1').toLowerCase(), port: Number(token.slice(colon + 1)) };
}

function key(address: string, port: number): string {
  return `${address.toLowerCase()}|${port}`;
}

/** Merge the plain listing (weights, active conns) with the `--stats --exact` listing. */
export function parseIpvsadm(listing: string, statsListing: string): IpvsVirtualServer[] {
  const services = new Map<string, IpvsVirtualServer>();
  let current: IpvsVirtualServer | null = null;
  for (const raw of listing.split('\n')) {
    const cols = raw.trim().split(/\s+/);
    if (/^(UDP|TCP|SCTP)$/.test(cols[0]) && cols[1]) {
      current = { protocol: cols[0], ...splitHostPort(cols[1]), realServers: [], conns: 0, inBytes: 0, outBytes: 0 };
      services.set(key(current.address, current.port), current);
    } else if (cols[0] === '->' && current && cols[1] && cols[1] !== 'RemoteAddress:Port') {
      current.realServers.push({
        ...splitHostPort(cols[1]),
        weight: Number(cols[3]) || 0,
        activeConns: Number(cols[4]) || 0,
        conns: 0,
        inBytes: 0,
        outBytes: 0,
      });
    }
  }
  current = null;
  for (const raw of statsListing.split('\n')) {
    const cols = raw.trim().split(/\s+/);
    if (/^(UDP|TCP|SCTP)$/.test(cols[0]) && cols[1]) {
      const { address, port } = splitHostPort(cols[1]);
      current = services.get(key(address, port)) ?? null;
      if (current) {
        current.conns = Number(cols[2]) || 0;
        current.inBytes = Number(cols[5]) || 0;
        current.outBytes = Number(cols[6]) || 0;
      }
    } else if (cols[0] === '->' && current && cols[1] && cols[1] !== 'RemoteAddress:Port') {
      const { address, port } = splitHostPort(cols[1]);
      const rs = current.realServers.find((r) => r.address === address && r.port === port);
      if (rs) {
        rs.conns = Number(cols[2]) || 0;
        rs.inBytes = Number(cols[5]) || 0;
        rs.outBytes = Number(cols[6]) || 0;
      }
    }
  }
  return [...services.values()];
}

/** Virtual servers belonging to one listener (matched by its VIP:port lines). */
export function servicesFor(config: LvsListenerConfig, all: IpvsVirtualServer[]): IpvsVirtualServer[] {
  const wanted = new Set(config.vips.map((v) => key(v.address, v.port)));
  return all.filter((s) => wanted.has(key(s.address, s.port)));
}

/** Absolute counters of one LVS listener (deltas are computed by the sender). */
export function lvsListenerCounters(services: IpvsVirtualServer[]): { conns: number } & Omit<HeartbeatListenerStats, 'conns'> {
  let conns = 0;
  let totconns = 0;
  let rx = 0;
  let tx = 0;
  for (const s of services) {
    conns += s.realServers.reduce((sum, r) => sum + r.activeConns, 0);
    totconns += s.conns;
    rx += s.inBytes;
    tx += s.outBytes;
  }
  return { conns, totconns, rx, tx, ereq: 0 };
}

/**
 * Pool status for an LVS listener: members keepalived removed from IPVS are DOWN (or
 * RESTARTING while keepalived reloads a newer config), weight 0 is DRAIN, disabled is MAINT,
 * and without a health monitor live members are `no check`.
 */
export function lvsPoolStatus(config: LvsListenerConfig, services: IpvsVirtualServer[], restarting: boolean): HeartbeatPool {
  const members: Record<string, HeartbeatMemberStatus> = {};
  const real = new Map<string, IpvsRealServer>();
  for (const s of services) for (const r of s.realServers) real.set(key(r.address, r.port), r);
  let anyUp = false;
  for (const member of config.members) {
    if (!member.enabled) {
      members[member.id] = 'MAINT';
      continue;
    }
    const rs = member.address !== undefined && member.port !== undefined ? real.get(key(member.address, member.port)) : undefined;
    if (!rs) {
      members[member.id] = restarting ? 'RESTARTING' : 'DOWN';
    } else if (rs.weight === 0) {
      members[member.id] = 'DRAIN';
      anyUp = true;
    } else {
      members[member.id] = config.healthMonitor ? 'UP' : 'no check';
      anyUp = true;
    }
  }
  return { status: config.healthMonitor && !anyUp ? 'DOWN' : 'UP', members };
}
