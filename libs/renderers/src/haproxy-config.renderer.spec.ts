import { haproxyCheck } from '../test-support/binary-checks';
import { HAPROXY_GOLDEN_CASES } from '../test-support/haproxy-golden-models';
import { richModel } from '../test-support/injection-targets';
import { healthMonitor, listener, loadBalancer, member, pool, uid } from '../test-support/model-builders';
import { createTlsKit } from '../test-support/tls-kit';
import { renderHaproxyConfig } from './haproxy-config.renderer';
import { peerName } from './haproxy/haproxy-naming';
import { renderCrtList } from './haproxy/haproxy-tls.renderer';
import type { RenderLoadBalancer } from './render-model';
import type { HaproxyRenderOptions } from './render-options';
import { RenderValidationError, type RenderWarning } from './render-validation.error';

const SINGLE: HaproxyRenderOptions = { amphoraId: uid('amphora', 1), topology: 'SINGLE' };

function simpleLb(overrides: Partial<RenderLoadBalancer> = {}): RenderLoadBalancer {
  const web = pool(1, { healthmonitor: healthMonitor(1, 'HTTP'), members: [member(1, '192.0.2.11')] });
  return loadBalancer({ listeners: [listener(1, { default_pool: web, connection_limit: 1000 })], ...overrides });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('renderHaproxyConfig', () => {
  it('is pure: frozen input, identical output on every call', () => {
    for (const golden of HAPROXY_GOLDEN_CASES) {
      const lb = deepFreeze(structuredClone(golden.lb));
      expect(renderHaproxyConfig(lb, golden.options)).toBe(renderHaproxyConfig(golden.lb, golden.options));
    }
  });

  it('keeps the heartbeat naming contract in every golden config', () => {
    const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
    for (const golden of HAPROXY_GOLDEN_CASES) {
      const text = renderHaproxyConfig(golden.lb, golden.options);
      for (const [, name] of text.matchAll(/^backend (\S+)$/gm)) {
        expect(name).toMatch(new RegExp(`^(${uuid}:${uuid}|prometheus-exporter-internal)$`));
      }
      for (const [, name] of text.matchAll(/^frontend (\S+)$/gm)) {
        expect(name).toMatch(new RegExp(`^(${uuid}|prometheus-exporter-internal-endpoint)$`));
      }
      for (const [, name] of text.matchAll(/^\s+server (\S+) /gm)) {
        expect(name).toMatch(new RegExp(`^(${uuid}|prometheus-internal)$`));
      }
      expect(text).toMatch(/\nfrontend /);
      expect(text).toContain(`stats socket /var/lib/octavia/${golden.lb.id}.sock mode 0666 level user`);
    }
  });

  it('derives peer names exactly as upstream (rendering spec example)', () => {
    expect(peerName('2f1e3c1a-7d4b-4e55-9a0e-5b7c3f0c9d11')).toBe('OtSsHX5R14GDX1WxrLExdKYgExA');
  });

  it('renders no proxies for a disabled load balancer, and skips disabled, deleted and LVS listeners', () => {
    const disabled = renderHaproxyConfig(simpleLb({ admin_state_up: false }), SINGLE);
    expect(disabled).not.toMatch(/^(frontend|backend) /m);
    const lb = simpleLb();
    lb.listeners.push(
      listener(2, { protocol_port: 81, provisioning_status: 'PENDING_DELETE' }),
      listener(3, { protocol: 'SCTP', protocol_port: 82 }),
    );
    const text = renderHaproxyConfig(lb, SINGLE);
    expect(text.match(/^frontend /gm)).toHaveLength(1);
    expect(text).toContain('maxconn 1000\n    maxpipes');
  });

  it('resolves default_pool_id through loadbalancer.pools and rejects unknown ids', () => {
    const lb = simpleLb();
    const web = lb.listeners[0].default_pool!;
    lb.listeners[0] = { ...lb.listeners[0], default_pool: undefined, default_pool_id: web.id };
    expect(renderHaproxyConfig(lb, SINGLE)).toContain(`default_backend ${web.id}:${lb.listeners[0].id}`);
    lb.listeners[0].default_pool_id = uid('pool', 99);
    expect(() => renderHaproxyConfig(lb, SINGLE)).toThrow(/pool 2001c0de-0000-4000-8000-000000000099 is not among/);
  });

  it.each([
    ['1.5.18', { reuse: false, stateFile: false, alpn: false, prometheus: false, insecureFork: false }],
    ['1.8.30', { reuse: true, stateFile: true, alpn: false, prometheus: false, insecureFork: false }],
    ['2.0.33', { reuse: true, stateFile: true, alpn: true, prometheus: true, insecureFork: false }],
    ['2.6.12-1+deb12u4', { reuse: true, stateFile: true, alpn: true, prometheus: true, insecureFork: true }],
  ])('switches features on haproxy %s', (haproxyVersion, expected) => {
    const secure = pool(2, {
      tls_enabled: true,
      alpn_protocols: ['h2'],
      healthmonitor: healthMonitor(2, 'PING'),
      members: [member(2, '192.0.2.21')],
    });
    const lb = simpleLb();
    lb.listeners.push(listener(2, { protocol_port: 8080, default_pool: secure }), listener(3, { protocol: 'PROMETHEUS', protocol_port: 9100 }));
    const text = renderHaproxyConfig(lb, { ...SINGLE, haproxyVersion });
    expect({
      reuse: text.includes('http-reuse safe'),
      stateFile: text.includes('server-state-file'),
      alpn: text.includes(' alpn h2'),
      prometheus: text.includes('prometheus-exporter-internal'),
      insecureFork: text.includes('insecure-fork-wanted'),
    }).toEqual(expected);
  });

  it('honours operator options: logging off, daemon, group, hard-stop-after, no fastinter', () => {
    const text = renderHaproxyConfig(simpleLb(), {
      ...SINGLE,
      log: { connectionLogging: false },
      daemon: true,
      group: 'haproxy',
      hardStopAfter: '10m',
      healthCheckFastInterMs: null,
    });
    expect(text).toContain('global\n    daemon\n    user nobody\n    group haproxy\n');
    expect(text).toContain('defaults\n    no log\n');
    expect(text).not.toContain('log-format');
    expect(text).toContain('hard-stop-after 10m');
    expect(text).toMatch(/ check inter 5s fall 3 rise 3\n/);
  });

  it('renders a 0 s delay as 1 s (haproxy rejects inter 0) and warns', () => {
    const lb = simpleLb();
    lb.listeners[0].default_pool!.healthmonitor!.delay = 0;
    const warnings: RenderWarning[] = [];
    const text = renderHaproxyConfig(lb, { ...SINGLE, onWarning: (warning) => warnings.push(warning) });
    expect(text).toMatch(/ check inter 1s fall 3 rise 3\n/);
    expect(text).not.toContain('fastinter');
    expect(warnings).toEqual([expect.objectContaining({ field: `healthmonitor ${uid('monitor', 1)}.delay` })]);
  });

  it('rejects what haproxy amphorae cannot do and inconsistent options', () => {
    const lb = simpleLb();
    lb.listeners[0].default_pool!.lb_algorithm = 'SOURCE_IP_PORT';
    expect(() => renderHaproxyConfig(lb, SINGLE)).toThrow(RenderValidationError);
    expect(() => renderHaproxyConfig(simpleLb(), { ...SINGLE, topology: 'ACTIVE_STANDBY', peers: [] })).toThrow(
      /ACTIVE_STANDBY needs the peer list to include amphora/,
    );
    expect(() => renderHaproxyConfig(simpleLb(), { ...SINGLE, maxconnCap: 50_000 })).toThrow(/between 1 and 9900/);
    expect(() => renderHaproxyConfig(simpleLb(), { ...SINGLE, hardStopAfter: '1m\n    bind :1' })).toThrow(/control character/);
    expect(() => renderHaproxyConfig(simpleLb(), { ...SINGLE, statsSocketPath: '/tmp/a b' })).toThrow(RenderValidationError);
  });

  it('requires file paths for every referenced client CA, CRL and pool certificate', () => {
    const { lb, options } = richModel();
    lb.listeners[1].client_ca_tls_container_ref = 'https://barbican.example.com/v1/secrets/ca';
    expect(() => renderHaproxyConfig(lb, options)).toThrow(/client_ca_tls_container_ref is referenced but no file path was supplied/);
    const secure = lb.listeners[1].default_pool!;
    lb.listeners[1].client_ca_tls_container_ref = null;
    secure.ca_tls_container_ref = 'https://barbican.example.com/v1/secrets/pool-ca';
    expect(() => renderHaproxyConfig(lb, options)).toThrow(/ca_tls_container_ref is referenced/);
  });

  it('terminates TLS with SNI certificates only, and with client auth OPTIONAL', () => {
    const { lb, options } = richModel();
    const tls = lb.listeners[1];
    tls.default_tls_container_ref = null;
    tls.sni_container_refs = ['https://barbican.example.com/v1/containers/api'];
    tls.client_ca_tls_container_ref = 'https://barbican.example.com/v1/secrets/ca';
    tls.client_authentication = 'OPTIONAL';
    const text = renderHaproxyConfig(lb, {
      ...options,
      listenerCertificates: { [tls.id]: { crtList: '/var/lib/octavia/certs/custom/list.txt', clientCa: '/var/lib/octavia/certs/custom/ca.pem' } },
    });
    expect(text).toContain(
      'bind 203.0.113.10:443 ssl crt-list /var/lib/octavia/certs/custom/list.txt ca-file /var/lib/octavia/certs/custom/ca.pem verify optional ciphers',
    );
    expect(haproxyCheck(text, { tls: createTlsKit() }).ok).toBe(true);
  });

  it('refuses a TERMINATED_HTTPS listener without any certificate (its https redirect would loop)', () => {
    const { lb, options } = richModel();
    lb.listeners[1].default_tls_container_ref = null;
    expect(() => renderHaproxyConfig(lb, options)).toThrow(/TERMINATED_HTTPS needs a default or SNI certificate/);
  });

  it('accepts remote syslog targets as ip:port', () => {
    const text = renderHaproxyConfig(simpleLb(), { ...SINGLE, log: { userLogTarget: '192.0.2.5:514' } });
    expect(text).toContain('    log 192.0.2.5:514 local0\n');
    expect(() => renderHaproxyConfig(simpleLb(), { ...SINGLE, log: { userLogTarget: 'syslog.example.com:514' } })).toThrow(
      RenderValidationError,
    );
  });

  it('optionally enforces allowed_cidrs inside haproxy as well', () => {
    const lb = simpleLb();
    lb.listeners[0].allowed_cidrs = ['198.51.100.0/24', '2001:db8::/32'];
    expect(renderHaproxyConfig(lb, SINGLE)).not.toContain('tcp-request connection');
    const text = renderHaproxyConfig(lb, { ...SINGLE, enforceAllowedCidrs: true });
    expect(text).toContain('    tcp-request connection reject if !{ src 198.51.100.0/24 2001:db8::/32 }\n');
    expect(haproxyCheck(text).ok).toBe(true);
  });

  it('leaves tune.ssl.cachesize out when the amphora has little memory', () => {
    const golden = HAPROXY_GOLDEN_CASES.find((candidate) => candidate.name === 'terminated-https')!;
    const text = renderHaproxyConfig(golden.lb, {
      ...golden.options,
      amphoraDetails: { memory: { free: 100_000, buffers: 0, cached: 0 } },
    });
    expect(text).not.toContain('tune.ssl.cachesize');
    expect(text).not.toContain('nbthread');
  });
});

describe('renderCrtList', () => {
  it('lists the default certificate first, then SNI certificates', () => {
    expect(renderCrtList('/c/lb/default.pem', ['/c/lb/a.pem', '/c/lb/b.pem'])).toBe('/c/lb/default.pem\n/c/lb/a.pem\n/c/lb/b.pem\n');
  });

  it('refuses paths that would add crt-list options', () => {
    expect(() => renderCrtList('/c/lb/default.pem [verify none]', [])).toThrow(RenderValidationError);
  });
});
