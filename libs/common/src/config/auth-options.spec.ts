import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './octavia-config';

function withIni(text: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'octavia-auth-conf-'));
  try {
    const file = join(dir, 'octavia.conf');
    writeFileSync(file, text);
    return loadConfig({ OCTAVIA_TS_CONFIG_FILE: file, ...env });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('[keystone_authtoken] and [oslo_policy]', () => {
  it('reads upstream option names with keystonemiddleware/oslo.policy defaults', () => {
    const c = withIni(
      '[keystone_authtoken]\nwww_authenticate_uri = https://id.example/v3/\nauth_url = http://ks:5000\nusername = octavia\npassword = pw\nproject_name = service\nuser_domain_name = Default\nproject_domain_name = Default\ntoken_cache_time = 60\n[oslo_policy]\nenforce_new_defaults = false\npolicy_file = rules.yaml\n',
    );
    expect(c.keystoneAuthtoken).toMatchObject({
      wwwAuthenticateUri: 'https://id.example/v3',
      authUrl: 'http://ks:5000',
      username: 'octavia',
      password: 'pw',
      projectName: 'service',
      tokenCacheTime: 60,
      tokenCacheSize: 10000,
      authType: 'password',
    });
    expect(c.osloPolicy.enforceNewDefaults).toBe(false);
    expect(c.osloPolicy.enforceScope).toBe(true);
    expect(c.osloPolicy.policyFile).toMatch(/\/octavia-auth-conf-[^/]+\/rules\.yaml$/);
  });

  it('takes the password from OCTAVIA_TS_KEYSTONE_PASSWORD over the file', () => {
    expect(withIni('[keystone_authtoken]\npassword = file\n', { OCTAVIA_TS_KEYSTONE_PASSWORD: 'env' }).keystoneAuthtoken.password).toBe('env');
  });

  it('refuses URLs a WWW-Authenticate header cannot carry, bad numbers, booleans and auth types', () => {
    expect(() => withIni('[keystone_authtoken]\nwww_authenticate_uri = http://id.example/v3" realm="x\n')).toThrow(ConfigError);
    expect(() => withIni('[keystone_authtoken]\nauth_url = ftp://id.example\n')).toThrow(ConfigError);
    expect(() => withIni('[keystone_authtoken]\nauth_url = not a url\n')).toThrow(ConfigError);
    expect(() => withIni('[keystone_authtoken]\ntoken_cache_time = soon\n')).toThrow(ConfigError);
    expect(() => withIni('[keystone_authtoken]\nauth_type = token\n')).toThrow(ConfigError);
    expect(() => withIni('[oslo_policy]\nenforce_scope = maybe\n')).toThrow(ConfigError);
  });
});
