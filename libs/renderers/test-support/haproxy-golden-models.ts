import type { RenderLoadBalancer } from '../src/render-model';
import type { HaproxyRenderOptions } from '../src/render-options';
import { CERT_DIR, healthMonitor, l7policy, l7rule, listener, loadBalancer, member, pool, uid } from './model-builders';

/** Representative models rendered to the haproxy files in libs/renderers/golden/. */

export interface HaproxyGoldenCase {
  name: string;
  lb: RenderLoadBalancer;
  options: HaproxyRenderOptions;
}

const AMP1 = uid('amphora', 1);
const AMP2 = uid('amphora', 2);
const LB_ID = uid('lb', 1);

function singleHttp(): HaproxyGoldenCase {
  const web = pool(1, {
    session_persistence: { type: 'HTTP_COOKIE', cookie_name: null, persistence_timeout: null, persistence_granularity: null },
    healthmonitor: healthMonitor(1, 'HTTP', {
      delay: 10,
      timeout: 4,
      max_retries: 2,
      url_path: '/healthz',
      expected_codes: '200-202',
      http_version: 1.1,
      domain_name: 'health.example.com',
    }),
    members: [
      member(1, '192.0.2.11'),
      member(2, '192.0.2.12', { backup: true }),
      member(3, '192.0.2.13', { weight: 0 }),
      member(4, '192.0.2.14', { admin_state_up: false }),
      member(5, '2001:db8::15', { weight: 5, monitor_address: '192.0.2.115', monitor_port: 9000 }),
      member(6, '192.0.2.16', { provisioning_status: 'PENDING_DELETE' }),
    ],
  });
  const api = pool(2, {
    lb_algorithm: 'LEAST_CONNECTIONS',
    session_persistence: { type: 'APP_COOKIE', cookie_name: 'SESSIONID', persistence_timeout: null, persistence_granularity: null },
    healthmonitor: healthMonitor(2, 'HTTP', { http_method: 'HEAD', url_path: '/status?full=1', expected_codes: '200, 204' }),
    members: [member(7, '192.0.2.21', { protocol_port: 9090 }), member(8, '192.0.2.22', { protocol_port: 9090 })],
  });
  const db = pool(3, {
    protocol: 'TCP',
    lb_algorithm: 'SOURCE_IP',
    session_persistence: { type: 'SOURCE_IP', cookie_name: null, persistence_timeout: null, persistence_granularity: null },
    healthmonitor: healthMonitor(3, 'TCP', { delay: 3, timeout: 2, max_retries: 1, max_retries_down: 2 }),
    members: [member(9, '192.0.2.31', { protocol_port: 3306 })],
  });
  return {
    name: 'single-http',
    lb: loadBalancer({
      listeners: [
        listener(1, {
          connection_limit: 5000,
          default_pool: web,
          insert_headers: { 'X-Forwarded-For': 'true', 'X-Forwarded-Port': 'True', 'X-Forwarded-Proto': 'true' },
        }),
        listener(2, { protocol_port: 8080, default_pool: api, timeout_client_data: 30000, timeout_member_data: 60000 }),
        listener(3, { protocol: 'TCP', protocol_port: 3306, connection_limit: 0, default_pool: db, timeout_member_connect: 2000 }),
        listener(4, { protocol_port: 81, admin_state_up: false, default_pool: web }),
        listener(5, { protocol: 'UDP', protocol_port: 53 }),
      ],
    }),
    options: { amphoraId: AMP1, topology: 'SINGLE' },
  };
}

