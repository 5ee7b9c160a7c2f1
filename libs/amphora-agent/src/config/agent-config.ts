import { IniDocument, iniGet, parseIni } from './ini.parser';

/**
 * The agent's typed configuration, read from upstream's `amphora-agent.conf` option names
 * and defaults (amphora-agent-api.md §6). Options marked "ours" do not exist upstream; an
 * upstream-rendered file simply lacks them and the defaults apply.
 */

export type Topology = 'SINGLE' | 'ACTIVE_STANDBY';
export type TlsProtocolName = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
export type PlatformChoice = 'netns' | 'systemd' | 'procd';

export interface ControllerAddress {
  host: string;
  port: number;
}

export interface AgentConfig {
  /** The file this was read from; `PUT /1.0/config` overwrites it. */
  sourcePath: string;
  debug: boolean;
  haproxyAmphora: {
    basePath: string;
    baseCertDir: string;
    bindHost: string;
    bindPort: number;
    haproxyCmd: string;
    /** ours: seconds an HAProxy worker may outlive the reload that replaced it (netns platform). */
    oldWorkerTimeout: number;
  };
  healthManager: {
    controllerIpPortList: ControllerAddress[];
    /** Seconds; fractional values are accepted (upstream: integer). */
    heartbeatInterval: number;
    /** Upstream sends `str(None)` when unset, i.e. the literal "None". */
    heartbeatKey: string;
  };
  amphoraAgent: {
    amphoraId: string;
    agentServerCert: string;
    agentServerCa: string;
    agentServerNetworkDir: string;
    agentRequestReadTimeout: number;
    agentTlsProtocol: TlsProtocolName;
    administrativeLogFacility: number;
    userLogFacility: number;
    /** ours: process/network platform; overridden by `--platform`. */
    platform: PlatformChoice | null;
    /** ours */
    keepalivedCmd: string;
    /** ours */
    ipCmd: string;
    /** ours: the namespace the systemd platform puts data-plane links in. */
    dataPlaneNamespace: string;
    /** ours */
    systemdUnitDir: string;
    /** ours */
    procdInitDir: string;
  };
  controllerWorker: {
    loadbalancerTopology: Topology;
  };
}

export class ConfigError extends Error {
  readonly status = 400;

  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function str(doc: IniDocument, section: string, key: string, fallback: string): string {
  const value = iniGet(doc, section, key);
  return value === undefined || value === '' ? fallback : value;
}

function int(doc: IniDocument, section: string, key: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = iniGet(doc, section, key);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`[${section}] ${key} must be an integer in ${min}..${max}, got "${raw}"`);
  }
  return value;
}

function positiveNumber(doc: IniDocument, section: string, key: string, fallback: number): number {
  const raw = iniGet(doc, section, key);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`[${section}] ${key} must be a positive number, got "${raw}"`);
  }
  return value;
}

function bool(doc: IniDocument, section: string, key: string, fallback: boolean): boolean {
  const raw = iniGet(doc, section, key)?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', 'yes', 'on', '1'].includes(raw)) return true;
  if (['false', 'no', 'off', '0'].includes(raw)) return false;
  throw new ConfigError(`[${section}] ${key} must be a boolean, got "${raw}"`);
}

