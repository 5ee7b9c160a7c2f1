import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { makeScratchDir } from './binary-checks';

/** Throw-away PEMs for configs that reference certificate files (haproxy -c loads them). */
export interface TlsKit {
  /** Certificate + key for www.example.com (default certificate). */
  serverPem: string;
  /** Certificate + key for api.example.com (SNI certificate). */
  sniPem: string;
  caCertificate: string;
  /** CRL signed by the CA (haproxy rejects a CRL without a matching CA). */
  crl: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function createTlsKit(): TlsKit {
  const scratch = makeScratchDir('tls-kit');
  const dir = scratch.dir;
  try {
    openssl(['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=octavia-ts test CA', '-days', '2'], dir);
    for (const name of ['www', 'api']) {
      openssl(['req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}.example.com`, '-days', '2'], dir);
    }
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'crlnumber'), '01\n');
    writeFileSync(
      join(dir, 'ca.cnf'),
      ['[ ca ]', 'default_ca = test_ca', '[ test_ca ]', `database = ${dir}/index.txt`, `crlnumber = ${dir}/crlnumber`, 'default_md = sha256', 'default_crl_days = 2', ''].join('\n'),
    );
    openssl(['ca', '-config', 'ca.cnf', '-gencrl', '-keyfile', 'ca.key', '-cert', 'ca.crt', '-out', 'crl.pem'], dir);
    const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
    return {
      serverPem: read('www.crt') + read('www.key'),
      sniPem: read('api.crt') + read('api.key'),
      caCertificate: read('ca.crt'),
      crl: read('crl.pem'),
    };
  } finally {
    scratch.remove();
  }
}
