import { execFile } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Drives the real `openstack` command line client (Debian's python3-openstackclient +
 * python3-octaviaclient) against our API. The client reads a throw-away clouds.yaml that uses
 * `auth_type: none`: load-balancer calls go to `load_balancer_endpoint_override` (our API), and the
 * Neutron/Keystone look-ups the client makes first go to the auth endpoint (NeutronKeystoneStandIn).
 */

export const OPENSTACK_BIN = '/usr/bin/openstack';
export const CLOUD_NAME = 'octavia-ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CliError extends Error {
  constructor(readonly args: string[], readonly result: CliResult) {
    super(`openstack ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/**
 * The clouds.yaml the tests use (also the one documented in the README).
 * - `load_balancer_endpoint_override`: where octaviaclient sends every load-balancer call (it appends `/v2.0`).
 * - `auth.endpoint`: with `auth_type: none` there is no service catalog, so the neutronclient and
 *   keystoneclient that octaviaclient uses for its subnet/network/port/project look-ups send them to this
 *   URL (`<endpoint>/v2.0/subnets?name=...`, `<endpoint>/projects/<name>`).
 * - `network_endpoint_override`: used by openstacksdk-based commands (`openstack subnet show`).
 */
export function cloudsYaml(apiUrl: string, standInUrl: string): string {
  return [
    'clouds:',
    `  ${CLOUD_NAME}:`,
    '    auth_type: none',
    '    auth:',
    `      endpoint: ${standInUrl}`,
    `    load_balancer_endpoint_override: ${apiUrl}`,
    `    network_endpoint_override: ${standInUrl}`,
    '',
  ].join('\n');
}

/** Fails loudly (never skips) when the Debian client is not installed. */
export function assertOpenstackCliInstalled(): void {
  try {
    accessSync(OPENSTACK_BIN, fsConstants.X_OK);
  } catch {
    throw new Error(
      `${OPENSTACK_BIN} is missing: install Debian's python3-openstackclient and python3-octaviaclient (apt-get install python3-openstackclient python3-octaviaclient)`,
    );
  }
}

export class OpenstackCli {
  private readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(apiUrl: string, standInUrl: string) {
    assertOpenstackCliInstalled();
    this.dir = mkdtempSync(join(tmpdir(), 'octavia-ts-cli-'));
    const clouds = join(this.dir, 'clouds.yaml');
    writeFileSync(clouds, cloudsYaml(apiUrl, standInUrl));
    // Debian's Python with nothing inherited that could point it at another interpreter, another
    // clouds.yaml or a real cloud (OS_* variables).
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (k.startsWith('OS_') || k.startsWith('PYTHON') || k === 'VIRTUAL_ENV' || k.startsWith('PYENV')) continue;
      env[k] = v;
    }
    env.PATH = '/usr/bin:/bin';
    env.HOME = this.dir;
    env.OS_CLIENT_CONFIG_FILE = clouds;
    env.OS_CLOUD = CLOUD_NAME;
    this.env = env;
  }

  /** Runs `openstack --os-cloud <cloud> <args>`; resolves with the exit code and output, never throws on a non-zero exit. */
  run(args: string[], timeoutMs = 60_000): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      execFile(OPENSTACK_BIN, ['--os-cloud', CLOUD_NAME, ...args], { env: this.env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          reject(err);
          return;
        }
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  /** Runs a command that must succeed, with `-f json`, and parses its output. */
  async json<T = any>(args: string[]): Promise<T> {
    const full = [...args, '-f', 'json'];
    const result = await this.run(full);
    if (result.code !== 0) throw new CliError(full, result);
    try {
      return JSON.parse(result.stdout) as T;
    } catch {
      throw new CliError(full, { ...result, stderr: `${result.stderr}\n(output is not JSON)` });
    }
  }

  /** Runs a command that must succeed and prints nothing useful (delete, set, unset). */
  async ok(args: string[]): Promise<CliResult> {
    const result = await this.run(args);
    if (result.code !== 0) throw new CliError(args, result);
    return result;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
