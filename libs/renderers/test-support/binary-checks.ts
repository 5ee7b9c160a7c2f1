import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { CERT_DIR } from './model-builders';
import type { TlsKit } from './tls-kit';

/**
 * Runs rendered configs through the real binaries. Canonical amphora paths in the text are
 * redirected to a scratch directory where the referenced files really exist, so the exact text
 * of a golden file (not a re-render) is what gets checked.
 */

export const HAPROXY_BIN = '/usr/sbin/haproxy';
export const KEEPALIVED_BIN = '/usr/sbin/keepalived';

export interface BinaryVerdict {
  ok: boolean;
  status: number | null;
  output: string;
}

export function makeScratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Words following `keyword` on any line, e.g. every `ca-file <path>`. */
function wordsAfter(config: string, keyword: string): string[] {
  const found = new Set<string>();
  const pattern = new RegExp(`(?:^|\\s)${keyword} (\\S+)`, 'gm');
  for (const match of config.matchAll(pattern)) found.add(match[1]);
  return [...found];
}

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/**
 * Creates every TLS file the config references under `scratch`, with real PEM content: crt-lists
 * listing two server certificates, client/CA certificates and a CRL signed by the CA.
 */
function materializeTlsFiles(config: string, kit: TlsKit): void {
  for (const path of wordsAfter(config, 'crt-list')) {
    const www = join(dirname(path), 'www.pem');
    const api = join(dirname(path), 'api.pem');
    writeFile(www, kit.serverPem);
    writeFile(api, kit.sniPem);
    writeFile(path, `${www}\n${api}\n`);
  }
  for (const path of wordsAfter(config, 'crt')) writeFile(path, kit.serverPem);
  for (const path of wordsAfter(config, 'ca-file')) writeFile(path, kit.caCertificate);
  for (const path of wordsAfter(config, 'crl-file')) writeFile(path, kit.crl);
}

export interface HaproxyCheckOptions {
  /** `-L`: the local peer name (needed when the config has a peers section). */
  localPeer?: string;
  /** Needed when the config references certificate files. */
  tls?: TlsKit;
}

/** `haproxy -c -f <file>`; exit status 0 means valid. Warnings are returned in `output`. */
export function haproxyCheck(config: string, options: HaproxyCheckOptions = {}): BinaryVerdict {
  const scratch = makeScratchDir('haproxy-check');
  try {
    // The agent creates the server-state file on reload; an empty one ("version 1") stands in.
    const stateFile = join(scratch.dir, 'servers-state');
    writeFileSync(stateFile, '1\n');
    const text = config
      .split(`${CERT_DIR}/`)
      .join(`${scratch.dir}/certs/`)
      .replace(/^(\s*server-state-file )\S+$/m, `$1${stateFile}`);
    if (options.tls) materializeTlsFiles(text, options.tls);
    const file = join(scratch.dir, 'haproxy.cfg');
    writeFileSync(file, text);
    const args = ['-c', '-f', file, ...(options.localPeer ? ['-L', options.localPeer] : [])];
    const result = spawnSync(HAPROXY_BIN, args, { encoding: 'utf8', timeout: 30_000 });
    return { ok: result.status === 0, status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    scratch.remove();
  }
}

/** A non-loopback interface of this host, standing in for the amphora's eth1. */
export function hostInterface(): string {
  const candidate = readdirSync('/sys/class/net').find((name) => name !== 'lo' && !name.startsWith('ifb'));
  if (!candidate) throw new Error('keepalived checks need a non-loopback network interface');
  return candidate;
}

/**
 * `keepalived -t -f <file>`. keepalived 2.2.7 exits 0 for a clean config, 4 for fatal/interface
 * errors, 5 for other config errors and 6 for script-security violations, but some problems
 * (unknown top-level keywords) are only printed while the exit status stays 0. So a config is
 * valid only if the exit status is 0 AND nothing was printed.
 * Caveat: without the ip_vs kernel module keepalived skips the checker (virtual_server) part
 * entirely, so LVS bodies are only syntax-checked at the top level on such hosts.
 */
export function keepalivedCheck(config: string): BinaryVerdict {
  const scratch = makeScratchDir('keepalived-check');
  try {
    const script = join(scratch.dir, 'check_script.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o755);
    const text = config
      .replace(/^(\s*interface )eth1$/gm, `$1${hostInterface()}`)
      .replace(/ dev eth1 /g, ` dev ${hostInterface()} `)
      .replace(/^(\s*script )\/var\/lib\/octavia\/vrrp\/check_script\.sh$/gm, `$1${script}`);
    const file = join(scratch.dir, 'keepalived.conf');
    writeFileSync(file, text);
    // -t may leave nothing behind, but keep its pid files away from the real ones.
    const result = spawnSync(
      KEEPALIVED_BIN,
      ['-t', '-f', file, '-p', join(scratch.dir, 'k.pid'), '-r', join(scratch.dir, 'v.pid'), '-c', join(scratch.dir, 'c.pid')],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const output = `${result.stdout}${result.stderr}`.trim();
    return { ok: result.status === 0 && output === '', status: result.status, output };
  } finally {
    scratch.remove();
  }
}

export function binariesPresent(): boolean {
  return existsSync(HAPROXY_BIN) && existsSync(KEEPALIVED_BIN);
}
