import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApi, startTestApi } from '../support/api-harness';
import { KeystoneServer, KeystoneUser } from '../support/keystone';

/** Shared pieces of the Keystone tests: an API in keystone mode configured through an INI file, and calls with a token. */

export interface KeystoneApi extends TestApi {
  /** A call carrying X-Auth-Token (and nothing else identifying). */
  as(token: string | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

export interface ApiAuthOptions {
  authUrl?: string;
  wwwAuthenticateUri?: string;
  tokenCacheTime?: number;
  enforceNewDefaults?: boolean;
  enforceScope?: boolean;
  /** Contents of the policy file (YAML or JSON). */
  policy?: string;
}

export async function startKeystoneApi(keystone: KeystoneServer, service: KeystoneUser, opts: ApiAuthOptions = {}): Promise<KeystoneApi> {
  const dir = mkdtempSync(join(tmpdir(), 'octavia-ts-ksapi-'));
  const lines = [
    '[api_settings]',
    'auth_strategy = keystone',
    '[keystone_authtoken]',
    `www_authenticate_uri = ${opts.wwwAuthenticateUri ?? keystone.url + '/v3'}`,
    `auth_url = ${opts.authUrl ?? keystone.url}`,
    'auth_type = password',
    `username = ${service.name}`,
    `password = ${service.password}`,
    'project_name = service',
    'user_domain_name = Default',
    'project_domain_name = Default',
    `token_cache_time = ${opts.tokenCacheTime ?? 300}`,
    'http_request_max_retries = 0',
    'http_connect_timeout = 5',
    '[oslo_policy]',
    `enforce_new_defaults = ${opts.enforceNewDefaults ?? true}`,
    `enforce_scope = ${opts.enforceScope ?? true}`,
    'policy_file = policy.yaml',
  ];
  if (opts.policy !== undefined) writeFileSync(join(dir, 'policy.yaml'), opts.policy);
  writeFileSync(join(dir, 'octavia.conf'), lines.join('\n') + '\n');
  let api: TestApi;
  try {
    api = await startTestApi({ OCTAVIA_TS_CONFIG_FILE: join(dir, 'octavia.conf'), OCTAVIA_TS_AUTH_STRATEGY: 'keystone' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...api,
    as: async (token, method, path, body, headers = {}) => {
      const res = await fetch(api.url + path, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    close: async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The service user the API authenticates as: role `service` on project `service`, as a deployment sets it up. */
export async function createServiceUser(keystone: KeystoneServer): Promise<KeystoneUser> {
  const project = await keystone.createProject('service');
  const user = await keystone.createUser('octavia');
  await keystone.grantProjectRole(user.id, project, 'service');
  return user;
}

export const LBS = '/v2.0/lbaas/loadbalancers';
export const FORBIDDEN = { faultcode: 'Client', faultstring: 'Policy does not allow this request to be performed.', debuginfo: null };
