import type {
  L7CompareType,
  L7RuleType,
  RenderL7Rule,
  RenderListener,
  RenderLoadBalancer,
  RenderPool,
} from '../src/render-model';
import type { HaproxyRenderOptions, KeepalivedVrrpOptions } from '../src/render-options';
import { healthMonitor, l7policy, l7rule, listener, loadBalancer, member, pool, uid } from './model-builders';

/**
 * Every tenant-controlled string field that could reach a config file, each as a function that
 * places a payload into a fresh copy of a model using every feature at once.
 */

export const INJECTED_DIRECTIVE = 'bind :6666';

/** Payloads: line breaks of every kind, word splitters, quote/comment/escape characters, sizes. */
export const PAYLOADS: Record<string, string> = {
  newline: `x\n    ${INJECTED_DIRECTIVE}`,
  crlf: `x\r\n    ${INJECTED_DIRECTIVE}`,
  carriageReturn: `x\r    ${INJECTED_DIRECTIVE}`,
  nul: `x\u0000    ${INJECTED_DIRECTIVE}`,
  tab: `x\t${INJECTED_DIRECTIVE}`,
  verticalTabFormFeed: `x\u000b\u000c${INJECTED_DIRECTIVE}`,
  unicodeLineSeparator: `x\u2028    ${INJECTED_DIRECTIVE}`,
  c1NextLine: `x\u0085    ${INJECTED_DIRECTIVE}`,
  space: `x ${INJECTED_DIRECTIVE}`,
  doubleQuotes: `x" ${INJECTED_DIRECTIVE} "`,
  singleQuotes: `x' ${INJECTED_DIRECTIVE} '`,
  environment: '"${HOME}"',
  hash: `x#${INJECTED_DIRECTIVE}`,
  hashAfterSpace: `x # ${INJECTED_DIRECTIVE}`,
  trailingBackslash: 'x\\',
  escapedNewline: `x\\n    ${INJECTED_DIRECTIVE}`,
  hexEscape: 'x\\x0a',
  aclFlag: '-f /etc/passwd',
  closingParen: 'x) ssl_c_used',
  overLong: 'a'.repeat(5000),
};

export const TLS_LISTENER = uid('listener', 2);
export const VIPS = ['203.0.113.10'];

/** One model with every haproxy feature that renders tenant strings. */
export function richModel(): { lb: RenderLoadBalancer; options: HaproxyRenderOptions } {
  const web = pool(1, {
    session_persistence: { type: 'APP_COOKIE', cookie_name: 'SESSIONID' },
    healthmonitor: healthMonitor(1, 'HTTP', {
      http_method: 'GET',
      url_path: '/health',
      expected_codes: '200',
      http_version: 1.1,
      domain_name: 'health.example.com',
    }),
    members: [member(1, '192.0.2.11')],
  });
  const secure = pool(2, {
    tls_enabled: true,
    tls_ciphers: 'ECDHE-RSA-AES256-GCM-SHA384',
    tls_versions: ['TLSv1.2', 'TLSv1.3'],
    alpn_protocols: ['h2', 'http/1.1'],
    members: [member(2, '192.0.2.21', { protocol_port: 8443 })],
  });
  const other = pool(3, { members: [member(3, '192.0.2.31')] });
  const http = listener(1, {
    default_pool: web,
    insert_headers: { 'X-Forwarded-For': 'true' },
    allowed_cidrs: ['198.51.100.0/24'],
    l7policies: [
      l7policy(1, 'REJECT', [l7rule(1, 'PATH', 'STARTS_WITH', '/admin')]),
      l7policy(2, 'REDIRECT_TO_URL', [l7rule(2, 'HOST_NAME', 'EQUAL_TO', 'old.example.com')], {
        redirect_url: 'https://www.example.com/',
      }),
      l7policy(3, 'REDIRECT_PREFIX', [l7rule(3, 'PATH', 'EQUAL_TO', '/legacy')], { redirect_prefix: 'https://legacy.example.com' }),
      l7policy(4, 'REDIRECT_TO_POOL', [l7rule(4, 'HEADER', 'EQUAL_TO', 'beta', { key: 'X-Channel' })], {
        redirect_pool_id: other.id,
        redirect_pool: other,
      }),
    ],
  });
  const tls = listener(2, {
    protocol: 'TERMINATED_HTTPS',
    protocol_port: 443,
    default_pool: secure,
    default_tls_container_ref: 'https://barbican.example.com/v1/containers/www',
    tls_ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    hsts_max_age: 3600,
    l7policies: [l7policy(5, 'REJECT', [l7rule(5, 'SSL_DN_FIELD', 'EQUAL_TO', 'Example', { key: 'O' })])],
  });
  return {
    lb: loadBalancer({ listeners: [http, tls], pools: [web, secure, other] }),
    options: { amphoraId: uid('amphora', 1), topology: 'SINGLE', enforceAllowedCidrs: true },
  };
}

