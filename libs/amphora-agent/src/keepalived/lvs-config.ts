/**
 * Reading back an uploaded keepalived LVS config. The controller's renderer emits comments
 * that are a contract (haproxy-keepalived-rendering.md §6): `# Configuration for <Type> <uuid>`
 * and `# <Type> <uuid> is disabled`; the i-th enabled Member comment belongs to the i-th
 * `real_server` line.
 */

export interface LvsMember {
  id: string;
  enabled: boolean;
  /** From the matching `real_server` line; absent for disabled members. */
  address?: string;
  port?: number;
}

export interface LvsListenerConfig {
  listenerId: string | null;
  listenerEnabled: boolean;
  poolId: string | null;
  poolEnabled: boolean;
  healthMonitor: boolean;
  members: LvsMember[];
  /** First address line of each `virtual_server_group`. */
  vips: { address: string; port: number }[];
  namespace: string | null;
}

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const CONFIGURED = new RegExp(`^#\\s*Configuration for (Listener|Pool|HealthMonitor|Member) (${UUID})\\s*$`);
const DISABLED = new RegExp(`^#\\s*(Listener|Pool|Member) (${UUID}) is disabled\\s*$`);

export function parseLvsConfig(text: string): LvsListenerConfig {
  const config: LvsListenerConfig = {
    listenerId: null,
    listenerEnabled: true,
    poolId: null,
    poolEnabled: true,
    healthMonitor: false,
    members: [],
    vips: [],
    namespace: null,
  };
  const pendingMembers: LvsMember[] = [];
  let inGroup = false;

  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = CONFIGURED.exec(line))) {
      const [, type, id] = m;
      if (type === 'Listener') config.listenerId = id;
      else if (type === 'Pool') config.poolId = id;
      else if (type === 'HealthMonitor') config.healthMonitor = true;
      else {
        const member: LvsMember = { id, enabled: true };
        config.members.push(member);
        pendingMembers.push(member);
      }
    } else if ((m = DISABLED.exec(line))) {
      const [, type, id] = m;
      if (type === 'Listener') {
        config.listenerId = id;
        config.listenerEnabled = false;
      } else if (type === 'Pool') {
        config.poolId = id;
        config.poolEnabled = false;
      } else {
        config.members.push({ id, enabled: false });
      }
    } else if ((m = /^net_namespace\s+(\S+)/.exec(line))) {
      config.namespace = m[1];
    } else if (/^virtual_server_group\s+\S+\s*\{/.test(line)) {
      inGroup = true;
    } else if (inGroup) {
      const parts = line.split(/\s+/);
      if (parts.length >= 2 && !line.startsWith('}')) config.vips.push({ address: parts[0], port: Number(parts[1]) });
      inGroup = false;
    } else if ((m = /^real_server\s+(\S+)\s+(\d+)/.exec(line))) {
      const member = pendingMembers.shift();
      if (member) {
        member.address = m[1];
        member.port = Number(m[2]);
      }
    } else if (/\b(MISC_CHECK|HTTP_GET|TCP_CHECK)\b/.test(line)) {
      config.healthMonitor = true;
    }
  }
  return config;
}

/** The config keepalived runs when the agent already lives in the data-plane namespace. */
export function withoutNetNamespace(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*net_namespace\s/.test(line))
    .join('\n');
}