function oneOf<T extends string>(doc: IniDocument, section: string, key: string, allowed: readonly T[], fallback: T): T {
  const raw = iniGet(doc, section, key);
  if (raw === undefined || raw === '') return fallback;
  const match = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
  if (!match) throw new ConfigError(`[${section}] ${key} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return match;
}

/** `ip:port` entries, IPv6 optionally bracketed; split on the last colon like upstream. */
export function parseControllerList(raw: string): ControllerAddress[] {
  return raw
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((entry) => {
      const colon = entry.lastIndexOf(':');
      const port = Number(entry.slice(colon + 1));
      const host = entry.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
      if (colon <= 0 || !host || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new ConfigError(`[health_manager] controller_ip_port_list: "${entry}" is not ip:port`);
      }
      return { host, port };
    });
}

export function parseAgentConfig(text: string, sourcePath: string): AgentConfig {
  const doc = parseIni(text);
  const basePath = str(doc, 'haproxy_amphora', 'base_path', '/var/lib/octavia');
  const platform = iniGet(doc, 'amphora_agent', 'platform');
  return {
    sourcePath,
    debug: bool(doc, 'DEFAULT', 'debug', false),
    haproxyAmphora: {
      basePath,
      baseCertDir: str(doc, 'haproxy_amphora', 'base_cert_dir', `${basePath}/certs`),
      bindHost: str(doc, 'haproxy_amphora', 'bind_host', '::'),
      bindPort: int(doc, 'haproxy_amphora', 'bind_port', 9443, 1, 65535),
      haproxyCmd: str(doc, 'haproxy_amphora', 'haproxy_cmd', '/usr/sbin/haproxy'),
      oldWorkerTimeout: positiveNumber(doc, 'haproxy_amphora', 'old_worker_timeout', 600),
    },
    healthManager: {
      controllerIpPortList: parseControllerList(iniGet(doc, 'health_manager', 'controller_ip_port_list') ?? ''),
      heartbeatInterval: positiveNumber(doc, 'health_manager', 'heartbeat_interval', 10),
      heartbeatKey: iniGet(doc, 'health_manager', 'heartbeat_key') ?? 'None',
    },
    amphoraAgent: {
      amphoraId: str(doc, 'amphora_agent', 'amphora_id', ''),
      agentServerCert: str(doc, 'amphora_agent', 'agent_server_cert', '/etc/octavia/certs/server.pem'),
      agentServerCa: str(doc, 'amphora_agent', 'agent_server_ca', '/etc/octavia/certs/client_ca.pem'),
      agentServerNetworkDir: str(doc, 'amphora_agent', 'agent_server_network_dir', '/etc/octavia/interfaces/'),
      agentRequestReadTimeout: int(doc, 'amphora_agent', 'agent_request_read_timeout', 180, 1),
      agentTlsProtocol: oneOf(
        doc,
        'amphora_agent',
        'agent_tls_protocol',
        ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const,
        'TLSv1.2',
      ),
      administrativeLogFacility: int(doc, 'amphora_agent', 'administrative_log_facility', 1, 0, 7),
      userLogFacility: int(doc, 'amphora_agent', 'user_log_facility', 0, 0, 7),
      platform:
        platform === undefined || platform === ''
          ? null
          : oneOf(doc, 'amphora_agent', 'platform', ['netns', 'systemd', 'procd'] as const, 'netns'),
      keepalivedCmd: str(doc, 'amphora_agent', 'keepalived_cmd', '/usr/sbin/keepalived'),
      ipCmd: str(doc, 'amphora_agent', 'ip_cmd', 'ip'),
      dataPlaneNamespace: str(doc, 'amphora_agent', 'data_plane_namespace', 'amphora-haproxy'),
      systemdUnitDir: str(doc, 'amphora_agent', 'systemd_unit_dir', '/usr/lib/systemd/system'),
      procdInitDir: str(doc, 'amphora_agent', 'procd_init_dir', '/etc/init.d'),
    },
    controllerWorker: {
      loadbalancerTopology: oneOf(doc, 'controller_worker', 'loadbalancer_topology', ['SINGLE', 'ACTIVE_STANDBY'] as const, 'SINGLE'),
    },
  };
}

/**
 * What `PUT /1.0/config` may change on a running agent: upstream's mutable options. Every
 * other option keeps its start-up value until the agent restarts.
 */
export function applyMutableOptions(current: AgentConfig, next: AgentConfig): AgentConfig {
  return {
    ...current,
    healthManager: { ...next.healthManager },
    controllerWorker: { ...next.controllerWorker },
  };
}
