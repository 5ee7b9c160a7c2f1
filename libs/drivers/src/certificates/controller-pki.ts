import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { IssuedCertificate, LocalCertificateAuthority } from '../../../certificates/src';

/**
 * The controller's certificates, kept as PEM files in one folder so every worker process on the host
 * (and a restarted one) uses the same authorities:
 *   server_ca.pem / server_ca.key  signs each amphora's server certificate (CN = SAN = amphora id)
 *   client_ca.pem / client_ca.key  signs the controller's client certificate; amphorae trust it
 *   client.pem                     the controller's client certificate followed by its key
 * Created on first use with exclusive creates, so two processes starting at once agree on one set.
 */
export class ControllerPki {
  private constructor(
    readonly serverCa: LocalCertificateAuthority,
    readonly clientCa: LocalCertificateAuthority,
    readonly client: { certificatePem: string; privateKeyPem: string },
    readonly validitySeconds: number,
  ) {}

  static async loadOrCreate(dir: string, validitySeconds = 30 * 24 * 3600): Promise<ControllerPki> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const serverCa = await loadOrCreateCa(dir, 'server_ca', 'octavia-ts amphora server CA', validitySeconds);
    const clientCa = await loadOrCreateCa(dir, 'client_ca', 'octavia-ts controller client CA', validitySeconds);
    const clientFile = path.join(dir, 'client.pem');
    let bundle = await fs.readFile(clientFile, 'utf8').catch(() => '');
    if (!bundle.includes('PRIVATE KEY')) {
      const issued = clientCa.issueClientCertificate('octavia-ts-controller', { validitySeconds: 10 * 365 * 24 * 3600 });
      await writeExclusive(clientFile, issued.bundlePem);
      bundle = await fs.readFile(clientFile, 'utf8');
    }
    const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(bundle)![0];
    const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----\n?/.exec(bundle)![0];
    return new ControllerPki(serverCa, clientCa, { certificatePem: cert, privateKeyPem: key }, validitySeconds);
  }

  /** A new server certificate for one amphora (creation and rotation). */
  issueAmphoraCertificate(amphoraId: string): IssuedCertificate {
    return this.serverCa.issueServerCertificate(amphoraId, { validitySeconds: this.validitySeconds });
  }
}

async function writeExclusive(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, content, { mode: 0o600 });
  try {
    // link() fails if the target exists: the first writer wins, the others read its file.
    await fs.link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
}

async function loadOrCreateCa(dir: string, name: string, commonName: string, validitySeconds: number): Promise<LocalCertificateAuthority> {
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}.key`);
  const bundleFile = path.join(dir, `${name}.bundle`);
  let bundle = await fs.readFile(bundleFile, 'utf8').catch(() => '');
  if (!bundle) {
    const ca = LocalCertificateAuthority.create({ commonName, defaultValiditySeconds: validitySeconds });
    await writeExclusive(bundleFile, ca.certificatePem + ca.privateKeyPem);
    bundle = await fs.readFile(bundleFile, 'utf8');
  }
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(bundle)![0];
  const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----\n?/.exec(bundle)![0];
  // Operators look for the plain files; they are derived from the bundle, which is the truth.
  await fs.writeFile(certFile, cert, { mode: 0o644 });
  await fs.writeFile(keyFile, key, { mode: 0o600 });
  return LocalCertificateAuthority.fromPem(cert, key, { defaultValiditySeconds: validitySeconds });
}
