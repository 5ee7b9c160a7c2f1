import { applyMutableOptions, ConfigError, parseAgentConfig, parseControllerList } from './agent-config';
import { IniParseError, parseIni } from './ini.parser';

// Shaped like upstream's amphora_agent_conf.template output.
const UPSTREAM = `[DEFAULT]
debug = False
use_syslog = True
syslog_log_facility = LOG_LOCAL1

[haproxy_amphora]
base_cert_dir = /var/lib/octavia/certs
base_path = /var/lib/octavia
bind_host = ::
bind_port = 9443
haproxy_cmd = /usr/sbin/haproxy
user_log_facility = 0
administrative_log_facility = 1

[health_manager]
controller_ip_port_list = 192.0.2.10:5555, [2001:db8::5]:5555
heartbeat_interval = 10
heartbeat_key = insecure
use_upd = True

[amphora_agent]
agent_server_ca = /etc/octavia/certs/client_ca.pem
agent_server_cert = /etc/octavia/certs/server.pem
agent_server_network_dir = /etc/octavia/interfaces/
agent_request_read_timeout = 180
amphora_id = 2f1e3c1a-7d4b-4e55-9a0e-5b7c3f0c9d11
amphora_udp_driver = keepalived_lvs
agent_tls_protocol = TLSv1.2

[controller_worker]
loadbalancer_topology = ACTIVE_STANDBY
`;

describe('parseIni', () => {
  it('reads sections, both separators, comments, quotes and continuation lines', () => {
    const doc = parseIni('# c\n[a]\nx = 1\ny: "two words"\n; c\nz = first\n  second\n\n[b]\nx=\n');
    expect(doc.get('a')?.get('x')).toBe('1');
    expect(doc.get('a')?.get('y')).toBe('two words');
    expect(doc.get('a')?.get('z')).toBe('first\nsecond');
    expect(doc.get('b')?.get('x')).toBe('');
  });

  it('keeps the last of repeated keys and merges repeated sections', () => {
    const doc = parseIni('[a]\nx = 1\n[b]\ny = 2\n[a]\nx = 3\n');
    expect(doc.get('a')?.get('x')).toBe('3');
  });

  it('reports malformed lines with their number', () => {
    expect(() => parseIni('[a]\nno separator here\n')).toThrow(IniParseError);
    expect(() => parseIni('[a]\nno separator here\n')).toThrow(/line 2/);
    expect(() => parseIni('x = 1\n')).toThrow(/outside of any/);
    expect(() => parseIni('[broken\n')).toThrow(/section header/);
  });
});

describe('parseAgentConfig', () => {
  it('reads upstream option names', () => {
    const c = parseAgentConfig(UPSTREAM, '/etc/octavia/amphora-agent.conf');
    expect(c.haproxyAmphora).toEqual({
      basePath: '/var/lib/octavia',
      baseCertDir: '/var/lib/octavia/certs',
      bindHost: '::',
      bindPort: 9443,
      haproxyCmd: '/usr/sbin/haproxy',
      oldWorkerTimeout: 600,
    });
    expect(c.healthManager).toEqual({
      controllerIpPortList: [
        { host: '192.0.2.10', port: 5555 },
        { host: '2001:db8::5', port: 5555 },
      ],
      heartbeatInterval: 10,
      heartbeatKey: 'insecure',
    });
    expect(c.amphoraAgent.amphoraId).toBe('2f1e3c1a-7d4b-4e55-9a0e-5b7c3f0c9d11');
    expect(c.amphoraAgent.agentTlsProtocol).toBe('TLSv1.2');
    expect(c.amphoraAgent.platform).toBeNull();
    expect(c.controllerWorker.loadbalancerTopology).toBe('ACTIVE_STANDBY');
    expect(c.debug).toBe(false);
  });

  it('applies upstream defaults to an empty file', () => {
    const c = parseAgentConfig('', '/x.conf');
    expect(c.haproxyAmphora.bindPort).toBe(9443);
    expect(c.haproxyAmphora.basePath).toBe('/var/lib/octavia');
    expect(c.amphoraAgent.agentServerCert).toBe('/etc/octavia/certs/server.pem');
    expect(c.amphoraAgent.agentServerCa).toBe('/etc/octavia/certs/client_ca.pem');
    expect(c.amphoraAgent.agentRequestReadTimeout).toBe(180);
    expect(c.healthManager.heartbeatInterval).toBe(10);
    // str(None) upstream
    expect(c.healthManager.heartbeatKey).toBe('None');
    expect(c.healthManager.controllerIpPortList).toEqual([]);
    expect(c.controllerWorker.loadbalancerTopology).toBe('SINGLE');
  });

  it('rejects out-of-range and unknown values', () => {
    expect(() => parseAgentConfig('[haproxy_amphora]\nbind_port = 70000\n', '/x')).toThrow(ConfigError);
    expect(() => parseAgentConfig('[health_manager]\nheartbeat_interval = 0\n', '/x')).toThrow(ConfigError);
    expect(() => parseAgentConfig('[controller_worker]\nloadbalancer_topology = TRIPLE\n', '/x')).toThrow(ConfigError);
    expect(() => parseAgentConfig('[amphora_agent]\nplatform = windows\n', '/x')).toThrow(ConfigError);
    expect(() => parseControllerList('192.0.2.1')).toThrow(ConfigError);
    expect(() => parseControllerList('192.0.2.1:0')).toThrow(ConfigError);
  });

  it('changes only the mutable options on a live update', () => {
    const current = parseAgentConfig(UPSTREAM, '/etc/octavia/amphora-agent.conf');
    const next = parseAgentConfig(
      UPSTREAM.replace('bind_port = 9443', 'bind_port = 1234')
        .replace('heartbeat_key = insecure', 'heartbeat_key = rotated')
        .replace('ACTIVE_STANDBY', 'SINGLE'),
      '/elsewhere',
    );
    const merged = applyMutableOptions(current, next);
    expect(merged.haproxyAmphora.bindPort).toBe(9443);
    expect(merged.sourcePath).toBe('/etc/octavia/amphora-agent.conf');
    expect(merged.healthManager.heartbeatKey).toBe('rotated');
    expect(merged.controllerWorker.loadbalancerTopology).toBe('SINGLE');
  });
});
