import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** OpenSSH's fingerprint form: `SHA256:` + unpadded base64 of SHA-256 over the key blob. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

export interface KnownHostEntry {
  /** Host patterns as written (plain, comma-separated) or null for a hashed entry. */
  patterns: string[] | null;
  hashed: { salt: Buffer; hash: Buffer } | null;
  keyType: string;
  keyBlob: Buffer;
  marker: '@revoked' | '@cert-authority' | null;
}

/** Parses a known_hosts file; malformed lines are skipped (as ssh does). */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker'];
    if (fields.length < 3) continue;
    const [hosts, keyType, b64] = fields;
    let keyBlob: Buffer;
    try {
      keyBlob = Buffer.from(b64, 'base64');
    } catch {
      continue;
    }
    if (keyBlob.length === 0) continue;
    const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(hosts);
    out.push({
      patterns: m ? null : hosts.split(','),
      hashed: m ? { salt: Buffer.from(m[1], 'base64'), hash: Buffer.from(m[2], 'base64') } : null,
      keyType,
      keyBlob,
      marker,
    });
  }
  return out;
}

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

function entryMatches(e: KnownHostEntry, name: string): boolean {
  if (e.hashed) {
    const h = createHmac('sha1', e.hashed.salt).update(name).digest();
    return h.length === e.hashed.hash.length && timingSafeEqual(h, e.hashed.hash);
  }
  let matched = false;
  for (const p of e.patterns ?? []) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) {
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict = { ok: true; how: string } | { ok: false; reason: string };

/**
 * Decides whether a presented host key is the device's: a pinned fingerprint must equal it; otherwise
 * a known_hosts entry for the host must hold exactly this key. Unknown hosts and mismatches are refused
 * (never trust on first use); a key marked @revoked is refused even if pinned.
 */
export function verifyHostKey(
  keyBlob: Buffer,
  opts: { host: string; port: number; pinnedFingerprint?: string; knownHosts?: KnownHostEntry[] },
): HostKeyVerdict {
  const fp = sha256Fingerprint(keyBlob);
  const name = knownHostsName(opts.host, opts.port);
  const entries = (opts.knownHosts ?? []).filter((e) => entryMatches(e, name));
  if (entries.some((e) => e.marker === '@revoked' && e.keyBlob.equals(keyBlob))) {
    return { ok: false, reason: `host key ${fp} of ${name} is marked @revoked` };
  }
  if (opts.pinnedFingerprint) {
    const want = opts.pinnedFingerprint.replace(/=+$/, '');
    const a = Buffer.from(want);
    const b = Buffer.from(fp);
    if (a.length === b.length && timingSafeEqual(a, b)) return { ok: true, how: `pinned fingerprint ${fp}` };
    return { ok: false, reason: `host key mismatch for ${name}: presented ${fp}, pinned ${want}` };
  }
  const plain = entries.filter((e) => e.marker === null);
  if (plain.length === 0) return { ok: false, reason: `no known_hosts entry for ${name} (presented ${fp}); refusing an unknown host key` };
  if (plain.some((e) => e.keyBlob.equals(keyBlob))) return { ok: true, how: `known_hosts entry for ${name}` };
  return { ok: false, reason: `host key mismatch for ${name}: presented ${fp} is not the key in known_hosts` };
}
