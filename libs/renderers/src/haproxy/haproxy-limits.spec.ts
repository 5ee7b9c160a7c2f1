import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

import { HAPROXY_BIN, makeScratchDir } from '../../test-support/binary-checks';
import { healthMonitor, listener, loadBalancer, member, pool, uid } from '../../test-support/model-builders';
import { renderHaproxyConfig } from '../haproxy-config.renderer';
import type { RenderLoadBalancer } from '../render-model';
import type { HaproxyRenderOptions } from '../render-options';

/**
 * The amphora runs haproxy under a 20,000 open-files hard limit. These specs start the real
 * binary under `prlimit --nofile=20000:20000` to prove the rendered maxconn fits.
 */

/** Ports nobody listens on right now (other test runs may share this host). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<Server>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function bigLoadBalancer(members: number, ports: number[] = [20080, 20081, 20082]): RenderLoadBalancer {
  const listeners = [0, 1, 2].map((index) =>
    listener(index + 1, {
      protocol_port: ports[index],
      connection_limit: -1,
      default_pool: pool(index + 1, {
        // Checks against a closed local port: cheap, and each check holds a descriptor.
        healthmonitor: healthMonitor(index + 1, 'TCP', { delay: 60 }),
        members: Array.from({ length: members }, (_, n) => member(index * 1000 + n + 1, '127.0.0.1', { protocol_port: 9 })),
      }),
    }),
  );
  return loadBalancer({ vip_address: '127.0.0.1', listeners });
}

function maxconnOf(config: string): number {
  return Number(/^ {4}maxconn (\d+)$/m.exec(config)?.[1]);
}

/** Starts haproxy in the foreground for a moment and returns what it printed. */
function runBriefly(config: string, scratchDir: string, openFiles: number): Promise<string> {
  const file = join(scratchDir, `haproxy-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(file, config);
  return new Promise((resolve) => {
    let output = '';
    const child = spawn('prlimit', [`--nofile=${openFiles}:${openFiles}`, HAPROXY_BIN, '-db', '-f', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), 1500);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

describe('global maxconn and the file-descriptor budget', () => {
  const scratch = makeScratchDir('haproxy-fd');
  afterAll(() => scratch.remove());

  const options = (port: number): HaproxyRenderOptions => ({
    amphoraId: uid('amphora', 1),
    topology: 'SINGLE',
    statsSocketPath: join(scratch.dir, `stats-${port}.sock`),
    serverStateFile: null,
    user: userInfo().username,
  });

  it('uses the sum of listener limits when it fits, the 9,900 cap otherwise', () => {
    const small = loadBalancer({ listeners: [listener(1, { connection_limit: 100 }), listener(2, { protocol_port: 81, connection_limit: 200 })] });
    expect(maxconnOf(renderHaproxyConfig(small, options(1)))).toBe(300);
    const unlimited = loadBalancer({ listeners: [listener(1, { connection_limit: -1 })] });
    const capped = maxconnOf(renderHaproxyConfig(unlimited, options(1)));
    expect(capped).toBeLessThanOrEqual(9_900);
    expect(capped).toBeGreaterThan(9_800);
    expect(maxconnOf(renderHaproxyConfig(unlimited, { ...options(1), maxconnCap: 4_000 }))).toBe(4_000);
  });

  it('shrinks maxconn as monitored members add descriptors', () => {
    const few = maxconnOf(renderHaproxyConfig(bigLoadBalancer(1), options(1)));
    const many = maxconnOf(renderHaproxyConfig(bigLoadBalancer(400), options(1)));
    expect(few - many).toBe(Math.ceil((3 * 399) / 2));
  });

  it('refuses a load balancer that cannot fit at all', () => {
    expect(() => renderHaproxyConfig(bigLoadBalancer(10), { ...options(1), openFilesLimit: 1100, maxpipes: 500 })).toThrow(
      /need more than the 1100 open files/,
    );
  });

  it('starts under a 20,000 open-files limit with 1,200 monitored members', async () => {
    const ports = await freePorts(3);
    const config = renderHaproxyConfig(bigLoadBalancer(400, ports), options(ports[0]));
    const output = await runBriefly(config, scratch.dir, 20_000);
    expect(output).not.toMatch(/FD limit|Cannot raise|Fatal/);
    // It really ran: health checks against the closed port marked members down.
    expect(output).toMatch(/Server \S+ is DOWN/);
  });

  it('would not start with upstream-style sizing (maxconn 9,900 and automatic pipes)', async () => {
    const ports = await freePorts(3);
    const config = renderHaproxyConfig(bigLoadBalancer(400, ports), options(ports[0]))
      .replace(/^ {4}maxconn \d+$/m, '    maxconn 9900')
      .replace(/^ {4}maxpipes \d+\n/m, '');
    const output = await runBriefly(config, scratch.dir, 20_000);
    expect(output).toMatch(/Cannot raise FD limit/);
  });
});