type Mutator = (lb: RenderLoadBalancer, payload: string) => void;

function httpListener(lb: RenderLoadBalancer): RenderListener {
  return lb.listeners[0];
}
function tlsListener(lb: RenderLoadBalancer): RenderListener {
  return lb.listeners[1];
}
function webPool(lb: RenderLoadBalancer): RenderPool {
  return httpListener(lb).default_pool as RenderPool;
}
function securePool(lb: RenderLoadBalancer): RenderPool {
  return tlsListener(lb).default_pool as RenderPool;
}

/** Replace the single rule of the REJECT policy on the HTTP (or TLS) listener. */
function withRule(type: L7RuleType, compare: L7CompareType, key: string | null, tls = false): Mutator {
  return (lb, payload) => {
    const target = tls ? tlsListener(lb) : httpListener(lb);
    const rule: RenderL7Rule = l7rule(9, type, compare, payload, { key });
    target.l7policies![0].rules = [rule];
  };
}

function withRuleKey(type: L7RuleType, value: string, tls = false): Mutator {
  return (lb, payload) => {
    const target = tls ? tlsListener(lb) : httpListener(lb);
    target.l7policies![0].rules = [l7rule(9, type, 'EQUAL_TO', value, { key: payload })];
  };
}

/** Fields whose content reaches haproxy.cfg (after validation and escaping). */
export const HAPROXY_RENDERED_FIELDS: Record<string, Mutator> = {
  'l7rule.value HEADER EQUAL_TO': withRule('HEADER', 'EQUAL_TO', 'X-Test'),
  'l7rule.value HEADER EQUAL_TO (quoted)': (lb, payload) => withRule('HEADER', 'EQUAL_TO', 'X-Test')(lb, `"${payload}"`),
  'l7rule.value HEADER REGEX': withRule('HEADER', 'REGEX', 'X-Test'),
  'l7rule.value PATH STARTS_WITH': withRule('PATH', 'STARTS_WITH', null),
  'l7rule.value PATH REGEX': withRule('PATH', 'REGEX', null),
  'l7rule.value HOST_NAME CONTAINS': withRule('HOST_NAME', 'CONTAINS', null),
  'l7rule.value FILE_TYPE EQUAL_TO': withRule('FILE_TYPE', 'EQUAL_TO', null),
  'l7rule.value COOKIE ENDS_WITH': withRule('COOKIE', 'ENDS_WITH', 'session'),
  'l7rule.value SSL_DN_FIELD EQUAL_TO': withRule('SSL_DN_FIELD', 'EQUAL_TO', 'CN', true),
  'l7rule.value SSL_DN_FIELD REGEX': withRule('SSL_DN_FIELD', 'REGEX', 'CN', true),
  'l7rule.value SSL_VERIFY_RESULT': withRule('SSL_VERIFY_RESULT', 'EQUAL_TO', null, true),
  'l7rule.value SSL_CONN_HAS_CERT': withRule('SSL_CONN_HAS_CERT', 'EQUAL_TO', null, true),
  'l7rule.key HEADER': withRuleKey('HEADER', 'v'),
  'l7rule.key COOKIE': withRuleKey('COOKIE', 'v'),
  'l7rule.key SSL_DN_FIELD': withRuleKey('SSL_DN_FIELD', 'v', true),
  'l7policy.redirect_url': (lb, payload) => {
    httpListener(lb).l7policies![1].redirect_url = payload;
  },
  'l7policy.redirect_url (https prefix)': (lb, payload) => {
    httpListener(lb).l7policies![1].redirect_url = `https://www.example.com/${payload}`;
  },
  'l7policy.redirect_prefix': (lb, payload) => {
    httpListener(lb).l7policies![2].redirect_prefix = `https://legacy.example.com${payload}`;
  },
  'session_persistence.cookie_name': (lb, payload) => {
    webPool(lb).session_persistence = { type: 'APP_COOKIE', cookie_name: payload };
  },
  'healthmonitor.url_path': (lb, payload) => {
    webPool(lb).healthmonitor!.url_path = `/${payload}`;
  },
  'healthmonitor.http_method': (lb, payload) => {
    (webPool(lb).healthmonitor as { http_method: string }).http_method = payload;
  },
  'healthmonitor.domain_name': (lb, payload) => {
    webPool(lb).healthmonitor!.domain_name = payload;
  },
  'healthmonitor.expected_codes': (lb, payload) => {
    webPool(lb).healthmonitor!.expected_codes = `200${payload}`;
  },
  'healthmonitor.http_version': (lb, payload) => {
    webPool(lb).healthmonitor!.http_version = payload;
  },
  'listener.tls_ciphers': (lb, payload) => {
    tlsListener(lb).tls_ciphers = `ECDHE-RSA-AES128-GCM-SHA256${payload}`;
  },
  'listener.tls_versions[]': (lb, payload) => {
    (tlsListener(lb) as { tls_versions: string[] }).tls_versions = ['TLSv1.2', payload];
  },
  'listener.alpn_protocols[]': (lb, payload) => {
    (tlsListener(lb) as { alpn_protocols: string[] }).alpn_protocols = ['h2', payload];
  },
  'pool.tls_ciphers': (lb, payload) => {
    securePool(lb).tls_ciphers = `ECDHE-RSA-AES256-GCM-SHA384${payload}`;
  },
  'pool.tls_versions[]': (lb, payload) => {
    (securePool(lb) as { tls_versions: string[] }).tls_versions = ['TLSv1.3', payload];
  },
  'pool.alpn_protocols[]': (lb, payload) => {
    (securePool(lb) as { alpn_protocols: string[] }).alpn_protocols = ['h2', payload];
  },
  'listener.allowed_cidrs[]': (lb, payload) => {
    httpListener(lb).allowed_cidrs = ['198.51.100.0/24', `10.0.0.0/8${payload}`];
  },
  'loadbalancer.project_id (log-format)': (lb, payload) => {
    lb.project_id = payload;
  },
  'member.address': (lb, payload) => {
    webPool(lb).members[0].address = `192.0.2.11${payload}`;
  },
  'member.monitor_address': (lb, payload) => {
    webPool(lb).members[0].monitor_address = payload;
  },
  'loadbalancer.vip_address': (lb, payload) => {
    lb.vip_address = `203.0.113.10${payload}`;
  },
  'listener.id': (lb, payload) => {
    httpListener(lb).id = payload;
  },
};

