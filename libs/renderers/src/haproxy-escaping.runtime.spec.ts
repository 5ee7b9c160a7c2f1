import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

import { HAPROXY_BIN, makeScratchDir } from '../test-support/binary-checks';
import { l7policy, l7rule, listener, loadBalancer, pool, uid } from '../test-support/model-builders';
import { renderHaproxyConfig } from './haproxy-config.renderer';
import type { L7CompareType, L7RuleType } from './render-model';

/**
 * Escaping must preserve meaning, not just parse: a real haproxy runs the rendered config and
 * tenant match values with spaces, quotes, '#', backslashes, tabs, '$' and a leading '-' must
 * match exactly the requests they describe. REJECT policies answer 403; everything else goes to
 * a backend without servers (503).
 */

interface Probe {
  rule: [L7RuleType, L7CompareType, string, string | null];
  matching: Record<string, string>;
  notMatching: Record<string, string>;
}

const PROBES: Probe[] = [
  { rule: ['HEADER', 'EQUAL_TO', '"foo bar"', 'X-A'], matching: { 'x-a': 'foo bar' }, notMatching: { 'x-a': '"foo bar"' } },
  { rule: ['HEADER', 'EQUAL_TO', `a#b\\c'd"e`, 'X-B'], matching: { 'x-b': `a#b\\c'd"e` }, notMatching: { 'x-b': 'a' } },
  { rule: ['HEADER', 'REGEX', '^a\\.b c$', 'X-C'], matching: { 'x-c': 'a.b c' }, notMatching: { 'x-c': 'axb c' } },
  { rule: ['HEADER', 'EQUAL_TO', '-i', 'X-D'], matching: { 'x-d': '-i' }, notMatching: { 'x-d': 'x' } },
  { rule: ['HEADER', 'EQUAL_TO', '"tab\there"', 'X-E'], matching: { 'x-e': 'tab\there' }, notMatching: { 'x-e': 'tab here' } },
  { rule: ['COOKIE', 'EQUAL_TO', 'a#b', 'sess#id'], matching: { cookie: 'sess#id=a#b' }, notMatching: { cookie: 'sess#id=a' } },
  { rule: ['HEADER', 'EQUAL_TO', '${HOME}', 'X-F'], matching: { 'x-f': '${HOME}' }, notMatching: { 'x-f': process.env.HOME ?? '/root' } },
  { rule: ['HEADER', 'EQUAL_TO', '\\x41\\n', 'X-G'], matching: { 'x-g': '\\x41\\n' }, notMatching: { 'x-g': 'A' } },
];

const REDIRECT_TARGET = "https://example.com/p?a=1&b='2'#frag";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.once('error', reject);
    req.end();
  });
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${output()}`);
    const status = await get(port, '/', {}).then((res) => res.status, () => 0);
    if (status !== 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`haproxy did not listen: ${output()}`);
}

describe('escaped L7 values keep their meaning in a running haproxy', () => {
  const scratch = makeScratchDir('haproxy-runtime');
  let haproxy: ChildProcess;
  let port: number;
  let output = '';

  beforeAll(async () => {
    port = await freePort();
    // No members: haproxy answers 503 at once for everything the policies let through.
    const unreachable = pool(1, { members: [] });
    const policies = PROBES.map((probe, index) => {
      const [type, compare, value, key] = probe.rule;
      return l7policy(index + 1, 'REJECT', [l7rule(index + 1, type, compare, value, { key })]);
    });
    policies.push(
      l7policy(90, 'REDIRECT_TO_URL', [l7rule(90, 'PATH', 'EQUAL_TO', '/redirect')], {
        redirect_url: REDIRECT_TARGET,
        redirect_http_code: 307,
      }),
    );
    const lb = loadBalancer({
      vip_address: '127.0.0.1',
      listeners: [listener(1, { protocol_port: port, default_pool: unreachable, l7policies: policies })],
    });
    const config = renderHaproxyConfig(lb, {
      amphoraId: uid('amphora', 1),
      topology: 'SINGLE',
      statsSocketPath: join(scratch.dir, 'stats.sock'),
      serverStateFile: null,
      user: userInfo().username,
    });
    const file = join(scratch.dir, 'haproxy.cfg');
    writeFileSync(file, config);
    haproxy = spawn(HAPROXY_BIN, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout?.on('data', (chunk) => (output += chunk));
    haproxy.stderr?.on('data', (chunk) => (output += chunk));
    await waitForPort(port, haproxy, () => output);
  });

  afterAll(async () => {
    if (haproxy && haproxy.exitCode === null) {
      const exited = new Promise((resolve) => haproxy.once('exit', resolve));
      haproxy.kill('SIGTERM');
      await exited;
    }
    scratch.remove();
  });

  it.each(PROBES.map((probe) => [probe.rule[2], probe] as const))('value %j matches exactly', async (_, probe) => {
    expect((await get(port, '/', probe.matching)).status).toBe(403);
    expect((await get(port, '/', probe.notMatching)).status).toBe(503);
  });

  it('a redirect target with #, & and quotes arrives verbatim', async () => {
    expect(await get(port, '/redirect', {})).toEqual({ status: 307, location: REDIRECT_TARGET });
  });
});
