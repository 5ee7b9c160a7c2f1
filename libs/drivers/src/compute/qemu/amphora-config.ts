import { isIP } from 'node:net';

/**
 * What a VM amphora (or an adopted device) learns about itself at first boot: the `amphora.json`
 * on the config drive (vfat, label AMPHORA-CFG), next to `server.pem` and `client_ca.pem`.
 * The same module runs on the controller (writing it) and inside the image (reading it, bundled
 * into amphora-firstboot.js), so both sides validate with the same rules. No imports beyond Node.
 */
export const CONFIG_DRIVE_LABEL = 'AMPHORA-CFG';
export const CONFIG_FORMAT_VERSION = 1;

export interface AmphoraBootConfig {
  version: 1;
  amphora_id: string;
  topology: 'SINGLE' | 'ACTIVE_STANDBY';
  agent: {
    bind_port: number;
    heartbeat_key: string;
    heartbeat_interval: number;
    /** host:port of every health manager ([health_manager] controller_ip_port_list). */
    controller_ip_port_list: string[];
  };
  management: {
    /** The management NIC, found by MAC inside the guest. */
    mac: string;
    address: string;
    prefix_length: number;
    controller_ip: string;
  };
}

export class AmphoraConfigError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
/** Printable ASCII without spaces at the ends; no control characters can reach the INI file. */
const HEARTBEAT_KEY = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/;