/** Fields that must never influence the rendered text at all. */
export const HAPROXY_IGNORED_FIELDS: Record<string, Mutator> = {
  'insert_headers value': (lb, payload) => {
    httpListener(lb).insert_headers = { 'X-Forwarded-For': 'true', 'X-Forwarded-Port': payload };
  },
  'insert_headers key': (lb, payload) => {
    httpListener(lb).insert_headers = { 'X-Forwarded-For': 'true', [payload]: 'true' };
  },
  'names, descriptions and tags of every object': (lb, payload) => {
    const objects: Array<{ name?: string; description?: string; tags?: string[] }> = [lb];
    for (const item of lb.listeners) {
      objects.push(item);
      for (const policy of item.l7policies ?? []) objects.push(policy, ...policy.rules);
    }
    for (const item of lb.pools ?? []) {
      objects.push(item, ...item.members);
      if (item.healthmonitor) objects.push(item.healthmonitor);
    }
    for (const object of objects) {
      object.name = payload;
      object.description = payload;
      object.tags = [payload, `${payload}2`];
    }
  },
  'listener.allowed_cidrs[] (not enforced in haproxy)': (lb, payload) => {
    httpListener(lb).allowed_cidrs = [payload];
  },
  'tls refs (never rendered, only their presence)': (lb, payload) => {
    tlsListener(lb).default_tls_container_ref = payload;
    tlsListener(lb).sni_container_refs = [payload];
  },
};

export function vrrpOptions(): KeepalivedVrrpOptions {
  return {
    amphora: { id: uid('amphora', 1), vrrp_ip: '10.0.0.5', vrrp_interface: 'eth1', role: 'MASTER' },
    peers: [
      { amphora_id: uid('amphora', 1), vrrp_ip: '10.0.0.5' },
      { amphora_id: uid('amphora', 2), vrrp_ip: '10.0.0.6' },
    ],
    vrrpGroup: { auth_pass: 'a1b2c3d' },
    vipNetworks: [{ ip_address: '203.0.113.10', subnet_cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1' }],
  };
}

/** A UDP listener whose HTTP monitor puts tenant strings into the LVS config. */
export function lvsModel(): RenderLoadBalancer {
  const udp = pool(7, {
    protocol: 'UDP',
    session_persistence: { type: 'SOURCE_IP', persistence_granularity: '255.255.255.0' },
    healthmonitor: healthMonitor(7, 'HTTP', { url_path: '/health', expected_codes: '200' }),
    members: [member(7, '192.0.2.71', { protocol_port: 5000 })],
  });
  return loadBalancer({ listeners: [listener(7, { protocol: 'UDP', protocol_port: 5000, default_pool: udp })] });
}
