import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The file descriptor of this process's UDP socket bound to `port`, found through /proc (Linux): the socket's
 * inode from /proc/net/udp or udp6, then the descriptor in /proc/self/fd that links to `socket:[inode]`.
 * Node 20 can wrap an existing descriptor (`socket.bind({ fd })`) but offers no public way to read one, and
 * its dgram sockets have no SO_REUSEPORT; sharing the descriptor lets several threads read one socket.
 * Null when it cannot be found (no /proc, or the port is bound more than once).
 */
export function findUdpSocketFd(address: string, port: number, family: 'udp4' | 'udp6'): number | null {
  let table: string;
  try {
    table = readFileSync(family === 'udp6' ? '/proc/net/udp6' : '/proc/net/udp', 'utf8');
  } catch {
    return null;
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  const byAddress = new Set<string>();
  const v4 = family === 'udp4' ? ipv4Hex(address) : null;
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
    if (cols.length <= 9 || !cols[1].endsWith(`:${portHex}`)) continue;
    inodes.add(cols[9]);
    if (v4 !== null && cols[1] === `${v4}:${portHex}`) byAddress.add(cols[9]);
  }
  // Several sockets on this port (other addresses, e.g. two managers in one test process): pick by address.
  if (inodes.size > 1 && byAddress.size === 1) return fdOf([...byAddress][0]);
  if (inodes.size !== 1) return null;
  return fdOf([...inodes][0]);
}

/** 127.0.0.1 → 0100007F: /proc/net/udp prints the address as a host-order (little-endian here) 32-bit word. */
function ipv4Hex(address: string): string | null {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  return parts
    .reverse()
    .map((p) => p.toString(16).toUpperCase().padStart(2, '0'))
    .join('');
}

function fdOf(inode: string): number | null {
  const target = `socket:[${inode}]`;
  try {
    for (const name of readdirSync('/proc/self/fd')) {
      try {
        if (readlinkSync(`/proc/self/fd/${name}`) === target) return Number(name);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return null;
  }
  return null;
}
