import { createHash } from 'node:crypto';
import type { KeystoneAuthtokenOptions } from '../../../../libs/common/src';
import { JsonLogger } from '../../../../libs/common/src';
import { LruCache } from './lru-cache';

/** What a valid Keystone v3 token says about its holder. */
export interface TokenIdentity {
  userId: string;
  userName?: string;
  userDomainId?: string;
  userDomainName?: string;
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  projectDomainName?: string;
  domainId?: string;
  domainName?: string;
  /** `all` for a system-scoped token. */
  systemScope?: string;
  roles: string[];
  expiresAt: number;
}

/** Keystone could not be asked (down, timing out, refusing our own credentials): the API answers 503. */
export class IdentityUnavailable extends Error {}

interface KeystoneTokenBody {
  token?: {
    expires_at?: string;
    user?: { id?: string; name?: string; domain?: { id?: string; name?: string } };
    project?: { id?: string; name?: string; domain?: { id?: string; name?: string } };
    domain?: { id?: string; name?: string };
    system?: Record<string, boolean>;
    roles?: Array<{ id?: string; name?: string }>;
  };
}

type CacheEntry = { identity: TokenIdentity } | { invalid: true };

const REFRESH_MARGIN_MS = 120_000;

/**
 * Validates user tokens against Keystone v3 the way keystonemiddleware's auth_token does:
 * `GET /v3/auth/tokens` with the user's token in `X-Subject-Token`, authenticated by the service's own
 * token, which it obtains with the `[keystone_authtoken]` password credentials and renews before it
 * expires (or when Keystone stops accepting it). Results, valid and invalid, are cached for
 * `token_cache_time` seconds in an LRU of `token_cache_size` entries keyed by the token's SHA-256; a
 * cached token is still refused once its own `expires_at` has passed.
 */
export class KeystoneTokenValidator {
  private readonly base: string;
  private readonly cache: LruCache<CacheEntry>;
  private serviceToken?: { token: string; renewAt: number };
  private serviceTokenPending?: Promise<string>;
  /** Counters for tests and metrics: how often Keystone was actually asked. */
  readonly stats = { validations: 0, serviceTokensIssued: 0, cacheHits: 0 };

  constructor(private readonly opts: KeystoneAuthtokenOptions, private readonly logger: JsonLogger = new JsonLogger('api.keystone')) {
    if (!opts.authUrl) throw new Error('[keystone_authtoken] auth_url is required with auth_strategy = keystone');
    if (!opts.username || !opts.password) throw new Error('[keystone_authtoken] username and password are required with auth_strategy = keystone');
    this.base = opts.authUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
    this.cache = new LruCache(opts.tokenCacheSize);
  }

  /** The identity endpoint named in WWW-Authenticate. */
  get wwwAuthenticateUri(): string {
    return this.opts.wwwAuthenticateUri ?? this.opts.authUrl!;
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /** The token's identity, or null when Keystone says it is not valid (or it has expired). */
  async validate(token: string, now = Date.now()): Promise<TokenIdentity | null> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.cache.get(key, now);
    if (cached) {
      this.stats.cacheHits++;
      if ('invalid' in cached) return null;
      if (cached.identity.expiresAt <= now) {
        this.cache.delete(key);
        return null;
      }
      return cached.identity;
    }
    const identity = await this.askKeystone(token);
    const ttl = Math.max(0, this.opts.tokenCacheTime) * 1000;
    if (!identity) {
      this.cache.set(key, { invalid: true }, now + ttl);
      return null;
    }
    if (identity.expiresAt <= Date.now()) return null;
    this.cache.set(key, { identity }, Math.min(now + ttl, identity.expiresAt));
    return identity;
  }

