import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCertManager } from './local/local-cert-manager';
import { issueCertificate, makeCa, makeCrl } from './testing/test-certificates';
import { collectTlsMaterial } from './tls-material';

const ca = makeCa();
const www = issueCertificate(ca, { commonName: 'www.example.test' });
const api = issueCertificate(ca, { commonName: 'api.example.test' });
const otherCa = makeCa('Other');
let dir: string;
let manager: LocalCertManager;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'material-'));
  writeFileSync(join(dir, 'www.pem'), www.certPem + www.keyPem);
  writeFileSync(join(dir, 'api.pem'), api.certPem + api.keyPem + ca.certPem);
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'crl.pem'), makeCrl(ca));
  writeFileSync(join(dir, 'foreign-crl.pem'), makeCrl(otherCa));
  manager = new LocalCertManager({ folder: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
/** OpenSSL's PEM (LF line ends), which is what the bundles carry. */
const pem = (s: string) => new X509Certificate(s).toString();

it('builds the files the agent stores: certificate bundles by sha1, crt-lists by listener id, CA and CRL', async () => {
  const lb = 'b6d5a7f0-1111-4222-8333-944445555666';
  const m = await collectTlsMaterial(manager, {
    loadBalancerId: lb,
    listeners: [
      { id: 'l1', defaultTlsContainerRef: 'local://www', sniContainerRefs: ['local://api', 'local://www'], clientCaTlsContainerRef: 'local://ca', clientCrlContainerRef: 'local://crl' },
      { id: 'l2', defaultTlsContainerRef: 'local://www', sniContainerRefs: [], clientCaTlsContainerRef: null, clientCrlContainerRef: null },
      { id: 'plain', defaultTlsContainerRef: null, sniContainerRefs: [], clientCaTlsContainerRef: null, clientCrlContainerRef: null },
    ],
    pools: [{ id: 'p1', tlsContainerRef: 'local://api', caTlsContainerRef: 'local://ca', crlContainerRef: null }],
  }, { certDir: '/var/lib/octavia/certs/' });
  expect(m.failures).toEqual([]);
  const l1 = m.listeners.l1;
  expect(l1.certificates.map((c) => c.name)).toEqual([`${sha1(pem(www.certPem))}.pem`, `${sha1(pem(api.certPem))}.pem`]);
  expect(l1.certificates[0].content).toBe(pem(www.certPem) + www.keyPem);
  expect(l1.crtList).toEqual({
    name: 'l1.pem',
    content: `/var/lib/octavia/certs/${lb}/${sha1(pem(www.certPem))}.pem\n/var/lib/octavia/certs/${lb}/${sha1(pem(api.certPem))}.pem\n`,
  });
  expect(l1.clientCa!.content).toBe(pem(ca.certPem));
  expect(l1.clientCrl!.content).toMatch(/^-----BEGIN X509 CRL-----/);
  expect(m.listeners.plain).toEqual({ certificates: [], crtList: null, clientCa: null, clientCrl: null });
  expect(m.pools.p1.clientCertificate!.content).toBe(pem(api.certPem) + api.keyPem + pem(ca.certPem));
  // the www bundle and the CA are used twice but uploaded once
  const names = m.files.map((f) => f.name);
  expect(new Set(names).size).toBe(names.length);
  expect(names).toEqual(expect.arrayContaining(['l1.pem', 'l2.pem', `${sha1(pem(www.certPem))}.pem`, `${sha1(pem(ca.certPem))}.pem`]));
});

it('reports a listener whose certificate cannot be fetched or used instead of failing the whole load balancer', async () => {
  const m = await collectTlsMaterial(manager, {
    loadBalancerId: 'lb',
    listeners: [
      { id: 'ok', defaultTlsContainerRef: 'local://www', sniContainerRefs: [], clientCaTlsContainerRef: null, clientCrlContainerRef: null },
      { id: 'gone', defaultTlsContainerRef: 'local://missing', sniContainerRefs: [], clientCaTlsContainerRef: null, clientCrlContainerRef: null },
      { id: 'badcrl', defaultTlsContainerRef: 'local://www', sniContainerRefs: [], clientCaTlsContainerRef: 'local://ca', clientCrlContainerRef: 'local://foreign-crl' },
    ],
    pools: [{ id: 'p', tlsContainerRef: 'local://ca', caTlsContainerRef: null, crlContainerRef: null }],
  }, { certDir: '/certs' });
  expect(Object.keys(m.listeners)).toEqual(['ok']);
  expect(m.failures).toEqual([
    { kind: 'listener', id: 'gone', ref: 'local://missing', error: expect.stringMatching(/no such certificate/) },
    { kind: 'listener', id: 'badcrl', ref: 'local://foreign-crl', error: 'Validation failure: The CRL specified is not valid for client certificate authority reference supplied.' },
    { kind: 'pool', id: 'p', ref: 'local://ca', error: expect.stringMatching(/private key/) },
  ]);
  expect(m.files.map((f) => f.name)).not.toContain('gone.pem');
});