function fail(msg: string): never {
  throw new AmphoraConfigError(msg);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function int(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer in ${min}..${max}`);
  return v;
}

export function isMac(v: unknown): v is string {
  return typeof v === 'string' && MAC.test(v) && (parseInt(v.slice(0, 2), 16) & 1) === 0;
}

/** `ip:port` or `[ipv6]:port`, split on the last colon like the agent does. */
export function parseHostPort(entry: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(entry);
  if (!m || isIP(m[1]) === 0) fail(`"${entry}" is not ip:port`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) fail(`"${entry}": port out of range`);
  return { host: m[1], port };
}

/** Validates an untrusted `amphora.json` document (inside the guest) or one we are about to write. */
export function validateBootConfig(doc: unknown): AmphoraBootConfig {
  if (!isObject(doc)) fail('amphora.json must be an object');
  if (doc.version !== CONFIG_FORMAT_VERSION) fail(`unsupported amphora.json version ${String(doc.version)}`);
  if (typeof doc.amphora_id !== 'string' || !UUID.test(doc.amphora_id)) fail('amphora_id must be a UUID');
  if (doc.topology !== 'SINGLE' && doc.topology !== 'ACTIVE_STANDBY') fail('topology must be SINGLE or ACTIVE_STANDBY');
  const a = doc.agent;
  if (!isObject(a)) fail('agent must be an object');
  const bindPort = int(a.bind_port, 'agent.bind_port', 1, 65535);
  if (typeof a.heartbeat_key !== 'string' || !HEARTBEAT_KEY.test(a.heartbeat_key) || a.heartbeat_key.length > 256) {
    fail('agent.heartbeat_key must be 1..256 printable ASCII characters');
  }
  const interval = int(a.heartbeat_interval, 'agent.heartbeat_interval', 1, 3600);
  if (!Array.isArray(a.controller_ip_port_list) || a.controller_ip_port_list.length === 0 || a.controller_ip_port_list.length > 32) {
    fail('agent.controller_ip_port_list must list 1..32 ip:port entries');
  }
  const controllers = a.controller_ip_port_list.map((e) => {
    if (typeof e !== 'string') fail('agent.controller_ip_port_list entries must be strings');
    parseHostPort(e);
    return e;
  });
  const m = doc.management;
  if (!isObject(m)) fail('management must be an object');
  if (!isMac(m.mac)) fail('management.mac must be a unicast MAC address');
  if (typeof m.address !== 'string' || isIP(m.address) === 0) fail('management.address must be an IP address');
  const maxPrefix = isIP(m.address) === 4 ? 32 : 128;
  const prefix = int(m.prefix_length, 'management.prefix_length', 1, maxPrefix);
  if (typeof m.controller_ip !== 'string' || isIP(m.controller_ip) === 0) fail('management.controller_ip must be an IP address');
  return {
    version: 1,
    amphora_id: doc.amphora_id.toLowerCase(),
    topology: doc.topology,
    agent: { bind_port: bindPort, heartbeat_key: a.heartbeat_key, heartbeat_interval: interval, controller_ip_port_list: controllers },
    management: { mac: m.mac.toLowerCase(), address: m.address, prefix_length: prefix, controller_ip: m.controller_ip },
  };
}

/** A PEM document of the expected kinds, nothing else in it but whitespace. */
export function validatePem(text: string, what: string, needKey: boolean): string {
  const blocks = text.match(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----/g) ?? [];
  const rest = blocks.reduce((acc, b) => acc.replace(b, ''), text);
  if (blocks.length === 0 || rest.trim() !== '') fail(`${what} is not a PEM document`);
  if (!blocks.some((b) => b.startsWith('-----BEGIN CERTIFICATE-----'))) fail(`${what} holds no certificate`);
  if (needKey && !blocks.some((b) => /^-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(b))) fail(`${what} holds no private key`);
  return text;
}

/** Where the agent's files live on the amphora. */
export interface AgentFileLayout {
  configFile: string;
  basePath: string;
  certDir: string;
  serverCert: string;
  clientCa: string;
  networkDir: string;
  platform: 'netns' | 'systemd' | 'procd';
  /** Defaults: /usr/sbin/haproxy, /usr/sbin/keepalived, ip. */
  haproxyCmd?: string;
  keepalivedCmd?: string;
  ipCmd?: string;
  systemdUnitDir?: string;
  procdInitDir?: string;
}

/** Upstream's paths, as on upstream's Debian/Ubuntu amphora images. */
export const VM_LAYOUT: AgentFileLayout = {
  configFile: '/etc/octavia/amphora-agent.conf',
  basePath: '/var/lib/octavia',
  certDir: '/var/lib/octavia/certs',
  serverCert: '/etc/octavia/certs/server.pem',
  clientCa: '/etc/octavia/certs/client_ca.pem',
  networkDir: '/etc/octavia/interfaces',
  platform: 'systemd',
};

const SAFE_PATH = /^\/[A-Za-z0-9._/+-]*$/;

/** amphora-agent.conf (libs/amphora-agent/README.md) from a validated boot config. */
export function renderAgentConf(input: AmphoraBootConfig, layout: AgentFileLayout): string {
  const cfg = validateBootConfig(input);
  for (const [k, v] of Object.entries(layout)) {
    if (k === 'platform' || v === undefined) continue;
    if (k === 'ipCmd' && v === 'ip') continue;
    if (typeof v !== 'string' || !SAFE_PATH.test(v)) fail(`layout.${k} must be an absolute path of [A-Za-z0-9._/+-]`);
  }
  const lines = [
    '# Written by the octavia-ts amphora first-boot step; PUT /1.0/config rewrites it.',
    '[DEFAULT]',
    'debug = false',
    '',
    '[haproxy_amphora]',
    `base_path = ${layout.basePath}`,
    `base_cert_dir = ${layout.certDir}`,
    `bind_host = ${cfg.management.address}`,
    `bind_port = ${cfg.agent.bind_port}`,
    `haproxy_cmd = ${layout.haproxyCmd ?? '/usr/sbin/haproxy'}`,
    '',
    '[health_manager]',
    `controller_ip_port_list = ${cfg.agent.controller_ip_port_list.join(', ')}`,
    `heartbeat_interval = ${cfg.agent.heartbeat_interval}`,
    `heartbeat_key = ${cfg.agent.heartbeat_key}`,
    '',
    '[amphora_agent]',
    `amphora_id = ${cfg.amphora_id}`,
    `agent_server_cert = ${layout.serverCert}`,
    `agent_server_ca = ${layout.clientCa}`,
    `agent_server_network_dir = ${layout.networkDir}`,
    'agent_tls_protocol = TLSv1.2',
    `platform = ${layout.platform}`,
    `keepalived_cmd = ${layout.keepalivedCmd ?? '/usr/sbin/keepalived'}`,
    `ip_cmd = ${layout.ipCmd ?? 'ip'}`,
    ...(layout.systemdUnitDir ? [`systemd_unit_dir = ${layout.systemdUnitDir}`] : []),
    ...(layout.procdInitDir ? [`procd_init_dir = ${layout.procdInitDir}`] : []),
    '',
    '[controller_worker]',
    `loadbalancer_topology = ${cfg.topology}`,
    '',
  ];
  return lines.join('\n');
}
