/**
 * TLS references on listeners and pools, fetched at the API through the certificate manager
 * (libs/cert-manager): the encrypted local store (`local://<uuid>`, admin route), a certificate folder
 * (`local://<name>`) and Barbican (BarbicanStandIn, read with the caller's token). Unfetchable references
 * and unusable content are 400s with upstream's messages; hostile values in every TLS field are 400s; the
 * worker-side export builds the PEM files from what the API stored.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { collectTlsMaterial, createCertificateServices } from '../../libs/cert-manager/src';
import { BarbicanStandIn } from '../../libs/cert-manager/src/testing/barbican-stand-in';
import { issueCertificate, makeCa, makeCrl, makePkcs12 } from '../../libs/cert-manager/src/testing/test-certificates';
import { TestApi, startTestApi } from '../support/api-harness';
import { LB, createLb, expectFault } from './lb-helpers';

jest.setTimeout(120000);

const ca = makeCa('Client CA');
const otherCa = makeCa('Other CA');
const www = issueCertificate(ca, { commonName: 'www.example.test' });
const api = issueCertificate(ca, { commonName: 'api.example.test', dnsNames: ['api.example.test'] });
const stranger = issueCertificate(ca, { commonName: 'stranger.example.test' });
const nameless = issueCertificate(ca, { commonName: null });
const LISTENERS = '/v2.0/lbaas/listeners';
const POOLS = '/v2.0/lbaas/pools';
const CERTS = '/v2/octavia-ts/certificates';
const TOKEN = { 'x-auth-token': 'token-a' };

let t: TestApi;
let amp: TestApi;
let rbac: TestApi;
let barbican: BarbicanStandIn;
let dir: string;

beforeAll(async () => {
  barbican = new BarbicanStandIn();
  await barbican.start();
  barbican.addToken('token-a', 'project-a');
  barbican.addToken('token-b', 'project-b');
  dir = mkdtempSync(join(tmpdir(), 'tls-refs-'));
  writeFileSync(join(dir, 'folder-www.pem'), www.certPem + www.keyPem + ca.certPem);
  const env = { OCTAVIA_TS_BARBICAN_URL: barbican.url, OCTAVIA_TS_LOCAL_CERT_DIR: dir };
  [t, amp, rbac] = await Promise.all([
    startTestApi(env),
    startTestApi({ ...env, OCTAVIA_TS_DEFAULT_PROVIDER: 'amphora' }),
    startTestApi({ ...env, OCTAVIA_TS_AUTH_STRATEGY: 'testing' }),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.close(), amp?.close(), rbac?.close()]);
  await barbican?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function sql(a: TestApi, text: string, params: unknown[] = []): Promise<any[]> {
  const c = new Client({ connectionString: a.dbUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

async function addLocal(a: TestApi, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string> {
  const r = await a.call('POST', CERTS, { certificate: body }, headers);
  if (r.status !== 201) throw new Error(`local certificate: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.certificate.ref;
}

async function tlsListener(a: TestApi, lbId: string, fields: Record<string, unknown>, headers: Record<string, string> = {}) {
  return a.call('POST', LISTENERS, { listener: { loadbalancer_id: lbId, protocol: 'TERMINATED_HTTPS', protocol_port: 443, ...fields } }, headers);
}

describe('the local certificate store (admin route)', () => {
  it('stores a PEM bundle encrypted and answers with a local:// reference, never the key', async () => {
    const r = await t.call('POST', CERTS, { certificate: { name: 'www', certificate: www.certPem, private_key: www.keyPem, intermediates: ca.certPem } });
    expect(r.status).toBe(201);
    const c = r.body.certificate;
    expect(c).toEqual({
      id: expect.any(String), ref: `local://${c.id}`, name: 'www', project_id: null, kind: 'bundle', subject: 'CN=www.example.test',
      not_after: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/), fingerprint_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
    });
    expect(JSON.stringify((await t.call('GET', `${CERTS}/${c.id}`)).body)).not.toMatch(/PRIVATE KEY/);
    expect((await t.call('GET', CERTS)).body.certificates.map((x: any) => x.id)).toContain(c.id);
    const [row] = await sql(t, `SELECT ciphertext, nonce, auth_tag FROM local_certificate WHERE id = $1`, [c.id]);
    expect(row.ciphertext.length).toBeGreaterThan(1000);
    expect(row.ciphertext.toString('latin1')).not.toMatch(/BEGIN|PRIVATE|CERTIFICATE/);
  });

  it('takes PKCS#12 (base64), a CA certificate alone and a CRL', async () => {
    const p12 = await t.call('POST', CERTS, { certificate: { pkcs12: makePkcs12(api, [ca]).toString('base64') } });
    expect(p12.body.certificate).toMatchObject({ kind: 'bundle', subject: 'CN=api.example.test' });
    expect((await t.call('POST', CERTS, { certificate: { certificate: ca.certPem } })).body.certificate.kind).toBe('ca');
    expect((await t.call('POST', CERTS, { certificate: { crl: makeCrl(ca) } })).body.certificate.kind).toBe('crl');
  });

  it('refuses unusable content with upstream\'s messages', async () => {
    expectFault(await t.call('POST', CERTS, { certificate: { certificate: www.certPem, private_key: stranger.keyPem } }), 400, 'Key and x509 certificate do not match');
    expectFault(await t.call('POST', CERTS, { certificate: { certificate: nameless.certPem, private_key: nameless.keyPem } }), 400,
      'No CN or DNSName(s) found in certificate. The certificate is invalid.');
    expectFault(await t.call('POST', CERTS, { certificate: { certificate: 'hello', private_key: www.keyPem } }), 400, 'Could not read X509 from PEM');
    expectFault(await t.call('POST', CERTS, { certificate: { pkcs12: makePkcs12(www, [], 'secret').toString('base64') } }), 400,
      /^The PKCS12 bundle is unreadable\. Please check the PKCS12 bundle validity\. In addition, make sure it does not require a pass phrase\. Error: /);
    expectFault(await t.call('POST', CERTS, { certificate: { name: 'nothing' } }), 400, /supply exactly one of/);
    expectFault(await t.call('POST', CERTS, { certificate: { crl: makeCrl(ca).replace(/[A-Za-z0-9]{20}/, 'A'.repeat(20)) } }), 400, /revocation list is invalid/);
    expectFault(await t.call('POST', CERTS, { certificate: { certificate: www.certPem, private_key: www.keyPem, owner: 'x' } }), 400, /Unknown attribute .*: owner/);
  });

  it('is admin only, and a certificate in use cannot be deleted', async () => {
    const forbidden = 'Policy does not allow this request to be performed.';
    expectFault(await rbac.call('POST', CERTS, { certificate: { certificate: ca.certPem } }, { 'x-roles': 'member,reader' }), 403, forbidden);
    expectFault(await rbac.call('GET', CERTS, undefined, { 'x-roles': 'member,reader' }), 403, forbidden);
    const ref = await addLocal(t, { certificate: www.certPem, private_key: www.keyPem });
    const lb = await createLb(t, 'project-a');
    expect((await tlsListener(t, lb.id, { default_tls_container_ref: ref })).status).toBe(201);
    const id = ref.slice('local://'.length);
    expectFault(await t.call('DELETE', `${CERTS}/${id}`), 409, `Certificate ${id} is in use and cannot be modified.`);
    const unused = (await addLocal(t, { certificate: ca.certPem })).slice('local://'.length);
    expect((await t.call('DELETE', `${CERTS}/${unused}`)).status).toBe(204);
    expectFault(await t.call('GET', `${CERTS}/${unused}`), 404, `Certificate ${unused} not found.`);
  });
});

describe('listeners', () => {
  it('TERMINATED_HTTPS with local, folder and Barbican references', async () => {
    const lb = await createLb(t, 'project-a');
    const local = await addLocal(t, { certificate: www.certPem, private_key: www.keyPem });
    const container = barbican.addContainer({
      name: 'api', projectId: 'project-a',
      secrets: [
        { name: 'certificate', ref: barbican.addSecret({ name: 'c', projectId: 'project-a', payload: Buffer.from(api.certPem) }) },
        { name: 'private_key', ref: barbican.addSecret({ name: 'k', projectId: 'project-a', payload: Buffer.from(api.keyPem) }) },
      ],
    });
    barbican.requests.length = 0;
    const r = await tlsListener(t, lb.id, { default_tls_container_ref: local, sni_container_refs: ['local://folder-www', container] }, TOKEN);
    expect(r.status).toBe(201);
    expect(r.body.listener).toMatchObject({ default_tls_container_ref: local, sni_container_refs: ['local://folder-www', container], protocol: 'TERMINATED_HTTPS' });
    // Barbican was read with the caller's token
    expect(barbican.requests.length).toBeGreaterThan(0);
    expect(barbican.requests.every((q) => q.token === 'token-a')).toBe(true);
  });

  it('references that cannot be fetched are one 400 naming them all', async () => {
    const lb = await createLb(t, 'project-a');
    const good = await addLocal(t, { certificate: www.certPem, private_key: www.keyPem });
    const missing = 'local://5d0f9a5e-8c1b-4c7d-9e2f-3a4b5c6d7e8f';
    const r = await tlsListener(t, lb.id, { default_tls_container_ref: missing, sni_container_refs: [good, 'local://no-such-file', 'ref-1'] });
    expectFault(r, 400, `Could not retrieve certificate: ['${missing}', 'local://no-such-file', 'ref-1']`);
    // Barbican without a token, with another project's token, and an unknown secret
    const secret = barbican.addSecret({ name: 'pem', projectId: 'project-a', payload: Buffer.from(www.certPem + www.keyPem) });
    expectFault(await tlsListener(t, lb.id, { default_tls_container_ref: secret }), 400, `Could not retrieve certificate: ['${secret}']`);
    expectFault(await tlsListener(t, lb.id, { default_tls_container_ref: secret }, { 'x-auth-token': 'token-b' }), 400, `Could not retrieve certificate: ['${secret}']`);
    expect((await tlsListener(t, lb.id, { default_tls_container_ref: secret }, TOKEN)).status).toBe(201);
    expect(await sql(t, `SELECT count(*)::int AS n FROM listener WHERE load_balancer_id = $1`, [lb.id])).toEqual([{ n: 1 }]);
  });

  it('unusable certificate content is a 400 with the content message, not a broken amphora', async () => {
    const lb = await createLb(t, 'project-a');
    const mismatched = barbican.addContainer({
      name: 'bad', projectId: 'project-a',
      secrets: [
        { name: 'certificate', ref: barbican.addSecret({ name: 'c', projectId: 'project-a', payload: Buffer.from(www.certPem) }) },
        { name: 'private_key', ref: barbican.addSecret({ name: 'k', projectId: 'project-a', payload: Buffer.from(stranger.keyPem) }) },
      ],
    });
    expectFault(await tlsListener(t, lb.id, { default_tls_container_ref: mismatched }, TOKEN), 400, 'Key and x509 certificate do not match');
    const locked = barbican.addSecret({ name: 'p12', projectId: 'project-a', payload: makePkcs12(www, [], 'pw') });
    expectFault(await tlsListener(t, lb.id, { default_tls_container_ref: locked }, TOKEN), 400, /^The PKCS12 bundle is unreadable/);
    const ca = await addLocal(t, { certificate: www.certPem });
    expectFault(await tlsListener(t, lb.id, { default_tls_container_ref: ca }), 400, 'Validation failure: the certificate reference holds no private key.');
  });

  it('client authentication: CA and CRL are fetched and checked against each other', async () => {
    const lb = await createLb(t, 'project-a');
    const cert = await addLocal(t, { certificate: www.certPem, private_key: www.keyPem });
    const caRef = await addLocal(t, { certificate: ca.certPem });
    const crlRef = await addLocal(t, { crl: makeCrl(ca, ['0abc']) });
    const foreignCrl = await addLocal(t, { crl: makeCrl(otherCa) });
    const ok = await tlsListener(t, lb.id, {
      default_tls_container_ref: cert, client_ca_tls_container_ref: caRef, client_crl_container_ref: crlRef, client_authentication: 'MANDATORY',
    });
    expect(ok.status).toBe(201);
    expect(ok.body.listener).toMatchObject({ client_ca_tls_container_ref: caRef, client_crl_container_ref: crlRef, client_authentication: 'MANDATORY' });
    const base = { default_tls_container_ref: cert, protocol_port: 8443 };
    expectFault(await tlsListener(t, lb.id, { ...base, client_ca_tls_container_ref: caRef, client_crl_container_ref: foreignCrl }), 400,
      'Validation failure: The CRL specified is not valid for client certificate authority reference supplied.');
    const missingCa = 'local://00c0ffee-0000-4000-8000-000000000000';
    expectFault(await tlsListener(t, lb.id, { ...base, client_ca_tls_container_ref: missingCa }), 400, `Could not retrieve certificate: ${missingCa}`);
    const notCa = barbican.addSecret({ name: 'junk', projectId: 'project-a', payload: Buffer.from('not a certificate') });
    expectFault(await tlsListener(t, lb.id, { ...base, client_ca_tls_container_ref: notCa }, TOKEN), 400,
      /^Validation failure: The client authentication CA certificate is invalid\. It must be a valid x509 PEM format certificate\. Error: /);
  });

  it('PUT fetches the references that were sent', async () => {
    const lb = await createLb(t, 'project-a');
    const first = await addLocal(t, { certificate: www.certPem, private_key: www.keyPem });
    const second = await addLocal(t, { certificate: api.certPem, private_key: api.keyPem });
    const l = (await tlsListener(t, lb.id, { default_tls_container_ref: first })).body.listener;
    expectFault(await t.call('PUT', `${LISTENERS}/${l.id}`, { listener: { default_tls_container_ref: 'local://gone' } }), 400, "Could not retrieve certificate: ['local://gone']");
    const put = await t.call('PUT', `${LISTENERS}/${l.id}`, { listener: { default_tls_container_ref: second, name: 'renamed' } });
    expect(put.status).toBe(200);
    expect(put.body.listener.default_tls_container_ref).toBe(second);
    // a change that sends no reference does not fetch any
    expect((await t.call('PUT', `${LISTENERS}/${l.id}`, { listener: { name: 'again' } })).status).toBe(200);
  });

  it('a busy load balancer answers 409 before the references are looked at (spec 6.4)', async () => {
    const lb = await createLb(amp, 'project-a');
    const r = await tlsListener(amp, lb.id, { default_tls_container_ref: 'local://missing' });
    expectFault(r, 409, `Load Balancer ${lb.id} is immutable and cannot be updated.`);
  });

  it('a certificate of another project cannot be used (testing strategy, members)', async () => {
    const admin = { 'x-project-id': 'project-admin', 'x-roles': 'admin,member,reader' };
    const member = { 'x-project-id': 'project-a', 'x-roles': 'member,reader' };
    const theirs = await addLocal(rbac, { certificate: www.certPem, private_key: www.keyPem, project_id: 'project-b' }, admin);
    const ours = await addLocal(rbac, { certificate: www.certPem, private_key: www.keyPem, project_id: 'project-a' }, admin);
    const lb = await createLb(rbac, 'project-a', {}, member);
    expectFault(await tlsListener(rbac, lb.id, { default_tls_container_ref: theirs }, member), 400, `Could not retrieve certificate: ['${theirs}']`);
    expect((await tlsListener(rbac, lb.id, { default_tls_container_ref: ours }, member)).status).toBe(201);
  });
});

describe('pools', () => {
  it('client certificate, CA and CRL toward members', async () => {
    const lb = await createLb(t, 'project-a');
    const cert = await addLocal(t, { certificate: api.certPem, private_key: api.keyPem });
    const caRef = await addLocal(t, { certificate: ca.certPem });
    const crlRef = await addLocal(t, { crl: makeCrl(ca) });
    const post = (fields: Record<string, unknown>) => t.call('POST', POOLS, { pool: { loadbalancer_id: lb.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', tls_enabled: true, ...fields } });
    const ok = await post({ tls_container_ref: cert, ca_tls_container_ref: caRef, crl_container_ref: crlRef });
    expect(ok.status).toBe(201);
    expect(ok.body.pool).toMatchObject({ tls_container_ref: cert, ca_tls_container_ref: caRef, crl_container_ref: crlRef, tls_enabled: true });
    expectFault(await post({ tls_container_ref: 'local://nope' }), 400, "Could not retrieve certificate: ['local://nope']");
    expectFault(await post({ ca_tls_container_ref: caRef, crl_container_ref: await addLocal(t, { crl: makeCrl(otherCa) }) }), 400,
      'Validation failure: The CRL specified is not valid for client certificate authority reference supplied.');
    expectFault(await post({ ca_tls_container_ref: 'local://nope' }), 400, 'Could not retrieve certificate: local://nope');
    const pool = ok.body.pool;
    expectFault(await t.call('PUT', `${POOLS}/${pool.id}`, { pool: { tls_container_ref: 'local://nope' } }), 400, "Could not retrieve certificate: ['local://nope']");
    expect((await t.call('PUT', `${POOLS}/${pool.id}`, { pool: { tls_container_ref: null } })).status).toBe(200);
  });
});

describe('fully populated create', () => {
  it('a listener or pool with a bad reference fails the whole create; nothing is written', async () => {
    const before = await sql(t, `SELECT count(*)::int AS n FROM load_balancer`);
    const good = await addLocal(t, { certificate: www.certPem, private_key: www.keyPem });
    const body = (ref: string, poolRef: string | null = null) => ({
      loadbalancer: {
        vip_subnet_id: '6c1d0f6e-3a52-4a0e-9d5e-6f3bb1a2c401',
        listeners: [{ protocol: 'TERMINATED_HTTPS', protocol_port: 443, default_tls_container_ref: ref, default_pool: { name: 'p' } }],
        pools: [{ name: 'p', protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', tls_enabled: !!poolRef, tls_container_ref: poolRef }],
      },
    });
    expectFault(await t.call('POST', LB, body('local://missing')), 400, "Could not retrieve certificate: ['local://missing']");
    expectFault(await t.call('POST', LB, body(good, 'local://missing-too')), 400, "Could not retrieve certificate: ['local://missing-too']");
    expect(await sql(t, `SELECT count(*)::int AS n FROM load_balancer`)).toEqual(before);
    expect((await t.call('POST', LB, body(good, good))).status).toBe(201);
  });
});

describe('hostile values in TLS fields are 400s', () => {
  let lbId: string;
  let cert: string;
  beforeAll(async () => {
    lbId = (await createLb(t, 'project-a')).id;
    cert = await addLocal(t, { certificate: www.certPem, private_key: www.keyPem });
  });

  const HOSTILE_CIPHERS = ['ECDHE\nbind :81', 'ECDHE\tAES', 'ECDHE"AES', "ECDHE'AES", 'ECDHE#AES', 'ECDHE AES', 'ECDHE\u0000AES', 'ECDHE\rAES', 'A'.repeat(2049), 'ECDHE;AES', 'ECDHE\\AES'];

  it.each(HOSTILE_CIPHERS.map((c) => [JSON.stringify(c).slice(0, 40), c]))('listener tls_ciphers %s', async (_label, ciphers) => {
    const r = await tlsListener(t, lbId, { default_tls_container_ref: cert, tls_ciphers: ciphers, protocol_port: 1443 });
    expect(r.status).toBe(400);
    expectFault(r, 400);
  });

  it.each(HOSTILE_CIPHERS.map((c) => [JSON.stringify(c).slice(0, 40), c]))('pool tls_ciphers %s', async (_label, ciphers) => {
    const r = await t.call('POST', POOLS, { pool: { loadbalancer_id: lbId, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', tls_enabled: true, tls_ciphers: ciphers } });
    expectFault(r, 400);
  });

  it('the cipher message is upstream master\'s', async () => {
    expectFault(await tlsListener(t, lbId, { default_tls_container_ref: cert, tls_ciphers: 'ECDHE#AES' }), 400,
      'Validation failure: Invalid characters in cipher string. Only alphanumeric, -, +, !, :, @, =, _, and . are allowed.');
  });

  it.each([
    ['default ref with a newline', { default_tls_container_ref: 'local://a\nb' }],
    ['default ref with a tab', { default_tls_container_ref: 'local://a\tb' }],
    ['default ref with NUL', { default_tls_container_ref: 'local://a\u0000b' }],
    ['default ref with a quote', { default_tls_container_ref: 'local://a"b' }],
    ['default ref with #', { default_tls_container_ref: 'local://a#b' }],
    ['default ref over 255', { default_tls_container_ref: `local://${'a'.repeat(250)}` }],
    ['default ref not a string', { default_tls_container_ref: 42 }],
    ['SNI item with a newline', { default_tls_container_ref: 'CERT', sni_container_refs: ['local://x\ny'] }],
    ['SNI item over 255', { default_tls_container_ref: 'CERT', sni_container_refs: ['x'.repeat(256)] }],
    ['SNI not a list', { default_tls_container_ref: 'CERT', sni_container_refs: 'local://x' }],
    ['client CA with a quote', { default_tls_container_ref: 'CERT', client_ca_tls_container_ref: "local://x'y" }],
    ['client CRL with a newline', { default_tls_container_ref: 'CERT', client_ca_tls_container_ref: 'local://x', client_crl_container_ref: 'local://y\n' }],
    ['tls_versions with a newline', { default_tls_container_ref: 'CERT', tls_versions: ['TLSv1.2\n'] }],
    ['tls_versions unknown', { default_tls_container_ref: 'CERT', tls_versions: ['TLSv1.2 no-sslv3'] }],
    ['tls_versions empty', { default_tls_container_ref: 'CERT', tls_versions: [] }],
    ['alpn with a semicolon', { default_tls_container_ref: 'CERT', alpn_protocols: ['h2;x'] }],
    ['alpn with a quote', { default_tls_container_ref: 'CERT', alpn_protocols: ['h2"'] }],
    // ("10\n" is the integer 10 after WSME's coercion, as upstream: a number cannot carry text into a config)
    ['hsts_max_age with text', { default_tls_container_ref: 'CERT', hsts_max_age: '10; includeSubDomains' }],
    ['hsts_max_age negative', { default_tls_container_ref: 'CERT', hsts_max_age: -1 }],
    ['hsts_preload not a boolean', { default_tls_container_ref: 'CERT', hsts_max_age: 10, hsts_preload: 'yes please' }],
    ['client_authentication not an option', { default_tls_container_ref: 'CERT', client_authentication: 'MANDATORY\n' }],
  ])('listener: %s', async (_label, fields) => {
    const body = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === 'CERT' ? cert : v]));
    const r = await tlsListener(t, lbId, { ...body, protocol_port: 2443 });
    expectFault(r, 400);
  });

  it.each([
    ['tls_container_ref with a newline', { tls_container_ref: 'local://a\nb' }],
    ['ca ref with a quote', { ca_tls_container_ref: 'local://a"b' }],
    ['crl ref with #', { ca_tls_container_ref: 'local://ca', crl_container_ref: 'local://c#d' }],
    ['tls_versions with a tab', { tls_versions: ['TLSv1.3\t'] }],
    ['alpn unknown', { alpn_protocols: ['spdy/3'] }],
  ])('pool: %s', async (_label, fields) => {
    const r = await t.call('POST', POOLS, { pool: { loadbalancer_id: lbId, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN', tls_enabled: true, ...fields } });
    expectFault(r, 400);
  });

  it('nothing hostile was stored', async () => {
    const rows = await sql(t, `SELECT tls_ciphers, default_tls_container_ref, array_to_string(sni_container_refs, ',') AS sni FROM listener WHERE load_balancer_id = $1`, [lbId]);
    expect(rows).toEqual([]);
  });
});

describe('the worker export', () => {
  it('builds the PEM files for a load balancer from what the API stored', async () => {
    const lb = await createLb(t, 'project-a');
    const cert = await addLocal(t, { certificate: www.certPem, private_key: www.keyPem, intermediates: ca.certPem });
    const caRef = await addLocal(t, { certificate: ca.certPem });
    const l = (await tlsListener(t, lb.id, { default_tls_container_ref: cert, sni_container_refs: ['local://folder-www'], client_ca_tls_container_ref: caRef })).body.listener;
    const c = new Client({ connectionString: t.dbUrl });
    await c.connect();
    try {
      const db = { query: async (q: string, p?: unknown[]) => (await c.query(q, p as unknown[])).rows };
      const { manager } = createCertificateServices(t.config.certificates, db);
      const [row] = await db.query(`SELECT id, default_tls_container_ref, sni_container_refs, client_ca_tls_container_ref, client_crl_container_ref FROM listener WHERE id = $1`, [l.id]);
      const material = await collectTlsMaterial(manager!, {
        loadBalancerId: lb.id,
        listeners: [{ id: row.id, defaultTlsContainerRef: row.default_tls_container_ref, sniContainerRefs: row.sni_container_refs, clientCaTlsContainerRef: row.client_ca_tls_container_ref, clientCrlContainerRef: null }],
        pools: [],
      }, { certDir: '/var/lib/octavia/certs' });
      expect(material.failures).toEqual([]);
      const lm = material.listeners[l.id];
      // the stored bundle and the folder bundle hold the same certificate: one file, listed once
      expect(lm.certificates).toHaveLength(1);
      expect(lm.certificates[0].content).toMatch(/^-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN RSA PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----/);
      expect(lm.crtList!.content).toBe(`/var/lib/octavia/certs/${lb.id}/${lm.certificates[0].name}\n`);
      expect(lm.clientCa!.content).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(material.files.map((f) => f.name).sort()).toEqual([`${l.id}.pem`, lm.certificates[0].name, lm.clientCa!.name].sort());
    } finally {
      await c.end();
    }
  });
});

describe('the operator command', () => {
  function octaviaTs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['-r', './scripts/swc-register.js', 'apps/cli/src/main.ts', ...args], {
        cwd: join(__dirname, '..', '..'),
        env: { ...process.env, OCTAVIA_TS_DATABASE_URL: t.dbUrl, OCTAVIA_TS_CONFIG_FILE: '' },
        timeout: 60_000,
      }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
  }

  it('octavia-ts cert add stores a certificate whose local:// reference the API accepts; list and delete', async () => {
    writeFileSync(join(dir, 'cli-cert.pem'), api.certPem);
    writeFileSync(join(dir, 'cli-key.pem'), api.keyPem);
    const added = await octaviaTs(['cert', 'add', '--name', 'from-cli', '--cert', join(dir, 'cli-cert.pem'), '--key', join(dir, 'cli-key.pem')]);
    expect(added.code).toBe(0);
    const record = JSON.parse(added.stdout.trim().split('\n').pop()!);
    expect(record).toMatchObject({ ref: `local://${record.id}`, name: 'from-cli', kind: 'bundle', subject: 'CN=api.example.test' });
    const lb = await createLb(t, 'project-a');
    expect((await tlsListener(t, lb.id, { default_tls_container_ref: record.ref })).status).toBe(201);
    const listed = await octaviaTs(['cert', 'list']);
    expect(listed.stdout).toContain(record.id);
    expect(listed.stdout).not.toMatch(/PRIVATE KEY/);
    // a key that does not match is refused with the API's message and a non-zero exit
    writeFileSync(join(dir, 'cli-other-key.pem'), stranger.keyPem);
    const bad = await octaviaTs(['cert', 'add', '--cert', join(dir, 'cli-cert.pem'), '--key', join(dir, 'cli-other-key.pem')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Key and x509 certificate do not match');
    const unused = JSON.parse((await octaviaTs(['cert', 'add', '--cert', join(dir, 'cli-cert.pem')])).stdout.trim().split('\n').pop()!);
    expect(unused.kind).toBe('ca');
    expect((await octaviaTs(['cert', 'delete', unused.id])).code).toBe(0);
    expectFault(await t.call('GET', `${CERTS}/${unused.id}`), 404);
  });
});
