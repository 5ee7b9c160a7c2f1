import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './octavia-config';
import { parseIni } from './ini-file';

describe('configuration', () => {
  it('parses oslo-style INI with comments and continuation lines', () => {
    const ini = parseIni('# c\n[api_settings]\nbind_port = 1234\n; x\n[networking]\nreserved_ips = 1.1.1.1,\n  2.2.2.2\n');
    expect(ini.api_settings.bind_port).toBe('1234');
    expect(ini.networking.reserved_ips).toBe('1.1.1.1,\n2.2.2.2');
  });

  it('takes upstream option names from the file and lets the environment win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'octavia-conf-'));
    const file = join(dir, 'octavia.conf');
    writeFileSync(file, '[api_settings]\nbind_port = 9999\nauth_strategy = keystone\n[quotas]\ndefault_pool_quota = 7\n[database]\nconnection = postgresql://a@b/c\n');
    const c = loadConfig({ OCTAVIA_TS_CONFIG_FILE: file, OCTAVIA_TS_AUTH_STRATEGY: 'noauth' });
    expect(c.api.port).toBe(9999);
    expect(c.api.authStrategy).toBe('noauth');
    expect(c.quotas.pool).toBe(7);
    expect(c.quotas.listener).toBe(-1);
    expect(c.databaseUrl).toBe('postgresql://a@b/c');
    expect(c.haproxy.timeoutClientData).toBe(50000);
  });

  it('parses OCTAVIA_TS_API_BIND as host:port, including IPv6', () => {
    expect(loadConfig({ OCTAVIA_TS_API_BIND: '0.0.0.0:80' }).api).toMatchObject({ host: '0.0.0.0', port: 80 });
    expect(loadConfig({ OCTAVIA_TS_API_BIND: '[::1]:8080' }).api).toMatchObject({ host: '::1', port: 8080 });
  });

  it.each([
    [{ OCTAVIA_TS_API_BIND: 'nope' }, /host:port/],
    [{ OCTAVIA_TS_AUTH_STRATEGY: 'magic' }, /auth_strategy/],
    [{ OCTAVIA_TS_DATABASE_URL: 'mysql://x' }, /postgresql/],
  ])('refuses invalid settings at start-up: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
