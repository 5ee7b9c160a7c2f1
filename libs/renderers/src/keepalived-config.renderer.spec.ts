import { keepalivedCheck } from '../test-support/binary-checks';
import { vrrpOptions } from '../test-support/injection-targets';
import { LVS_GOLDEN_CASES } from '../test-support/keepalived-golden-models';
import { healthMonitor, listener, loadBalancer, member, pool, uid } from '../test-support/model-builders';
import { renderKeepalivedLvsConfig, renderKeepalivedVrrpConfig } from './keepalived-config.renderer';
import { RenderValidationError } from './render-validation.error';

const header = (listenerId: string, state: 'Configuration for Listener' | 'disabled'): string =>
  [
    `# Configuration for Loadbalancer ${uid('lb', 1)}`,
    state === 'disabled' ? `# Listener ${listenerId} is disabled` : `# Configuration for Listener ${listenerId}`,
    '',
    'net_namespace amphora-haproxy',
    '',
  ].join('\n');

describe('renderKeepalivedLvsConfig', () => {
  const udpPool = () =>
    pool(1, { protocol: 'UDP', healthmonitor: healthMonitor(1, 'UDP-CONNECT'), members: [member(1, '192.0.2.11', { protocol_port: 53 })] });

  it('renders only the header for a disabled listener, a listener without pool, or a disabled load balancer', () => {
    const id = uid('listener', 1);
    const disabled = loadBalancer({ listeners: [listener(1, { protocol: 'UDP', admin_state_up: false, default_pool: udpPool() })] });
    expect(renderKeepalivedLvsConfig(disabled, id)).toBe(header(id, 'disabled'));
    const poolless = loadBalancer({ listeners: [listener(1, { protocol: 'UDP' })] });
    expect(renderKeepalivedLvsConfig(poolless, id)).toBe(header(id, 'Configuration for Listener'));
    const lbDown = loadBalancer({ admin_state_up: false, listeners: [listener(1, { protocol: 'UDP', default_pool: udpPool() })] });
    expect(renderKeepalivedLvsConfig(lbDown, id)).toBe(header(id, 'Configuration for Listener'));
  });

  it('marks a disabled pool and lists no real servers for it', () => {
    const lb = loadBalancer({ listeners: [listener(1, { protocol: 'UDP', default_pool: { ...udpPool(), admin_state_up: false } })] });
    const text = renderKeepalivedLvsConfig(lb, uid('listener', 1));
    expect(text).toContain(`    # Pool ${uid('pool', 1)} is disabled\n`);
    expect(text).not.toContain('real_server');
  });

  it('renders no check for HTTP monitors other than GET, and no monitor lines when it is disabled', () => {
    const head = pool(1, {
      protocol: 'UDP',
      healthmonitor: healthMonitor(1, 'HTTP', { http_method: 'HEAD' }),
      members: [member(1, '192.0.2.11', { protocol_port: 53 })],
    });
    const text = renderKeepalivedLvsConfig(loadBalancer({ listeners: [listener(1, { protocol: 'UDP', default_pool: head })] }), uid('listener', 1));
    expect(text).toContain('delay_loop 5');
    expect(text).not.toMatch(/HTTP_GET|MISC_CHECK|TCP_CHECK/);
    head.healthmonitor!.admin_state_up = false;
    const off = renderKeepalivedLvsConfig(loadBalancer({ listeners: [listener(1, { protocol: 'UDP', default_pool: head })] }), uid('listener', 1));
    expect(off).not.toMatch(/delay_loop|HealthMonitor/);
    expect(keepalivedCheck(off).ok).toBe(true);
  });

  it('refuses listeners that are not LVS listeners or not part of the load balancer', () => {
    const golden = LVS_GOLDEN_CASES[0];
    expect(() => renderKeepalivedLvsConfig(golden.lb, uid('listener', 42))).toThrow(/is not part of load balancer/);
    const tcp = loadBalancer({ listeners: [listener(1, { protocol: 'TCP' })] });
    expect(() => renderKeepalivedLvsConfig(tcp, uid('listener', 1))).toThrow(/served by haproxy/);
  });
});

describe('renderKeepalivedVrrpConfig', () => {
  const lb = loadBalancer();

  it('derives priorities from the role and leaves this amphora out of its peers', () => {
    const master = renderKeepalivedVrrpConfig(lb, vrrpOptions());
    expect(master).toContain('    priority 100\n');
    expect(master).toContain('    unicast_src_ip 10.0.0.5\n    unicast_peer {\n        10.0.0.6\n    }\n');
    const backup = vrrpOptions();
    backup.amphora = { ...backup.amphora, vrrp_ip: '10.0.0.6', role: 'BACKUP' };
    expect(renderKeepalivedVrrpConfig(lb, backup)).toContain('    priority 90\n');
    expect(master).not.toMatch(/^\s*state /m);
  });

  it('keeps upstream defaults unless VRRPv3 is chosen', () => {
    const v2 = renderKeepalivedVrrpConfig(lb, vrrpOptions());
    expect(v2).toContain('    advert_int 1\n    authentication {\n        auth_type PASS\n        auth_pass a1b2c3d\n    }\n');
    expect(v2).not.toMatch(/version 3|check_unicast_src/);
    const v3 = renderKeepalivedVrrpConfig(lb, { ...vrrpOptions(), vrrpVersion: 3, vrrpGroup: { auth_pass: 'a1b2c3d', advert_int: 0.05 } });
    expect(v3).toContain('    version 3\n');
    expect(v3).toContain('    advert_int 0.05\n');
    expect(v3).not.toContain('authentication');
    expect(keepalivedCheck(v3)).toEqual({ ok: true, status: 0, output: '' });
  });

  it('validates advert_int for the chosen VRRP version', () => {
    expect(() => renderKeepalivedVrrpConfig(lb, { ...vrrpOptions(), vrrpGroup: { auth_pass: 'x', advert_int: 0.5 } })).toThrow(
      /between 1 and 255/,
    );
    for (const advert of [0, 0.005, 41, 1.234]) {
      expect(() =>
        renderKeepalivedVrrpConfig(lb, { ...vrrpOptions(), vrrpVersion: 3, vrrpGroup: { auth_pass: 'x', advert_int: advert } }),
      ).toThrow(RenderValidationError);
    }
  });

  it('can leave out global_defs, and needs subnet facts for every VIP', () => {
    expect(renderKeepalivedVrrpConfig(lb, { ...vrrpOptions(), scriptSecurity: false })).toMatch(/^vrrp_script check_script \{/);
    const dualStack = loadBalancer({ additional_vips: [{ ip_address: '2001:db8::10' }] });
    expect(() => renderKeepalivedVrrpConfig(dualStack, vrrpOptions())).toThrow(/no subnet information for VIP 2001:db8::10/);
  });
});
