import { createHash } from 'node:crypto';

/**
 * What the agent needs to know about an uploaded haproxy.cfg. The controller's renderer
 * keeps these lines stable on purpose (haproxy-keepalived-rendering.md §4).
 */

export type ListenerType = 'TCP' | 'HTTP' | 'HTTPS' | 'TERMINATED_HTTPS' | (string & {});

export interface FrontendInfo {
  /** Frontend name = listener UUID. */
  id: string;
  type: ListenerType;
}

export interface HaproxyConfigSummary {
  frontends: FrontendInfo[];
  statsSocket: string | null;
  /** Addresses (without port) of every `bind` line, for gratuitous ARP / NA. */
  bindAddresses: string[];
}

/**
 * HAProxy `-L` local peer name for an amphora: base64(SHA-1(id)) with `+`→`_`, `/`→`-`,
 * a leading `-` replaced by `x`, padding stripped. Must equal the controller's rendering.
 */
export function peerName(amphoraId: string): string {
  const b64 = createHash('sha1').update(amphoraId, 'utf8').digest('base64').replace(/\+/g, '_').replace(/\//g, '-').replace(/=+$/, '');
  return b64.startsWith('-') ? `x${b64.slice(1)}` : b64;
}

/**
 * The agent owns the process's group (it appends its own user-group file), and HAProxy
 * older than 1.6 does not know `external-check`.
 */
export function sanitiseHaproxyConfig(text: string, haproxyVersion: string): string {
  const [major, minor] = haproxyVersion.split('.').map((n) => Number.parseInt(n, 10));
  const old = Number.isFinite(major) && (major < 1 || (major === 1 && (minor ?? 0) < 6));
  return text
    .split('\n')
    .filter((line) => !/^\s*group(\s|$)/.test(line))
    .filter((line) => !(old && /^\s*(option\s+)?external-check\b/.test(line)))
    .join('\n');
}

export function summariseHaproxyConfig(text: string): HaproxyConfigSummary {
  const frontends: FrontendInfo[] = [];
  const bindAddresses: string[] = [];
  let statsSocket: string | null = null;
  let current: FrontendInfo | null = null;
  let mode = 'tcp';
  let tls = false;

  const closeFrontend = (): void => {
    if (current) {
      current.type = tls ? 'TERMINATED_HTTPS' : mode.toUpperCase();
      frontends.push(current);
    }
    current = null;
  };

  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    if (/^(frontend|backend|listen|defaults|global|peers|resolvers|userlist|program|cache|ring|mailers|http-errors)$/.test(words[0])) {
      closeFrontend();
      if (words[0] === 'frontend' && words[1]) {
        current = { id: words[1], type: 'TCP' };
        mode = 'tcp';
        tls = false;
      }
      continue;
    }
    if (words[0] === 'stats' && words[1] === 'socket' && words[2]) statsSocket = words[2];
    if (current && words[0] === 'mode' && words[1]) mode = words[1];
    if (words[0] === 'bind') {
      const address = words.slice(1).find((w) => w.includes(':'));
      if (address) {
        const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
        if (host && host !== '*' && !host.startsWith('/') && !bindAddresses.includes(host)) bindAddresses.push(host);
      }
      if (current && / ssl crt-list /.test(` ${words.slice(2).join(' ')} `)) tls = true;
    }
  }
  closeFrontend();
  return { frontends, statsSocket, bindAddresses };
}