  private async askKeystone(token: string, retried = false): Promise<TokenIdentity | null> {
    const service = await this.getServiceToken();
    this.stats.validations++;
    const res = await this.request(`${this.base}/v3/auth/tokens`, {
      method: 'GET',
      headers: { 'x-auth-token': service, 'x-subject-token': token, accept: 'application/json' },
    });
    if (res.status === 200) {
      const body = (await res.json()) as KeystoneTokenBody;
      return this.identityFrom(body);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 404) return null;
    if ((res.status === 401 || res.status === 403) && !retried) {
      // Our own token was revoked or expired early: get a new one and ask once more.
      this.serviceToken = undefined;
      return this.askKeystone(token, true);
    }
    if (res.status === 400) return null;
    throw new IdentityUnavailable(`Keystone answered ${res.status} to a token validation`);
  }

  private identityFrom(body: KeystoneTokenBody): TokenIdentity | null {
    const t = body.token;
    if (!t?.user?.id || !t.expires_at) return null;
    const expiresAt = Date.parse(t.expires_at);
    if (!Number.isFinite(expiresAt)) return null;
    return {
      userId: t.user.id,
      userName: t.user.name,
      userDomainId: t.user.domain?.id,
      userDomainName: t.user.domain?.name,
      projectId: t.project?.id,
      projectName: t.project?.name,
      projectDomainId: t.project?.domain?.id,
      projectDomainName: t.project?.domain?.name,
      domainId: t.domain?.id,
      domainName: t.domain?.name,
      systemScope: t.system?.all ? 'all' : undefined,
      roles: (t.roles ?? []).map((r) => r.name).filter((n): n is string => typeof n === 'string'),
      expiresAt,
    };
  }

  /** The service's own token, renewed after three quarters of its life (at the latest REFRESH_MARGIN_MS before it expires). */
  async getServiceToken(now = Date.now()): Promise<string> {
    const current = this.serviceToken;
    if (current && now < current.renewAt) return current.token;
    this.serviceTokenPending ??= this.issueServiceToken().finally(() => {
      this.serviceTokenPending = undefined;
    });
    return this.serviceTokenPending;
  }

  private async issueServiceToken(): Promise<string> {
    const o = this.opts;
    const user: Record<string, unknown> = { name: o.username, password: o.password };
    if (o.userDomainId) user.domain = { id: o.userDomainId };
    else user.domain = { name: o.userDomainName ?? 'Default' };
    let scope: Record<string, unknown> | undefined;
    if (o.systemScope) scope = { system: { [o.systemScope]: true } };
    else if (o.projectId) scope = { project: { id: o.projectId } };
    else if (o.projectName) scope = { project: { name: o.projectName, domain: o.projectDomainId ? { id: o.projectDomainId } : { name: o.projectDomainName ?? 'Default' } } };
    const body = { auth: { identity: { methods: ['password'], password: { user } }, ...(scope ? { scope } : {}) } };
    const issuedAt = Date.now();
    const res = await this.request(`${this.base}/v3/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) {
      await res.arrayBuffer().catch(() => undefined);
      this.logger.error({ msg: 'Keystone refused the service credentials', status: res.status, auth_url: this.base, username: o.username });
      throw new IdentityUnavailable(`Keystone refused the service credentials (${res.status})`);
    }
    const token = res.headers.get('x-subject-token');
    const parsed = (await res.json()) as KeystoneTokenBody;
    const expiresAt = Date.parse(parsed.token?.expires_at ?? '');
    if (!token || !Number.isFinite(expiresAt)) throw new IdentityUnavailable('Keystone issued a token without X-Subject-Token or expires_at');
    const life = expiresAt - issuedAt;
    const renewAt = Math.min(expiresAt - REFRESH_MARGIN_MS, issuedAt + life * 0.75);
    this.serviceToken = { token, renewAt };
    this.stats.serviceTokensIssued++;
    this.logger.info({ msg: 'service token issued', expires_at: new Date(expiresAt).toISOString() });
    return token;
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.opts.httpRequestMaxRetries; attempt++) {
      try {
        return await fetch(url, { ...init, signal: AbortSignal.timeout(this.opts.httpConnectTimeout * 1000) });
      } catch (err) {
        lastError = err;
        if (attempt < this.opts.httpRequestMaxRetries) await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    }
    this.logger.error({ msg: 'Keystone unreachable', url, error: String((lastError as Error)?.message ?? lastError) });
    throw new IdentityUnavailable('Keystone is unreachable');
  }
}
