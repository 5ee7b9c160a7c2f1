import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { POSTGRES_ADMIN_URL, databaseUrl } from './services';

/**
 * A REAL Keystone for the auth tests: Debian's keystone code (python3-keystone: keystone-manage and
 * keystone-wsgi-public) under uWSGI with the python3 plugin, on 127.0.0.1, with a throw-away PostgreSQL
 * database, fernet keys in a temp dir and `[identity] password_hash_rounds = 4`.
 *
 * Debian's `keystone` package is the same code plus a system daemon on port 5000 and a system database;
 * the tests want only their own process, so they install python3-keystone (what `keystone` depends on),
 * uwsgi-core, uwsgi-plugin-python3 and python3-psycopg2 when missing (scripts/prepare-host.sh does too).
 *
 * Nothing is skipped: when Keystone cannot be installed or started, start() throws with its log.
 * Processes are started and stopped by pid; stop() removes the temp dir and drops the database.
 */

const PACKAGES: Array<[string, string]> = [
  ['/usr/bin/keystone-manage', 'python3-keystone'],
  ['/usr/bin/keystone-wsgi-public', 'python3-keystone'],
  ['/usr/bin/uwsgi', 'uwsgi-core'],
  ['/usr/lib/uwsgi/plugins/python3_plugin.so', 'uwsgi-plugin-python3'],
  ['/usr/lib/python3/dist-packages/psycopg2/__init__.py', 'python3-psycopg2'],
];

function exists(path: string): boolean {
  try {
    accessSync(path, fsConstants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${String(stderr).slice(-4000)}`));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Installs the Debian packages Keystone needs when they are missing (fails loudly otherwise). */
export async function ensureKeystoneInstalled(): Promise<void> {
  const missing = [...new Set(PACKAGES.filter(([path]) => !exists(path)).map(([, pkg]) => pkg))];
  if (!missing.length) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-q', '--no-install-recommends', ...missing], env, 900_000).catch(async (err) => {
    await run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-q'], env, 600_000);
    await run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-q', '--no-install-recommends', ...missing], env, 900_000).catch(() => {
      throw err;
    });
  });
  const still = PACKAGES.filter(([path]) => !exists(path)).map(([path]) => path);
  if (still.length) throw new Error(`Keystone is not installable here: missing ${still.join(', ')} after apt-get install ${missing.join(' ')}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Environment for Debian's Python with nothing inherited that could redirect it. */
function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('PYTHON') || k.startsWith('OS_') || k === 'VIRTUAL_ENV') continue;
    env[k] = v;
  }
  env.PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
  return { ...env, ...extra };
}

export interface KeystoneUser {
  id: string;
  name: string;
  password: string;
}

export interface Token {
  token: string;
  expiresAt: string;
  body: any;
}

/** One uWSGI process serving keystone-wsgi-public with the given config file. */
class KeystoneProcess {
  proc?: ChildProcess;
  readonly logFile: string;

