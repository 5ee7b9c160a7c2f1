import { isIP } from 'node:net';
import { ALPN_PROTOCOLS, CONTROL_CHARS, TLS_VERSIONS } from './shared-constants';

/** Normalises a CIDR to network address + prefix (upstream stores `192.0.2.1/24` as `192.0.2.0/24`); undefined if invalid. */
export function normaliseCidr(value: unknown): string | undefined {
  if (typeof value !== 'string' || CONTROL_CHARS.test(value)) return undefined;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!m) return undefined;
  const version = isIP(m[1]);
  const prefix = Number(m[2]);
  if (version === 4) {
    if (prefix > 32) return undefined;
    const n = m[1].split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
    const mask = prefix === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n);
    const net = n & mask;
    return `${[24n, 16n, 8n, 0n].map((s) => String((net >> s) & 255n)).join('.')}/${prefix}`;
  }
  if (version === 6) {
    if (prefix > 128) return undefined;
    const n = ipv6ToBigInt(m[1]);
    const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
    return `${bigIntToIpv6(n & mask)}/${prefix}`;
  }
  return undefined;
}

export function ipv6ToBigInt(addr: string): bigint {
  let text = addr;
  if (text.includes('.')) {
    const idx = text.lastIndexOf(':');
    const v4 = text.slice(idx + 1).split('.').map(Number);
    text = `${text.slice(0, idx)}:${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

export function bigIntToIpv6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  // compress the longest run of zero groups
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export const isCidr = (v: unknown): boolean => normaliseCidr(v) !== undefined;
export const isTlsVersion = (v: unknown): boolean => typeof v === 'string' && (TLS_VERSIONS as readonly string[]).includes(v);
export const isAlpn = (v: unknown): boolean => typeof v === 'string' && (ALPN_PROTOCOLS as readonly string[]).includes(v);
export const isRef = (v: unknown): boolean => typeof v === 'string' && v.length <= 255 && !CONTROL_CHARS.test(v);

/** OpenSSL cipher strings: only the characters upstream master allows (no spaces, quotes, `#` or control characters). */
export const CIPHER_CHARS = /^[A-Za-z0-9\-+!:@=_.]*$/;

/** Absolute http(s) URL with a host, no whitespace or control characters (upstream master's check, stricter on quotes). */
export function isRedirectUrl(v: unknown): boolean {
  if (typeof v !== 'string' || v.length > 255 || /[\s"'\\<>`{}|^#]/.test(v) || CONTROL_CHARS.test(v)) return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** A health-monitor URL path: starts with `/`, no whitespace, no scheme/host/userinfo, no quotes or `#`. */
export function isUrlPath(v: unknown): boolean {
  return typeof v === 'string' && v.length <= 2048 && /^\/[^\s"'\\#]*$/.test(v) && !CONTROL_CHARS.test(v) && !v.startsWith('//');
}

export const EXPECTED_CODES = /^(\d{3}(\s*,\s*\d{3})*)$|^(\d{3}-\d{3})$/;
export const DOMAIN_NAME = /^(?=.{1,253}\.?$)(?:(?!-|[^.]+_)[A-Za-z0-9-_]{1,63}(?<!-)(?:\.|$))+$/;
export const COOKIE_NAME = /^[^\s,;\\"()<>@:/[\]?={}\u0000-\u001f\u007f]+$/;
