import { isIP } from 'node:net';

export type IpFamily = 4 | 6;

export interface Cidr {
  /** Network address as written (normalised). */
  network: string;
  prefixlen: number;
  family: IpFamily;
}

export class InvalidAddressError extends Error {
  readonly status = 400;
}

/** Canonical text form: lowercase, IPv6 compressed, zone ids kept out. */
export function normaliseIp(ip: string): string | null {
  const bare = ip.trim().replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  if (family === 4) return bare;
  if (family === 6) return new URL(`http://[${bare}]`).hostname.slice(1, -1);
  return null;
}

export function ipFamily(ip: string): IpFamily | null {
  const family = isIP(ip.trim().replace(/^\[(.*)\]$/, '$1'));
  return family === 4 || family === 6 ? family : null;
}

export function parseIp(ip: unknown, what: string): { address: string; family: IpFamily } {
  if (typeof ip !== 'string') throw new InvalidAddressError(`${what} is not a string`);
  const address = normaliseIp(ip);
  const family = address === null ? null : ipFamily(address);
  if (address === null || family === null) throw new InvalidAddressError(`'${ip}' does not appear to be an IPv4 or IPv6 address`);
  return { address, family };
}

export function parseCidr(cidr: unknown, what = 'subnet_cidr'): Cidr {
  if (typeof cidr !== 'string' || !cidr.includes('/')) throw new InvalidAddressError(`${what} '${String(cidr)}' is not a CIDR`);
  const [addr, len] = cidr.split('/');
  const { address, family } = parseIp(addr, what);
  const prefixlen = Number(len);
  if (!Number.isInteger(prefixlen) || prefixlen < 0 || prefixlen > (family === 4 ? 32 : 128)) {
    throw new InvalidAddressError(`${what} '${cidr}' has an invalid prefix length`);
  }
  return { network: address, prefixlen, family };
}

export function hostPrefix(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

export function isMacAddress(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(value);
}
