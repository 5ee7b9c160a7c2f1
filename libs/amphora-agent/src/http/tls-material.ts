import { promises as fs } from 'node:fs';
import { createSecureContext, SecureContextOptions } from 'node:tls';
import { TlsProtocolName } from '../config/agent-config';

export class TlsMaterialError extends Error {
  readonly status = 400;

  constructor(message: string) {
    super(message);
    this.name = 'TlsMaterialError';
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/**
 * Split the agent's one-file `server.pem` (certificate, optional intermediates, then the
 * private key) into the parts node:tls wants.
 */
export function splitServerPem(pem: string): { cert: string; key: string } {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  const certs = blocks.filter((b) => b.startsWith('-----BEGIN CERTIFICATE-----'));
  const key = blocks.find((b) => /^-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(b));
  if (certs.length === 0) throw new TlsMaterialError('no certificate in the server PEM');
  if (!key) throw new TlsMaterialError('no unencrypted private key in the server PEM');
  return { cert: certs.join('\n'), key };
}

function minVersion(protocol: TlsProtocolName): 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' {
  // SSLv3 is gone from OpenSSL 3; the closest we can honour is "anything from TLS 1.0".
  return protocol === 'SSLv3' ? 'TLSv1' : protocol;
}

/**
 * TLS options for the agent: its own certificate, client certificates required and verified
 * against the controller CA, at least the configured protocol (TLS 1.2 by default, which
 * the upstream controller pins).
 */
export function buildTlsOptions(serverPem: string, clientCaPem: string, protocol: TlsProtocolName): SecureContextOptions {
  const { cert, key } = splitServerPem(serverPem);
  const options: SecureContextOptions = { cert, key, ca: clientCaPem, minVersion: minVersion(protocol), maxVersion: 'TLSv1.3' };
  try {
    createSecureContext(options);
  } catch (err) {
    throw new TlsMaterialError(`unusable TLS material: ${(err as Error).message}`);
  }
  return options;
}

export async function loadTlsOptions(serverPemPath: string, clientCaPath: string, protocol: TlsProtocolName): Promise<SecureContextOptions> {
  const [serverPem, ca] = await Promise.all([fs.readFile(serverPemPath, 'utf8'), fs.readFile(clientCaPath, 'utf8')]);
  return buildTlsOptions(serverPem, ca, protocol);
}
