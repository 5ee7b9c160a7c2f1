import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate, makeCa, makeCrl } from '../testing/test-certificates';
import { CertificateContentError, CertificateRetrievalError } from '../tls-bundle';
import { RoutingCertManager } from '../routing-cert-manager';
import { LocalCertManager } from './local-cert-manager';
import { StoreCipher } from './store-cipher';

const ca = makeCa();
const server = issueCertificate(ca, { commonName: 'folder.example.test' });
let dir: string;
let outside: string;
let manager: LocalCertManager;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certs-'));
  outside = mkdtempSync(join(tmpdir(), 'outside-'));
  writeFileSync(join(dir, 'shop.pem'), server.certPem + server.keyPem + ca.certPem);
  writeFileSync(join(dir, 'client-ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'client-crl.pem'), makeCrl(ca));
  writeFileSync(join(dir, 'broken.pem'), server.certPem);
  writeFileSync(join(outside, 'secret.pem'), server.certPem + server.keyPem);
  manager = new LocalCertManager({ folder: dir });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('LocalCertManager with a certificate folder', () => {
  it('serves local://<name> from <folder>/<name>.pem', async () => {
    const b = await manager.get('local://shop', {});
    expect(b.commonName).toBe('folder.example.test');
    expect(b.intermediates).toHaveLength(1);
    expect((await manager.getSecret('local://client-ca', {})).toString()).toBe(ca.certPem);
  });

  it('a file without key is a content error, a missing one a retrieval error', async () => {
    expect(await rejection(manager.get('local://broken', {}))).toBeInstanceOf(CertificateContentError);
    expect(await rejection(manager.get('local://nothing', {}))).toBeInstanceOf(CertificateRetrievalError);
  });

  it('never leaves the folder', async () => {
    for (const ref of ['local://../outside/secret', 'local://%2e%2e', 'local://.hidden', `local://${outside}/secret`, 'local://a/b', 'local://sh\nop']) {
      expect(await rejection(manager.get(ref, {}))).toBeInstanceOf(CertificateRetrievalError);
    }
  });

  it('follows a symlink the operator put in the folder (the folder is trusted, its names are not)', async () => {
    symlinkSync(join(outside, 'secret.pem'), join(dir, 'linked.pem'));
    expect((await manager.get('local://linked', {})).commonName).toBe('folder.example.test');
  });
});

describe('RoutingCertManager', () => {
  it('routes local:// to the local manager and refuses Barbican refs without an endpoint', async () => {
    const routing = new RoutingCertManager({ local: manager });
    expect((await routing.get('local://shop', {})).commonName).toBe('folder.example.test');
    const err = await rejection(routing.get('https://kms.example/v1/secrets/2b1c4b6e-7c1e-4b5a-9d2f-0a1b2c3d4e5f', {}));
    expect(err).toBeInstanceOf(CertificateRetrievalError);
    expect(err.message).toMatch(/barbican_endpoint/);
    expect(await rejection(routing.get('ref-1', {}))).toBeInstanceOf(CertificateRetrievalError);
  });
});

describe('StoreCipher', () => {
  it('round-trips, and refuses another row id, another key or a changed byte', () => {
    const cipher = new StoreCipher('passphrase-one');
    const sealed = cipher.seal('id-1', Buffer.from('secret key material'));
    expect(sealed.ciphertext.toString()).not.toContain('secret');
    expect(cipher.open('id-1', sealed).toString()).toBe('secret key material');
    expect(() => cipher.open('id-2', sealed)).toThrow();
    expect(() => new StoreCipher('passphrase-two').open('id-1', sealed)).toThrow();
    const tampered = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext) };
    tampered.ciphertext[0] ^= 1;
    expect(() => cipher.open('id-1', tampered)).toThrow();
  });

  it('decrypts with any configured passphrase and encrypts with the first (rotation)', () => {
    const old = new StoreCipher('old-pass').seal('id-1', Buffer.from('kept'));
    const rotated = new StoreCipher(['new-pass', 'old-pass']);
    expect(rotated.open('id-1', old).toString()).toBe('kept');
    const fresh = rotated.seal('id-2', Buffer.from('new'));
    expect(new StoreCipher('new-pass').open('id-2', fresh).toString()).toBe('new');
    expect(() => new StoreCipher('old-pass').open('id-2', fresh)).toThrow();
  });
});
