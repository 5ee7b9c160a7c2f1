import { randomUUID } from 'node:crypto';
import { LocalCertificateAuthority } from '../../../../certificates/src';
import {
  AmphoraBootConfig,
  AmphoraConfigError,
  parseHostPort,
  renderAgentConf,
  validateBootConfig,
  validatePem,
  VM_LAYOUT,
} from './amphora-config';

function sample(): AmphoraBootConfig {
  return {
    version: 1,
    amphora_id: randomUUID(),
    topology: 'ACTIVE_STANDBY',
    agent: { bind_port: 9443, heartbeat_key: 'k3y with spaces', heartbeat_interval: 10, controller_ip_port_list: ['172.16.0.1:5555', '[fd00::1]:5556'] },
    management: { mac: 'FA:16:3E:00:00:01', address: '172.16.0.10', prefix_length: 24, controller_ip: '172.16.0.1' },
  };
}

describe('amphora boot config', () => {
  it('accepts a good document and normalises MAC and id case', () => {
    const doc = sample();
    doc.amphora_id = doc.amphora_id.toUpperCase();
    const v = validateBootConfig(doc);
    expect(v.management.mac).toBe('fa:16:3e:00:00:01');
    expect(v.amphora_id).toBe(doc.amphora_id.toLowerCase());
  });

  it.each([
    ['version', (d: any) => (d.version = 2), /version/],
    ['amphora id', (d: any) => (d.amphora_id = '../../etc'), /UUID/],
    ['topology', (d: any) => (d.topology = 'ACTIVE'), /topology/],
    ['newline in heartbeat key', (d: any) => (d.agent.heartbeat_key = 'a\n[DEFAULT]\ndebug = true'), /heartbeat_key/],
    ['NUL in heartbeat key', (d: any) => (d.agent.heartbeat_key = 'a\0b'), /heartbeat_key/],
    ['leading space in heartbeat key', (d: any) => (d.agent.heartbeat_key = ' key'), /heartbeat_key/],
    ['empty controller list', (d: any) => (d.agent.controller_ip_port_list = []), /controller_ip_port_list/],
    ['controller host name', (d: any) => (d.agent.controller_ip_port_list = ['hm.example:5555']), /ip:port/],
    ['controller newline', (d: any) => (d.agent.controller_ip_port_list = ['10.0.0.1:5555\nx']), /ip:port/],
    ['port 0', (d: any) => (d.agent.controller_ip_port_list = ['10.0.0.1:0']), /port/],
    ['bind port', (d: any) => (d.agent.bind_port = 70000), /bind_port/],
    ['interval', (d: any) => (d.agent.heartbeat_interval = 0.5), /heartbeat_interval/],
    ['multicast MAC', (d: any) => (d.management.mac = '01:00:5e:00:00:01'), /MAC/],
    ['MAC with newline', (d: any) => (d.management.mac = 'fa:16:3e:00:00:01\n'), /MAC/],
    ['address', (d: any) => (d.management.address = '172.16.0.300'), /address/],
    ['prefix', (d: any) => (d.management.prefix_length = 33), /prefix_length/],
    ['controller ip', (d: any) => (d.management.controller_ip = 'localhost'), /controller_ip/],
  ])('refuses a bad %s', (_name, mutate, re) => {
    const doc = sample();
    mutate(doc);
    expect(() => validateBootConfig(doc)).toThrow(AmphoraConfigError);
    expect(() => validateBootConfig(doc)).toThrow(re);
  });

  it('parses IPv4 and bracketed IPv6 host:port', () => {
    expect(parseHostPort('10.0.0.1:5555')).toEqual({ host: '10.0.0.1', port: 5555 });
    expect(parseHostPort('[fd00::1]:5555')).toEqual({ host: 'fd00::1', port: 5555 });
  });

  it('renders amphora-agent.conf with upstream option names and the VM layout', () => {
    const doc = sample();
    const conf = renderAgentConf(doc, VM_LAYOUT);
    expect(conf).toContain(`amphora_id = ${doc.amphora_id}`);
    expect(conf).toContain('bind_host = 172.16.0.10');
    expect(conf).toContain('controller_ip_port_list = 172.16.0.1:5555, [fd00::1]:5556');
    expect(conf).toContain('heartbeat_key = k3y with spaces');
    expect(conf).toContain('platform = systemd');
    expect(conf).toContain('agent_server_cert = /etc/octavia/certs/server.pem');
    expect(conf).toContain('loadbalancer_topology = ACTIVE_STANDBY');
    // One option per line: nothing the document holds can start a new line or section.
    expect(conf.split('\n').filter((l) => l.startsWith('[')).length).toBe(5);
  });

  it('refuses layout paths that could break the INI file', () => {
    expect(() => renderAgentConf(sample(), { ...VM_LAYOUT, basePath: '/var/lib/octavia\n[DEFAULT]' })).toThrow(/layout.basePath/);
    expect(() => renderAgentConf(sample(), { ...VM_LAYOUT, certDir: 'relative/certs' })).toThrow(/layout.certDir/);
  });

  it('checks PEM documents', () => {
    const ca = LocalCertificateAuthority.create({ commonName: 'spec CA' });
    const server = ca.issueServerCertificate(randomUUID());
    expect(validatePem(server.bundlePem, 'server', true)).toBe(server.bundlePem);
    expect(validatePem(ca.certificatePem, 'ca', false)).toBe(ca.certificatePem);
    expect(() => validatePem(ca.certificatePem, 'server', true)).toThrow(/no private key/);
    expect(() => validatePem(`${ca.certificatePem}\nrm -rf /\n`, 'ca', false)).toThrow(/not a PEM/);
    expect(() => validatePem('', 'ca', false)).toThrow(/not a PEM/);
  });
});
