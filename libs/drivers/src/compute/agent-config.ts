import { AgentSettings } from './compute-driver';

/** Where an amphora's agent keeps its files; netns amphorae share the host's filesystem, VMs use upstream's paths. */
export interface AgentPaths {
  basePath: string;
  certDir: string;
  serverCert: string;
  clientCa: string;
  networkDir: string;
  bindHost: string;
  platform?: 'netns' | 'systemd' | 'procd';
}

const SAFE = /^[^\r\n\0]*$/;

/** amphora-agent.conf for one amphora (libs/amphora-agent/README.md). Values are controller-made; newlines are refused anyway. */
export function renderAgentConfig(s: AgentSettings, p: AgentPaths): string {
  const lines = [
    '[DEFAULT]',
    'debug = false',
    '',
    '[haproxy_amphora]',
    `base_path = ${p.basePath}`,
    `base_cert_dir = ${p.certDir}`,
    `bind_host = ${p.bindHost}`,
    `bind_port = ${s.bindPort}`,
    'haproxy_cmd = /usr/sbin/haproxy',
    '',
    '[health_manager]',
    `controller_ip_port_list = ${s.controllerIpPortList.join(', ')}`,
    `heartbeat_interval = ${s.heartbeatInterval}`,
    `heartbeat_key = ${s.heartbeatKey}`,
    '',
    '[amphora_agent]',
    `amphora_id = ${s.amphoraId}`,
    `agent_server_cert = ${p.serverCert}`,
    `agent_server_ca = ${p.clientCa}`,
    `agent_server_network_dir = ${p.networkDir}`,
    'agent_tls_protocol = TLSv1.2',
    ...(p.platform ? [`platform = ${p.platform}`] : []),
    '',
    '[controller_worker]',
    `loadbalancer_topology = ${s.topology}`,
    '',
  ];
  for (const l of lines) if (!SAFE.test(l)) throw new Error('agent configuration values must not contain line breaks');
  return lines.join('\n');
}
