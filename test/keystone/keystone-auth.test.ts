/**
 * auth_strategy = keystone against a REAL Keystone (Debian's keystone under uWSGI, test/support/keystone.ts):
 * 401 for missing, malformed, unknown, expired and revoked tokens (with keystonemiddleware's
 * WWW-Authenticate and Octavia's fault keys), the token's identity replacing any identity headers, the
 * validation cache (bounded TTL) and the service token being renewed before it expires, and 503 when
 * Keystone cannot be reached.
 */
import { randomUUID } from 'node:crypto';
import { KeystoneServer, KeystoneUser } from '../support/keystone';
import { KeystoneApi, LBS, createServiceUser, startKeystoneApi } from './keystone-helpers';

jest.setTimeout(300_000);

const SHORT_TOKEN_SECONDS = 8;

describe('Keystone authentication', () => {
  const keystone = new KeystoneServer({ shortLivedTokenSeconds: SHORT_TOKEN_SECONDS });
  let service: KeystoneUser;
  let alice: KeystoneUser;
  let projectA: string;
  let api: KeystoneApi;

  beforeAll(async () => {
    await keystone.start();
    service = await createServiceUser(keystone);
    projectA = await keystone.createProject(`proj-a-${randomUUID().slice(0, 8)}`);
    alice = await keystone.createUser('alice');
    await keystone.grantProjectRole(alice.id, projectA, 'member');
    api = await startKeystoneApi(keystone, service);
  });

  afterAll(async () => {
    await api?.close();
    await keystone.stop();
  });

  const projectName = async () => (await keystone.api('GET', `/projects/${projectA}`)).project.name as string;

  function expect401(r: { status: number; body: any; headers: Headers }, uri: string): void {
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe(`Keystone uri="${uri}"`);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toEqual({
      faultcode: 'Client',
      faultstring: 'The request you have made requires authentication.',
      debuginfo: null,
      error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
    });
  }

  it('refuses a request without a token, with a malformed token and with an unknown token', async () => {
    const uri = `${keystone.url}/v3`;
    expect401(await api.as(undefined, 'GET', LBS), uri);
    expect401(await api.as(undefined, 'POST', LBS, { loadbalancer: { vip_subnet_id: randomUUID() } }), uri);
    expect401(await api.as('two words', 'GET', LBS), uri);
    expect401(await api.as('x'.repeat(9000), 'GET', LBS), uri);
    expect401(await api.as('gAAAAABnot-a-real-fernet-token', 'GET', LBS), uri);
    // Identity headers alone get nothing.
    expect401(await api.as(undefined, 'GET', LBS, undefined, { 'x-project-id': projectA, 'x-roles': 'admin' }), uri);
  });

  it('serves the version document and the health check without a token', async () => {
    expect((await api.as(undefined, 'GET', '/')).status).toBe(200);
    expect((await api.as(undefined, 'GET', '/healthcheck')).status).toBe(200);
  });

  it('takes project and roles from the token, never from headers a client sends', async () => {
    const tok = await keystone.issueToken(alice, { project: await projectName() });
    const created = await api.as(tok.token, 'POST', LBS, { loadbalancer: { name: 'mine', vip_subnet_id: randomUUID() } }, { 'x-project-id': 'forged-project', 'x-roles': 'admin' });
    expect(created.status).toBe(201);
    expect(created.body.loadbalancer.project_id).toBe(projectA);
    // A forged admin role does not open the global list.
    const all = await api.as(tok.token, 'GET', `${LBS}?project_id=forged-project`, undefined, { 'x-roles': 'admin' });
    expect(all.status).toBe(403);
    const own = await api.as(tok.token, 'GET', LBS);
    expect(own.status).toBe(200);
    expect(own.body.loadbalancers.map((l: any) => l.id)).toEqual([created.body.loadbalancer.id]);
  });

  it('refuses an expired token, whether it was validated before (cache) or is first seen after expiry', async () => {
    const name = await projectName();
    const seen = await keystone.issueToken(alice, { project: name }, true);
    const unseen = await keystone.issueToken(alice, { project: name }, true);
    const lifetime = Date.parse(seen.expiresAt) - Date.now();
    expect(lifetime).toBeLessThanOrEqual(SHORT_TOKEN_SECONDS * 1000 + 1000);
    // Issued by the short-lived Keystone, validated by the main one (same database and fernet keys).
    expect((await api.as(seen.token, 'GET', LBS)).status).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(seen.expiresAt) - Date.now()) + 1500));
    expect401(await api.as(seen.token, 'GET', LBS), `${keystone.url}/v3`);
    expect401(await api.as(unseen.token, 'GET', LBS), `${keystone.url}/v3`);
  });

  it('caches validations for token_cache_time only: a revoked token works until its entry expires', async () => {
    const cached = await startKeystoneApi(keystone, service, { tokenCacheTime: 3, wwwAuthenticateUri: 'https://identity.example.test/v3' });
    try {
      const tok = await keystone.issueToken(alice, { project: await projectName() });
      expect((await cached.as(tok.token, 'GET', LBS)).status).toBe(200);
      await keystone.revokeToken(tok.token);
      // Still served from the cache (Keystone would say 404 now) ...
      expect((await cached.as(tok.token, 'GET', LBS)).status).toBe(200);
      // ... and asked again once the cache entry has expired.
      await new Promise((r) => setTimeout(r, 3500));
      expect401(await cached.as(tok.token, 'GET', LBS), 'https://identity.example.test/v3');
      // The main API never saw this token: Keystone refuses it at once.
      expect401(await api.as(tok.token, 'GET', LBS), `${keystone.url}/v3`);
    } finally {
      await cached.close();
    }
  });

  it('renews its own service token before it expires', async () => {
    // This API authenticates against the Keystone whose tokens live SHORT_TOKEN_SECONDS seconds, so its
    // service token must be renewed several times during the test; every validation must still work.
    const shortApi = await startKeystoneApi(keystone, service, { authUrl: keystone.shortLivedUrl, tokenCacheTime: 0 });
    try {
      const name = await projectName();
      const deadline = Date.now() + SHORT_TOKEN_SECONDS * 2.5 * 1000;
      let calls = 0;
      while (Date.now() < deadline) {
        const tok = await keystone.issueToken(alice, { project: name });
        const r = await shortApi.as(tok.token, 'GET', LBS);
        expect(r.status).toBe(200);
        calls++;
        await new Promise((res) => setTimeout(res, 1000));
      }
      expect(calls).toBeGreaterThanOrEqual(5);
      // From Keystone's side: the API asked for a new service token more than once (only the API
      // authenticates against this Keystone here), and never presented an expired one (no 401 answers
      // to its validations), i.e. it renewed ahead of expiry rather than after a refusal.
      const log = keystone.requestLog('short');
      const issued = log.split('\n').filter((l) => /POST \/v3\/auth\/tokens\?nocatalog => .*HTTP\/1\.1 201/.test(l)).length;
      const refused = log.split('\n').filter((l) => /GET \/v3\/auth\/tokens => .*HTTP\/1\.1 401/.test(l)).length;
      const validated = log.split('\n').filter((l) => /GET \/v3\/auth\/tokens => .*HTTP\/1\.1 200/.test(l)).length;
      expect(issued).toBeGreaterThanOrEqual(2);
      expect(refused).toBe(0);
      expect(validated).toBeGreaterThanOrEqual(calls);
    } finally {
      await shortApi.close();
    }
  });

  it('answers 503 in the fault shape when Keystone cannot be reached', async () => {
    const down = await startKeystoneApi(keystone, service, { authUrl: 'http://127.0.0.1:9' });
    try {
      const r = await down.as('gAAAAABsome-token', 'GET', LBS);
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ faultcode: 'Server', faultstring: 'The Keystone service is temporarily unavailable.', debuginfo: null });
    } finally {
      await down.close();
    }
  });
});