function terminatedHttps(): HaproxyGoldenCase {
  const reencrypt = pool(1, {
    tls_enabled: true,
    tls_container_ref: 'https://barbican.example.com/v1/containers/pool-client',
    ca_tls_container_ref: 'https://barbican.example.com/v1/secrets/pool-ca',
    crl_container_ref: 'https://barbican.example.com/v1/secrets/pool-crl',
    tls_ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384',
    tls_versions: ['TLSv1.2', 'TLSv1.3'],
    alpn_protocols: ['h2', 'http/1.1'],
    healthmonitor: healthMonitor(1, 'HTTPS', { url_path: '/health' }),
    members: [member(1, '192.0.2.11', { protocol_port: 8443 }), member(2, '192.0.2.12', { protocol_port: 8443 })],
  });
  const clientCertPool = pool(2, {
    protocol: 'PROXYV2',
    tls_enabled: true,
    tls_versions: ['TLSv1.3'],
    members: [member(3, '192.0.2.21', { protocol_port: 8443 })],
  });
  return {
    name: 'terminated-https',
    lb: loadBalancer({
      additional_vips: [{ subnet_id: '6c1d0f6e-3a52-4a0e-9d5e-6f3bb1a2c402', ip_address: '2001:db8::10' }],
      listeners: [
        listener(1, {
          protocol: 'TERMINATED_HTTPS',
          protocol_port: 443,
          default_pool: reencrypt,
          default_tls_container_ref: 'https://barbican.example.com/v1/containers/www',
          sni_container_refs: ['https://barbican.example.com/v1/containers/api'],
          client_ca_tls_container_ref: 'https://barbican.example.com/v1/secrets/client-ca',
          client_authentication: 'MANDATORY',
          client_crl_container_ref: 'https://barbican.example.com/v1/secrets/client-crl',
          tls_ciphers: 'TLS_AES_256_GCM_SHA384:ECDHE-ECDSA-AES256-GCM-SHA384',
          tls_versions: ['TLSv1.2', 'TLSv1.3'],
          alpn_protocols: ['h2', 'http/1.1'],
          hsts_max_age: 31536000,
          hsts_include_subdomains: true,
          hsts_preload: true,
          insert_headers: {
            'X-Forwarded-For': 'true',
            'X-Forwarded-Proto': 'true',
            'X-SSL-Client-Verify': 'true',
            'X-SSL-Client-Has-Cert': 'true',
            'X-SSL-Client-DN': 'true',
            'X-SSL-Client-CN': 'true',
            'X-SSL-Issuer': 'true',
            'X-SSL-Client-SHA1': 'true',
            'X-SSL-Client-Not-Before': 'true',
            'X-SSL-Client-Not-After': 'false',
          },
          l7policies: [
            l7policy(1, 'REDIRECT_TO_POOL', [
              l7rule(1, 'SSL_CONN_HAS_CERT', 'EQUAL_TO', 'true'),
              l7rule(2, 'SSL_VERIFY_RESULT', 'EQUAL_TO', '0'),
              l7rule(3, 'SSL_DN_FIELD', 'EQUAL_TO', 'Partner Org', { key: 'O' }),
            ], { redirect_pool_id: clientCertPool.id, redirect_pool: clientCertPool }),
          ],
        }),
      ],
    }),
    options: {
      amphoraId: AMP1,
      topology: 'SINGLE',
      amphoraDetails: {
        cpu_count: 4,
        active_tuned_profiles: 'virtual-guest optimize-serial-console amphora',
        memory: { free: 300_000, buffers: 20_000, cached: 80_000 },
      },
      listenerCertificates: {
        [uid('listener', 1)]: {
          clientCa: `${CERT_DIR}/${LB_ID}/3a5f0c9e1b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a.pem`,
          clientCrl: `${CERT_DIR}/${LB_ID}/9c1e3a5f7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7b.pem`,
        },
      },
      poolCertificates: {
        [uid('pool', 1)]: {
          clientCert: `${CERT_DIR}/${LB_ID}/b7d9f1a3c5e7092b4d6f8a0c2e4b6d8f0a2c4e6d.pem`,
          ca: `${CERT_DIR}/${LB_ID}/c2e4a6b8d0f2143658a9cbdef01234567890abcd.pem`,
          crl: `${CERT_DIR}/${LB_ID}/d4f6a8c0e2b4d6f8091a2b3c4d5e6f708192a3b4.pem`,
        },
      },
    },
  };
}

function activeStandby(): HaproxyGoldenCase {
  const passthrough = pool(1, {
    protocol: 'HTTPS',
    session_persistence: { type: 'SOURCE_IP', cookie_name: null, persistence_timeout: null, persistence_granularity: null },
    healthmonitor: healthMonitor(1, 'TLS-HELLO'),
    members: [member(1, '192.0.2.11', { protocol_port: 443 }), member(2, '192.0.2.12', { protocol_port: 443 })],
  });
  const web = pool(2, {
    session_persistence: { type: 'APP_COOKIE', cookie_name: 'JSESSIONID', persistence_timeout: null, persistence_granularity: null },
    healthmonitor: healthMonitor(2, 'HTTP'),
    members: [member(3, '192.0.2.21'), member(4, '192.0.2.22')],
  });
  return {
    name: 'active-standby',
    lb: loadBalancer({
      listeners: [
        listener(1, { protocol: 'HTTPS', protocol_port: 443, default_pool: passthrough, connection_limit: 2000 }),
        listener(2, { protocol: 'HTTP', protocol_port: 80, default_pool: web, connection_limit: 3000 }),
      ],
    }),
    options: {
      amphoraId: AMP1,
      topology: 'ACTIVE_STANDBY',
      peers: [
        { amphora_id: AMP1, vrrp_ip: '10.0.0.5' },
        { amphora_id: AMP2, vrrp_ip: '10.0.0.6' },
      ],
      hardStopAfter: '30m',
    },
  };
}