  constructor(readonly dir: string, readonly name: string, readonly configFile: string, readonly port: number) {
    this.logFile = join(dir, `${name}-uwsgi.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const log = openSync(this.logFile, 'a');
    this.proc = spawn(
      '/usr/bin/uwsgi',
      [
        '--plugin', 'python3',
        '--http-socket', `127.0.0.1:${this.port}`,
        '--wsgi-file', '/usr/bin/keystone-wsgi-public',
        '--master', '--processes', '1', '--threads', '4',
        '--die-on-term', '--need-app', '--lazy-apps',
        '--buffer-size', '65535',
        '--pidfile', join(this.dir, `${this.name}.pid`),
      ],
      { env: pythonEnv({ OS_KEYSTONE_CONFIG_FILES: this.configFile }), stdio: ['ignore', log, log], detached: false },
    );
    closeSync(log);
    const deadline = Date.now() + 90_000;
    let exited: number | null = null;
    this.proc.once('exit', (code) => {
      exited = code ?? -1;
    });
    while (Date.now() < deadline) {
      if (exited !== null) throw new Error(`Keystone (${this.name}) exited with ${exited} during start-up:\n${this.tail()}`);
      try {
        const res = await fetch(`${this.url}/v3`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`Keystone (${this.name}) did not answer on ${this.url}/v3 within 90 s:\n${this.tail()}`);
  }

  tail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-4000);
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM to the uWSGI master by pid (--die-on-term stops its workers), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return;
    const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    process.kill(p.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (p.exitCode === null && p.signalCode === null) process.kill(p.pid!, 'SIGKILL');
    }, 10_000);
    await gone;
    clearTimeout(timer);
  }
}

export interface KeystoneOptions {
  /** Token lifetime of the main Keystone in seconds (default 3600). */
  tokenExpiration?: number;
  /**
   * Also start a second Keystone process on the same database and fernet keys whose tokens live this
   * many seconds: its tokens validate on the main one until they expire (the expired-token tests).
   */
  shortLivedTokenSeconds?: number;
}

export class KeystoneServer {
  readonly adminPassword = `admin-${randomBytes(6).toString('hex')}`;
  private dir = '';
  private dbName = '';
  private main?: KeystoneProcess;
  private short?: KeystoneProcess;
  private adminToken?: string;
  private roleIds = new Map<string, string>();

  constructor(private readonly opts: KeystoneOptions = {}) {}

  get url(): string {
    if (!this.main) throw new Error('Keystone is not started');
    return this.main.url;
  }

  /** The second Keystone issuing short-lived tokens (when asked for). */
  get shortLivedUrl(): string {
    if (!this.short) throw new Error('no short-lived Keystone was asked for');
    return this.short.url;
  }

  private conf(expiration: number): string {
    return [
      '[DEFAULT]',
      'use_stderr = true',
      '[database]',
      `connection = ${databaseUrl(this.dbName).replace(/^postgres(ql)?:\/\//, 'postgresql+psycopg2://')}`,
      '[identity]',
      'password_hash_rounds = 4',
      '[token]',
      'provider = fernet',
      `expiration = ${expiration}`,
      '[fernet_tokens]',
      `key_repository = ${join(this.dir, 'fernet-keys')}`,
      '[fernet_receipts]',
      `key_repository = ${join(this.dir, 'fernet-receipts')}`,
      '[credential]',
      `key_repository = ${join(this.dir, 'credential-keys')}`,
      '[cache]',
      'enabled = false',
      '',
    ].join('\n');
  }

  async start(): Promise<void> {
    await ensureKeystoneInstalled();
    this.dir = mkdtempSync(join(tmpdir(), 'octavia-ts-keystone-'));
    this.dbName = `keystone_test_${randomBytes(4).toString('hex')}`;
    try {
      const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${this.dbName}`);
      await admin.end();
      for (const d of ['fernet-keys', 'fernet-receipts', 'credential-keys']) mkdirSync(join(this.dir, d), { mode: 0o700 });
      const mainConf = join(this.dir, 'keystone.conf');
      writeFileSync(mainConf, this.conf(this.opts.tokenExpiration ?? 3600));
      const port = await freePort();
      const env = pythonEnv();
      const manage = (...args: string[]) => run('/usr/bin/keystone-manage', ['--config-file', mainConf, ...args], env);
      await manage('db_sync');
      const user = process.getuid?.() === 0 ? 'root' : String(process.getuid?.());
      const group = process.getgid?.() === 0 ? 'root' : String(process.getgid?.());
      await manage('fernet_setup', '--keystone-user', user, '--keystone-group', group);
      await manage('credential_setup', '--keystone-user', user, '--keystone-group', group);
      const endpoint = `http://127.0.0.1:${port}/v3`;
      await manage('bootstrap', '--bootstrap-password', this.adminPassword, '--bootstrap-admin-url', endpoint, '--bootstrap-public-url', endpoint, '--bootstrap-internal-url', endpoint, '--bootstrap-region-id', 'RegionOne');
      this.main = new KeystoneProcess(this.dir, 'main', mainConf, port);
      await this.main.start();
      if (this.opts.shortLivedTokenSeconds) {
        const shortConf = join(this.dir, 'keystone-short.conf');
        writeFileSync(shortConf, this.conf(this.opts.shortLivedTokenSeconds));
        this.short = new KeystoneProcess(this.dir, 'short', shortConf, await freePort());
        await this.short.start();
      }
      this.adminToken = (await this.issueToken({ name: 'admin', password: this.adminPassword }, { project: 'admin' })).token;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.short?.stop();
    await this.main?.stop();
    if (this.dbName) {
      const c = new Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
      await c.end();
      this.dbName = '';
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }

  /** uWSGI's request log of one of the Keystone processes (one line per request, with the status). */
  requestLog(which: 'main' | 'short'): string {
    const proc = which === 'main' ? this.main : this.short;
    if (!proc) throw new Error(`no ${which} Keystone`);
    return readFileSync(proc.logFile, 'utf8');
  }

  /** A password-scoped token; `system: true` asks for a system-scoped one. */
  async issueToken(user: { name: string; password: string }, scope: { project?: string; system?: boolean } = {}, viaShortLived = false): Promise<Token> {
    const base = viaShortLived ? this.shortLivedUrl : this.url;
    const body: any = { auth: { identity: { methods: ['password'], password: { user: { name: user.name, domain: { id: 'default' }, password: user.password } } } } };
    if (scope.project) body.auth.scope = { project: { name: scope.project, domain: { id: 'default' } } };
    if (scope.system) body.auth.scope = { system: { all: true } };
    const res = await fetch(`${base}/v3/auth/tokens?nocatalog`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json: any = await res.json();
    if (res.status !== 201) throw new Error(`token for ${user.name} refused: ${res.status} ${JSON.stringify(json)}`);
    return { token: res.headers.get('x-subject-token')!, expiresAt: json.token.expires_at, body: json };
  }

  /** Calls the Keystone API as its bootstrap admin. */
  async api(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.url}/v3${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-auth-token': this.adminToken! },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`Keystone ${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async createProject(name: string): Promise<string> {
    return (await this.api('POST', '/projects', { project: { name, domain_id: 'default', enabled: true } })).project.id;
  }

  async roleId(name: string): Promise<string> {
    const known = this.roleIds.get(name);
    if (known) return known;
    const found = (await this.api('GET', `/roles?name=${encodeURIComponent(name)}`)).roles;
    const id: string = found.length ? found[0].id : (await this.api('POST', '/roles', { role: { name } })).role.id;
    this.roleIds.set(name, id);
    return id;
  }

  async createUser(name: string): Promise<KeystoneUser> {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const id = (await this.api('POST', '/users', { user: { name, password, domain_id: 'default', enabled: true } })).user.id;
    return { id, name, password };
  }

  async grantProjectRole(userId: string, projectId: string, role: string): Promise<void> {
    await this.api('PUT', `/projects/${projectId}/users/${userId}/roles/${await this.roleId(role)}`);
  }

  async grantSystemRole(userId: string, role: string): Promise<void> {
    await this.api('PUT', `/system/users/${userId}/roles/${await this.roleId(role)}`);
  }

  async revokeToken(token: string): Promise<void> {
    const res = await fetch(`${this.url}/v3/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': this.adminToken!, 'x-subject-token': token } });
    if (res.status !== 204) throw new Error(`revoke failed: ${res.status}`);
  }
}
