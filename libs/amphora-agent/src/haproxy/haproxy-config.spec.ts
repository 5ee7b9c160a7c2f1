import { peerName, sanitiseHaproxyConfig, summariseHaproxyConfig } from './haproxy-config';
import { parseShowProc } from './haproxy-socket';
import { parseShowStat } from './haproxy-stats';

describe('peerName', () => {
  it('matches the rendering spec example', () => {
    expect(peerName('2f1e3c1a-7d4b-4e55-9a0e-5b7c3f0c9d11')).toBe('OtSsHX5R14GDX1WxrLExdKYgExA');
  });

  it('uses the URL-ish alphabet and never starts with "-"', () => {
    for (let i = 0; i < 200; i++) {
      const name = peerName(`amphora-${i}`);
      expect(name).toMatch(/^[A-Za-z0-9_x][A-Za-z0-9_-]{26}$/);
    }
  });
});

const CFG = `# Configuration for loadbalancer 11111111-1111-4111-8111-111111111111
global
    daemon
    user nobody
    group nogroup
    stats socket /var/lib/octavia/11111111-1111-4111-8111-111111111111.sock mode 0666 level user
    external-check

frontend 8d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60
    maxconn 50000
    bind 203.0.113.10:80
    bind 2001:db8::2:80
    mode http
    default_backend p:8d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60

frontend 9d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60
    bind 203.0.113.10:443 ssl crt-list /var/lib/octavia/certs/lb/9d2a.pem
    mode http

frontend aaaaaaaa-1f0b-4f0e-a3a4-3b1c2d4e5f60
    bind 203.0.113.10:8443
    mode tcp

frontend prometheus-exporter-internal-endpoint
    bind 127.0.0.1:9101
    mode http

backend p:8d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60
    mode http
`;

describe('HAProxy config handling', () => {
  it('strips group lines and keeps everything else', () => {
    const out = sanitiseHaproxyConfig(CFG, '2.6.12');
    expect(out).not.toMatch(/group nogroup/);
    expect(out).toContain('user nobody');
    expect(out).toContain('external-check');
    expect(out.split('\n')).toHaveLength(CFG.split('\n').length - 1);
  });

  it('drops external-check for HAProxy older than 1.6', () => {
    expect(sanitiseHaproxyConfig(CFG, '1.5.18')).not.toContain('external-check');
  });

  it('summarises frontends, listener types, the stats socket and bind addresses', () => {
    const s = summariseHaproxyConfig(CFG);
    expect(s.statsSocket).toBe('/var/lib/octavia/11111111-1111-4111-8111-111111111111.sock');
    expect(s.frontends).toEqual([
      { id: '8d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60', type: 'HTTP' },
      { id: '9d2a6c2e-1f0b-4f0e-a3a4-3b1c2d4e5f60', type: 'TERMINATED_HTTPS' },
      { id: 'aaaaaaaa-1f0b-4f0e-a3a4-3b1c2d4e5f60', type: 'TCP' },
      { id: 'prometheus-exporter-internal-endpoint', type: 'HTTP' },
    ]);
    expect(s.bindAddresses).toEqual(['203.0.113.10', '2001:db8::2', '127.0.0.1']);
  });
});

describe('HAProxy CLI output parsing', () => {
  it('parses show stat CSV by header names', () => {
    const rows = parseShowStat('# pxname,svname,status,weight,\nfe,FRONTEND,OPEN,,\nbe,s1,UP,0,\n\n');
    expect(rows).toEqual([
      { pxname: 'fe', svname: 'FRONTEND', status: 'OPEN', weight: '' },
      { pxname: 'be', svname: 's1', status: 'UP', weight: '0' },
    ]);
    expect(parseShowStat('')).toEqual([]);
  });

  it('parses show proc from the master CLI', () => {
    const text = `#<PID>          <type>          <reloads>       <uptime>        <version>
11031           master          2 [failed: 1]   0d00h00m03s     2.6.12-1+deb12u4
# workers
11088           worker          0               0d00h00m00s     2.6.12-1+deb12u4
# old workers
11079           worker          1               0d00h00m02s     2.6.12-1+deb12u4
# programs
`;
    expect(parseShowProc(text)).toEqual({ masterPid: 11031, reloads: 2, failedReloads: 1, currentWorkers: [11088], oldWorkers: [11079] });
    expect(parseShowProc('')).toBeNull();
  });
});