function l7Policies(): HaproxyGoldenCase {
  const main = pool(1, { members: [member(1, '192.0.2.11')] });
  const api = pool(2, { members: [member(2, '192.0.2.21')] });
  const disabled = pool(3, { admin_state_up: false, members: [member(3, '192.0.2.31')] });
  return {
    name: 'l7-policies',
    lb: loadBalancer({
      pools: [main, api, disabled],
      listeners: [
        listener(1, {
          default_pool: main,
          insert_headers: { 'X-Forwarded-Proto': 'true' },
          l7policies: [
            l7policy(1, 'REJECT', [
              l7rule(1, 'PATH', 'STARTS_WITH', '/admin'),
              l7rule(2, 'HEADER', 'EQUAL_TO', '"debug mode on"', { key: 'X-Debug', invert: true }),
            ]),
            l7policy(2, 'REDIRECT_TO_URL', [l7rule(3, 'HOST_NAME', 'EQUAL_TO', 'old.example.com')], {
              redirect_url: 'https://www.example.com/new?a=1&b=2#top',
              redirect_http_code: 301,
            }),
            l7policy(3, 'REDIRECT_PREFIX', [
              l7rule(4, 'HOST_NAME', 'ENDS_WITH', '.example.org'),
              l7rule(5, 'COOKIE', 'CONTAINS', 'gold', { key: 'tier' }),
            ], { redirect_prefix: 'https://secure.example.org', redirect_http_code: 308 }),
            l7policy(4, 'REDIRECT_TO_POOL', [
              l7rule(6, 'PATH', 'REGEX', '^/api/v[0-9]+/(users|items)\\.json$'),
              l7rule(7, 'HEADER', 'REGEX', '^Mozilla/5\\.0 \\(X11', { key: 'User-Agent', invert: true }),
            ], { redirect_pool_id: api.id }),
            l7policy(5, 'REDIRECT_TO_POOL', [l7rule(8, 'FILE_TYPE', 'REGEX', '\\.(png|gif)$')], { redirect_pool_id: disabled.id }),
            l7policy(6, 'REJECT', [l7rule(9, 'FILE_TYPE', 'EQUAL_TO', 'php')], { admin_state_up: false }),
            l7policy(7, 'REJECT', [l7rule(10, 'PATH', 'CONTAINS', 'x', { admin_state_up: false })]),
            l7policy(8, 'REJECT', [
              l7rule(11, 'PATH', 'CONTAINS', '-f'),
              l7rule(12, 'COOKIE', 'EQUAL_TO', 'a#b', { key: 'sess#id' }),
              l7rule(13, 'HEADER', 'STARTS_WITH', "it's#1\\x", { key: 'X-Note' }),
              l7rule(14, 'HOST_NAME', 'CONTAINS', 'internal'),
              l7rule(15, 'FILE_TYPE', 'EQUAL_TO', 'bak'),
            ]),
            l7policy(9, 'REDIRECT_TO_URL', [l7rule(16, 'PATH', 'EQUAL_TO', '/moved')], {
              redirect_url: 'http://example.net/moved',
              redirect_http_code: null,
            }),
          ],
        }),
      ],
    }),
    options: { amphoraId: AMP1, topology: 'SINGLE' },
  };
}

function tcpProxy(): HaproxyGoldenCase {
  const smtp = pool(1, {
    protocol: 'PROXY',
    lb_algorithm: 'SOURCE_IP',
    healthmonitor: healthMonitor(1, 'TCP'),
    members: [member(1, '192.0.2.11', { protocol_port: 25, monitor_port: 2525 })],
  });
  const tls = pool(2, {
    protocol: 'PROXYV2',
    healthmonitor: healthMonitor(2, 'TLS-HELLO'),
    members: [member(2, '192.0.2.21', { protocol_port: 443 })],
  });
  const web = pool(3, {
    protocol: 'PROXY',
    healthmonitor: healthMonitor(3, 'PING', { delay: 2, timeout: 1 }),
    members: [member(3, '192.0.2.31', { protocol_port: 80 })],
  });
  const secure = pool(4, {
    protocol: 'HTTPS',
    lb_algorithm: 'LEAST_CONNECTIONS',
    healthmonitor: healthMonitor(4, 'HTTPS', { url_path: '/health', expected_codes: '200' }),
    members: [member(4, '192.0.2.41', { protocol_port: 8443 })],
  });
  const upgraded = pool(5, { members: [member(5, '192.0.2.51', { protocol_port: 8080 })] });
  return {
    name: 'tcp-proxy',
    lb: loadBalancer({
      listeners: [
        listener(1, { protocol: 'TCP', protocol_port: 25, default_pool: smtp }),
        listener(2, { protocol: 'HTTPS', protocol_port: 443, default_pool: tls }),
        listener(3, { protocol: 'HTTP', protocol_port: 80, default_pool: web }),
        listener(4, { protocol: 'TCP', protocol_port: 8443, default_pool: secure }),
        listener(5, { protocol: 'TCP', protocol_port: 9000, default_pool: upgraded, timeout_tcp_inspect: 500 }),
      ],
    }),
    options: { amphoraId: AMP1, topology: 'SINGLE', haproxyVersion: '2.6.12-1+deb12u4' },
  };
}

function prometheus(): HaproxyGoldenCase {
  const web = pool(1, { healthmonitor: healthMonitor(1, 'HTTP'), members: [member(1, '192.0.2.11')] });
  return {
    name: 'prometheus',
    lb: loadBalancer({
      listeners: [
        listener(1, { protocol: 'PROMETHEUS', protocol_port: 9100, connection_limit: 100 }),
        listener(2, { default_pool: web }),
      ],
    }),
    options: { amphoraId: AMP1, topology: 'SINGLE' },
  };
}

export const HAPROXY_GOLDEN_CASES: HaproxyGoldenCase[] = [
  singleHttp(),
  terminatedHttps(),
  activeStandby(),
  l7Policies(),
  tcpProxy(),
  prometheus(),
];
