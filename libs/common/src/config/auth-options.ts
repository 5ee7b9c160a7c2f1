import { isAbsolute, dirname, join } from 'node:path';
import { ConfigError } from './octavia-config';

/**
 * Options of keystonemiddleware's `[keystone_authtoken]` and oslo.policy's `[oslo_policy]` sections, with
 * upstream's names. Read by loadConfig(); the API's auth code (apps/api/src/auth) is their only user.
 */

export interface KeystoneAuthtokenOptions {
  /** Public identity endpoint named in `WWW-Authenticate: Keystone uri="..."` on a 401. */
  wwwAuthenticateUri?: string;
  /** Identity endpoint the service authenticates against and validates tokens with. */
  authUrl?: string;
  authType: string;
  username?: string;
  password?: string;
  projectName?: string;
  projectId?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  systemScope?: string;
  /** Seconds a validated token is trusted without asking Keystone again (keystonemiddleware `token_cache_time`). */
  tokenCacheTime: number;
  /** octavia-ts: at most this many validations are cached (least recently used evicted first). */
  tokenCacheSize: number;
  httpConnectTimeout: number;
  httpRequestMaxRetries: number;
  /** Tokens must carry one of these roles to count as a service token (keystonemiddleware `service_token_roles`). */
  serviceTokenRoles: string[];
  serviceTokenRolesRequired: boolean;
}

export interface OsloPolicyOptions {
  /** YAML or JSON policy file with rule overrides; a relative path is taken from the config file's directory. */
  policyFile: string;
  /** Refuse tokens whose scope does not match the rules' scope (project) with a 403. */
  enforceScope: boolean;
  /** true: keystone default roles (admin/member/reader); false: the load-balancer_* roles of the advanced RBAC. */
  enforceNewDefaults: boolean;
}

export interface AuthOptionSource {
  raw(section: string, name: string, envName?: string): string | undefined;
}

function parseBool(section: string, name: string, v: string | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (/^(true|1|yes|on)$/i.test(v)) return true;
  if (/^(false|0|no|off)$/i.test(v)) return false;
  throw new ConfigError(`[${section}] ${name} must be a boolean, got "${v}"`);
}

function parseInt(section: string, name: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`[${section}] ${name} must be an integer >= ${min}, got "${v}"`);
  return n;
}

function parseUrl(section: string, name: string, v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(`[${section}] ${name} must be an http(s) URL, got "${v}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`[${section}] ${name} must be an http(s) URL, got "${v}"`);
  // The value is echoed in a response header: refuse anything a header cannot carry safely.
  if (/[\x00-\x1f\x7f"]/.test(v)) throw new ConfigError(`[${section}] ${name} holds characters a URL cannot carry`);
  return v.replace(/\/+$/, '');
}

export function readKeystoneAuthtoken(o: AuthOptionSource): KeystoneAuthtokenOptions {
  const s = 'keystone_authtoken';
  const r = (name: string, env?: string) => {
    const v = o.raw(s, name, env);
    return v === '' ? undefined : v;
  };
  const authType = r('auth_type') ?? 'password';
  if (authType !== 'password' && authType !== 'v3password') throw new ConfigError(`[keystone_authtoken] auth_type must be password or v3password, got "${authType}"`);
  return {
    wwwAuthenticateUri: parseUrl(s, 'www_authenticate_uri', r('www_authenticate_uri') ?? r('auth_uri')),
    authUrl: parseUrl(s, 'auth_url', r('auth_url')),
    authType,
    username: r('username'),
    password: r('password', 'OCTAVIA_TS_KEYSTONE_PASSWORD'),
    projectName: r('project_name'),
    projectId: r('project_id'),
    userDomainName: r('user_domain_name'),
    userDomainId: r('user_domain_id'),
    projectDomainName: r('project_domain_name'),
    projectDomainId: r('project_domain_id'),
    systemScope: r('system_scope'),
    tokenCacheTime: parseInt(s, 'token_cache_time', r('token_cache_time'), 300, -1),
    tokenCacheSize: parseInt(s, 'token_cache_size', r('token_cache_size'), 10000, 0),
    httpConnectTimeout: parseInt(s, 'http_connect_timeout', r('http_connect_timeout'), 10, 1),
    httpRequestMaxRetries: parseInt(s, 'http_request_max_retries', r('http_request_max_retries'), 3, 0),
    serviceTokenRoles: (r('service_token_roles') ?? 'service').split(',').map((x) => x.trim()).filter(Boolean),
    serviceTokenRolesRequired: parseBool(s, 'service_token_roles_required', r('service_token_roles_required'), false),
  };
}

export function readOsloPolicy(o: AuthOptionSource, configFile?: string): OsloPolicyOptions {
  const s = 'oslo_policy';
  const file = o.raw(s, 'policy_file', 'OCTAVIA_TS_POLICY_FILE') || 'policy.yaml';
  return {
    policyFile: isAbsolute(file) ? file : join(configFile ? dirname(configFile) : process.cwd(), file),
    enforceScope: parseBool(s, 'enforce_scope', o.raw(s, 'enforce_scope'), true),
    enforceNewDefaults: parseBool(s, 'enforce_new_defaults', o.raw(s, 'enforce_new_defaults'), true),
  };
}
