import type { RenderLoadBalancer } from '../src/render-model';
import type { KeepalivedLvsOptions, KeepalivedVrrpOptions } from '../src/render-options';
import { healthMonitor, listener, loadBalancer, member, pool, uid } from './model-builders';

/** Representative models rendered to the keepalived files in libs/renderers/golden/. */

const AMP1 = uid('amphora', 1);
const AMP2 = uid('amphora', 2);

export interface LvsGoldenCase {
  name: string;
  lb: RenderLoadBalancer;
  listenerId: string;
  options?: KeepalivedLvsOptions;
}

function udpLvs(): LvsGoldenCase {
  const dns = pool(1, {
    protocol: 'UDP',
    session_persistence: {
      type: 'SOURCE_IP',
      cookie_name: null,
      persistence_timeout: 120,
      persistence_granularity: '255.255.255.0',
    },
    healthmonitor: healthMonitor(1, 'UDP-CONNECT', { delay: 5, timeout: 3, max_retries_down: 2 }),
    members: [
      member(1, '192.0.2.11', { protocol_port: 53 }),
      member(2, '192.0.2.12', { protocol_port: 53, admin_state_up: false }),
      member(3, '192.0.2.13', { protocol_port: 53, weight: 0, monitor_address: '192.0.2.113', monitor_port: 5353 }),
      member(4, '2001:db8::14', { protocol_port: 53 }),
      member(5, '192.0.2.15', { protocol_port: 53, provisioning_status: 'PENDING_DELETE' }),
    ],
  });
  const lb = loadBalancer({
    additional_vips: [{ subnet_id: '6c1d0f6e-3a52-4a0e-9d5e-6f3bb1a2c402', ip_address: '2001:db8::10' }],
    listeners: [listener(1, { protocol: 'UDP', protocol_port: 53, connection_limit: 1000, default_pool: dns })],
  });
  return { name: 'udp-listener', lb, listenerId: uid('listener', 1) };
}

function udpHttpCheck(): LvsGoldenCase {
  const media = pool(2, {
    protocol: 'UDP',
    lb_algorithm: 'LEAST_CONNECTIONS',
    healthmonitor: healthMonitor(2, 'HTTP', { url_path: '/healthz', expected_codes: '200-202', max_retries_down: 4 }),
    members: [member(6, '192.0.2.21', { protocol_port: 5004, monitor_port: 8080 })],
  });
  const lb = loadBalancer({ listeners: [listener(2, { protocol: 'UDP', protocol_port: 5004, default_pool: media })] });
  return { name: 'udp-http-check', lb, listenerId: uid('listener', 2) };
}

function sctpLvs(): LvsGoldenCase {
  const diameter = pool(3, {
    protocol: 'SCTP',
    lb_algorithm: 'SOURCE_IP',
    healthmonitor: healthMonitor(3, 'SCTP', { delay: 10, timeout: 5 }),
    members: [member(7, '192.0.2.31', { protocol_port: 3868 }), member(8, '192.0.2.32', { protocol_port: 3868, weight: 3 })],
  });
  const lb = loadBalancer({ listeners: [listener(3, { protocol: 'SCTP', protocol_port: 3868, default_pool: diameter })] });
  return { name: 'sctp-listener', lb, listenerId: uid('listener', 3) };
}

function udpTcpCheck(): LvsGoldenCase {
  const syslog = pool(4, {
    protocol: 'UDP',
    healthmonitor: healthMonitor(4, 'TCP', { delay: 7, timeout: 2 }),
    members: [member(9, '192.0.2.41', { protocol_port: 514 })],
  });
  const lb = loadBalancer({ listeners: [listener(4, { protocol: 'UDP', protocol_port: 514, default_pool: syslog })] });
  return { name: 'udp-tcp-check', lb, listenerId: uid('listener', 4) };
}

export const LVS_GOLDEN_CASES: LvsGoldenCase[] = [udpLvs(), udpHttpCheck(), sctpLvs(), udpTcpCheck()];

export interface VrrpGoldenCase {
  name: string;
  lb: RenderLoadBalancer;
  options: KeepalivedVrrpOptions;
}

const VRRP_PEERS = [
  { amphora_id: AMP1, vrrp_ip: '10.0.0.5' },
  { amphora_id: AMP2, vrrp_ip: '10.0.0.6' },
];

export const VRRP_GOLDEN_CASES: VrrpGoldenCase[] = [
  {
    name: 'vrrp-master',
    lb: loadBalancer({
      vip_address: '10.0.0.10',
      additional_vips: [
        { subnet_id: 'b', ip_address: '2001:db8::10' },
        { subnet_id: 'a', ip_address: '10.0.1.10' },
      ],
    }),
    options: {
      amphora: { id: AMP1, vrrp_ip: '10.0.0.5', vrrp_interface: 'eth1', role: 'MASTER' },
      peers: VRRP_PEERS,
      vrrpGroup: { auth_type: 'PASS', auth_pass: 'a1b2c3d', advert_int: 1 },
      vipNetworks: [
        { ip_address: '10.0.0.10', subnet_cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1', host_routes: [] },
        {
          ip_address: '10.0.1.10',
          subnet_cidr: '10.0.1.0/24',
          gateway_ip: null,
          host_routes: [{ destination: '198.51.100.0/24', nexthop: '10.0.1.254' }],
        },
        { ip_address: '2001:db8::10', subnet_cidr: '2001:db8::/64', gateway_ip: '2001:db8::1' },
      ],
    },
  },
  {
    name: 'vrrp-backup-v3',
    lb: loadBalancer({ vip_address: '10.0.0.10' }),
    options: {
      amphora: { id: AMP2, vrrp_ip: '10.0.0.6', vrrp_interface: 'eth1', role: 'BACKUP' },
      peers: VRRP_PEERS,
      vrrpGroup: { auth_type: 'PASS', auth_pass: 'a1b2c3d', advert_int: 0.2 },
      vipNetworks: [{ ip_address: '10.0.0.10', subnet_cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' }],
      vrrpVersion: 3,
    },
  },
];
