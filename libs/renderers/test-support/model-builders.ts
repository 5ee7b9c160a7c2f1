import type {
  HealthMonitorType,
  L7CompareType,
  L7PolicyAction,
  L7RuleType,
  RenderHealthMonitor,
  RenderL7Policy,
  RenderL7Rule,
  RenderListener,
  RenderLoadBalancer,
  RenderMember,
  RenderPool,
} from '../src/render-model';

/**
 * Builders for API-shaped test models with every field an API response carries, so specs read
 * like API payloads. Ids are readable UUIDs: the first group names the kind, the last the number.
 */

const KIND_PREFIX = {
  lb: '0f8f5c1e',
  listener: '1157e4e2',
  pool: '2001c0de',
  member: '3e3be400',
  monitor: '4ea17400',
  policy: '5017c1e5',
  rule: '6a1e0000',
  amphora: '7a3f0000',
} as const;

export function uid(kind: keyof typeof KIND_PREFIX, n: number): string {
  return `${KIND_PREFIX[kind]}-0000-4000-8000-${n.toString().padStart(12, '0')}`;
}

const PROJECT_ID = '7d2f4c1bb0e34bb59a5e2c9c3d7e8f90';
const STAMP = { created_at: '2024-05-02T10:11:12', updated_at: null, project_id: PROJECT_ID };
const ACTIVE = { provisioning_status: 'ACTIVE' as const, operating_status: 'ONLINE', admin_state_up: true };

export function member(n: number, address: string, overrides: Partial<RenderMember> = {}): RenderMember {
  return {
    id: uid('member', n),
    name: `member-${n}`,
    ...ACTIVE,
    ...STAMP,
    address,
    protocol_port: 8080,
    weight: 1,
    backup: false,
    subnet_id: null,
    monitor_address: null,
    monitor_port: null,
    tags: [],
    ...overrides,
  };
}

export function healthMonitor(n: number, type: HealthMonitorType, overrides: Partial<RenderHealthMonitor> = {}): RenderHealthMonitor {
  const http = type === 'HTTP' || type === 'HTTPS';
  return {
    id: uid('monitor', n),
    name: `monitor-${n}`,
    ...ACTIVE,
    ...STAMP,
    type,
    delay: 5,
    timeout: 3,
    max_retries: 3,
    max_retries_down: 3,
    http_method: http ? 'GET' : null,
    url_path: http ? '/' : null,
    expected_codes: http ? '200' : null,
    http_version: null,
    domain_name: null,
    tags: [],
    ...overrides,
  };
}

export function pool(n: number, overrides: Partial<RenderPool> = {}): RenderPool {
  return {
    id: uid('pool', n),
    name: `pool-${n}`,
    description: '',
    ...ACTIVE,
    ...STAMP,
    protocol: 'HTTP',
    lb_algorithm: 'ROUND_ROBIN',
    session_persistence: null,
    members: [],
    healthmonitor: null,
    tls_enabled: false,
    tls_container_ref: null,
    ca_tls_container_ref: null,
    crl_container_ref: null,
    tls_ciphers: null,
    tls_versions: null,
    alpn_protocols: null,
    tags: [],
    ...overrides,
  };
}

export function l7rule(
  n: number,
  type: L7RuleType,
  compare_type: L7CompareType,
  value: string,
  overrides: Partial<RenderL7Rule> = {},
): RenderL7Rule {
  return { id: uid('rule', n), ...ACTIVE, ...STAMP, type, compare_type, key: null, value, invert: false, tags: [], ...overrides };
}

export function l7policy(
  n: number,
  action: L7PolicyAction,
  rules: RenderL7Rule[],
  overrides: Partial<RenderL7Policy> = {},
): RenderL7Policy {
  const redirect = action === 'REDIRECT_TO_URL' || action === 'REDIRECT_PREFIX';
  return {
    id: uid('policy', n),
    name: `policy-${n}`,
    description: '',
    ...ACTIVE,
    ...STAMP,
    action,
    position: n,
    redirect_pool_id: null,
    redirect_url: null,
    redirect_prefix: null,
    redirect_http_code: redirect ? 302 : null,
    rules,
    tags: [],
    ...overrides,
  };
}

export function listener(n: number, overrides: Partial<RenderListener> = {}): RenderListener {
  const tls = overrides.protocol === 'TERMINATED_HTTPS';
  return {
    id: uid('listener', n),
    name: `listener-${n}`,
    description: '',
    ...ACTIVE,
    ...STAMP,
    protocol: 'HTTP',
    protocol_port: 80,
    connection_limit: -1,
    default_pool_id: overrides.default_pool?.id ?? null,
    default_pool: null,
    default_tls_container_ref: null,
    sni_container_refs: [],
    insert_headers: {},
    timeout_client_data: 50000,
    timeout_member_connect: 5000,
    timeout_member_data: 50000,
    timeout_tcp_inspect: 0,
    client_ca_tls_container_ref: null,
    client_authentication: 'NONE',
    client_crl_container_ref: null,
    allowed_cidrs: null,
    tls_ciphers: null,
    tls_versions: tls ? ['TLSv1.2', 'TLSv1.3'] : null,
    alpn_protocols: tls ? ['h2', 'http/1.1', 'http/1.0'] : null,
    hsts_max_age: null,
    hsts_include_subdomains: false,
    hsts_preload: false,
    l7policies: [],
    tags: [],
    ...overrides,
  };
}

export function loadBalancer(overrides: Partial<RenderLoadBalancer> = {}): RenderLoadBalancer {
  const listeners = overrides.listeners ?? [];
  const pools = new Map<string, RenderPool>();
  for (const item of listeners) {
    if (item.default_pool) pools.set(item.default_pool.id, item.default_pool);
    for (const policy of item.l7policies ?? []) if (policy.redirect_pool) pools.set(policy.redirect_pool.id, policy.redirect_pool);
  }
  return {
    id: uid('lb', 1),
    name: 'shop-lb',
    description: 'public entry point',
    ...ACTIVE,
    ...STAMP,
    vip_address: '203.0.113.10',
    vip_port_id: 'a1b2c3d4-0000-4000-8000-000000000001',
    vip_subnet_id: '6c1d0f6e-3a52-4a0e-9d5e-6f3bb1a2c401',
    vip_network_id: '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a',
    additional_vips: [],
    tags: ['shop'],
    listeners,
    pools: [...pools.values()],
    ...overrides,
  };
}

export const CERT_DIR = '/var/lib/octavia/certs';
