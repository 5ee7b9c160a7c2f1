import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { BarbicanStandIn } from '../testing/barbican-stand-in';
import { issueCertificate, makeCa, makePkcs12 } from '../testing/test-certificates';
import { CertificateContentError, CertificateRetrievalError } from '../tls-bundle';
import { BarbicanCertManager } from './barbican-cert-manager';
import { BarbicanClient, parseBarbicanRef } from './barbican-client';

const PROJECT = 'p-one';
const ca = makeCa();
const server = issueCertificate(ca, { commonName: 'shop.example.test' });
const other = issueCertificate(ca, { commonName: 'other.example.test' });

let barbican: BarbicanStandIn;
let manager: BarbicanCertManager;
const ctx = { authToken: 'token-one', projectId: PROJECT };

beforeAll(async () => {
  barbican = new BarbicanStandIn();
  await barbican.start();
  barbican.addToken('token-one', PROJECT);
  barbican.addToken('token-two', 'p-two');
  manager = new BarbicanCertManager({ client: new BarbicanClient({ endpoint: `${barbican.url}/v1` }) });
});
afterAll(() => barbican.stop());

function container(secrets: Record<string, string | Buffer>, projectId = PROJECT): string {
  return barbican.addContainer({
    name: 'tls', projectId,
    secrets: Object.entries(secrets).map(([name, payload]) => ({ name, ref: barbican.addSecret({ name, projectId, payload: Buffer.from(payload) }) })),
  });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('parseBarbicanRef', () => {
  it('accepts secret and container URLs, with or without a path prefix, and nothing else', () => {
    const id = randomUUID();
    expect(parseBarbicanRef(`https://kms.example:9311/v1/containers/${id}`)).toEqual({ kind: 'containers', id });
    expect(parseBarbicanRef(`https://cloud.example/key-manager/v1/secrets/${id}`)).toEqual({ kind: 'secrets', id });
    for (const bad of [`ftp://x/v1/secrets/${id}`, `https://x/v1/orders/${id}`, `https://x/v1/secrets/${id}/payload`, `https://x/v1/secrets/not-a-uuid`,
      `https://x/v1/secrets/${id}\n`, `https://x"/v1/secrets/${id}`, `https://x/v1/secrets/${id}#frag`, 'local://abc']) {
      expect(parseBarbicanRef(bad)).toBeNull();
    }
  });
});

describe('BarbicanCertManager against BarbicanStandIn', () => {
  it('reads a certificate container with the caller\'s token', async () => {
    const ref = container({ certificate: server.certPem, private_key: server.keyPem, intermediates: ca.certPem });
    barbican.requests.length = 0;
    const b = await manager.get(ref, ctx);
    expect(b.commonName).toBe('shop.example.test');
    expect(b.intermediates).toHaveLength(1);
    expect(barbican.requests.every((r) => r.token === 'token-one')).toBe(true);
    expect(barbican.requests.map((r) => r.path)).toEqual([
      expect.stringMatching(/^\/v1\/containers\//), expect.stringMatching(/\/payload$/), expect.stringMatching(/\/payload$/), expect.stringMatching(/\/payload$/),
    ]);
  });

  it('reads a PKCS#12 secret and a PEM-bundle secret', async () => {
    const p12 = barbican.addSecret({ name: 'p12', projectId: PROJECT, payload: makePkcs12(server, [ca]) });
    expect((await manager.get(p12, ctx)).intermediates).toHaveLength(1);
    const pem = barbican.addSecret({ name: 'pem', projectId: PROJECT, payload: Buffer.from(server.certPem + server.keyPem) });
    expect((await manager.get(pem, ctx)).commonName).toBe('shop.example.test');
  });

  it('decrypts the key with the container\'s passphrase secret', async () => {
    const { createPrivateKey } = await import('node:crypto');
    const encrypted = createPrivateKey(server.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString();
    const ref = container({ certificate: server.certPem, private_key: encrypted, private_key_passphrase: 'pw' });
    expect((await manager.get(ref, ctx)).privateKey).not.toContain('ENCRYPTED');
  });

  it('refuses unusable content with the content error', async () => {
    const ref = container({ certificate: server.certPem, private_key: other.keyPem });
    const err = await rejection(manager.get(ref, ctx));
    expect(err).toBeInstanceOf(CertificateContentError);
    expect(err.message).toBe('Key and x509 certificate do not match');
    expect((err as CertificateContentError).ref).toBe(ref);
  });

  it('cannot retrieve without a token, with another project\'s token, or an unknown id', async () => {
    const ref = container({ certificate: server.certPem, private_key: server.keyPem });
    expect(await rejection(manager.get(ref, {}))).toBeInstanceOf(CertificateRetrievalError);
    const forbidden = await rejection(manager.get(ref, { authToken: 'token-two' }));
    expect(forbidden).toBeInstanceOf(CertificateRetrievalError);
    expect(forbidden.message).toMatch(/403/);
    const missing = await rejection(manager.get(`${barbican.url}/v1/containers/${randomUUID()}`, ctx));
    expect(missing.message).toMatch(/another castle/);
  });

  it('the worker reads with its service token when the context has none', async () => {
    const ref = container({ certificate: server.certPem, private_key: server.keyPem });
    const service = new BarbicanCertManager({ client: new BarbicanClient({ endpoint: barbican.url }), serviceToken: async () => 'token-one' });
    expect((await service.get(ref, {})).commonName).toBe('shop.example.test');
  });

  it('getSecret returns a CA secret; a container is not a secret', async () => {
    const secret = barbican.addSecret({ name: 'ca', projectId: PROJECT, payload: Buffer.from(ca.certPem) });
    expect((await manager.getSecret(secret, ctx)).toString()).toBe(ca.certPem);
    const ref = container({ certificate: server.certPem });
    expect(await rejection(manager.getSecret(ref, ctx))).toBeInstanceOf(CertificateRetrievalError);
  });

  it('never sends the token to the host named in the reference', async () => {
    let contacted = 0;
    const decoy: Server = createServer((_req, res) => {
      contacted++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    try {
      const real = barbican.addSecret({ name: 'pem', projectId: PROJECT, payload: Buffer.from(server.certPem + server.keyPem) });
      const id = real.split('/').pop();
      const pointed = `http://127.0.0.1:${(decoy.address() as AddressInfo).port}/v1/secrets/${id}`;
      expect((await manager.get(pointed, ctx)).commonName).toBe('shop.example.test');
      expect(contacted).toBe(0);
    } finally {
      await new Promise<void>((resolve) => decoy.close(() => resolve()));
    }
  });

  it('an unreachable Barbican is a retrieval error', async () => {
    const down = new BarbicanCertManager({ client: new BarbicanClient({ endpoint: 'http://127.0.0.1:9', timeoutMs: 2000 }) });
    const err = await rejection(down.get(`http://127.0.0.1:9/v1/secrets/${randomUUID()}`, ctx));
    expect(err).toBeInstanceOf(CertificateRetrievalError);
    expect(err.message).toMatch(/unreachable/);
  });
});
