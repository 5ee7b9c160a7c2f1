import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { JsonLogger } from '../../../libs/common/src';

/**
 * Runs a private PostgreSQL cluster and Redis server under the local data folder, from the system's
 * binaries, installing Debian's packages first when they are missing and we are root. Used by
 * `octavia-ts up` when no database or Redis URL is configured.
 */
export class EmbeddedServices {
  constructor(private readonly dataDir: string, private readonly logger: JsonLogger) {}

  static readonly PG_PORT = 15432;
  static readonly REDIS_PORT = 16379;

  private aptInstall(packages: string[]): void {
    if (process.getuid?.() !== 0) throw new Error(`missing system packages (${packages.join(', ')}); install them or run as root`);
    this.logger.info({ msg: 'installing system packages', packages });
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update', '-q'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-q', ...packages], { stdio: 'inherit', env });
  }

  private pgBinDir(): string | undefined {
    const base = '/usr/lib/postgresql';
    if (!existsSync(base)) return undefined;
    const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    return versions.length ? join(base, versions[0], 'bin') : undefined;
  }

  async ensurePostgres(): Promise<string> {
    let bin = this.pgBinDir();
    if (!bin) {
      this.aptInstall(['postgresql']);
      bin = this.pgBinDir();
      if (!bin) throw new Error('PostgreSQL binaries not found after installing the postgresql package');
    }
    const dir = join(this.dataDir, 'postgres');
    const asPostgres = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    const run = (args: string[]) => {
      const [cmd, ...rest] = [...asPostgres, ...args];
      const r = spawnSync(cmd, rest, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.stdout}`);
      return r.stdout;
    };
    const url = `postgresql://postgres@127.0.0.1:${EmbeddedServices.PG_PORT}/octavia`;
    if (await portOpen(EmbeddedServices.PG_PORT)) return url;
    if (!existsSync(join(dir, 'PG_VERSION'))) {
      mkdirSync(dir, { recursive: true });
      if (asPostgres.length) chownPostgres(dir);
      this.logger.info({ msg: 'creating private PostgreSQL cluster', dir });
      run([join(bin, 'initdb'), '-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
      writeFileSync(join(dir, 'conf.d.octavia'), '');
    }
    this.logger.info({ msg: 'starting private PostgreSQL', port: EmbeddedServices.PG_PORT });
    run([join(bin, 'pg_ctl'), '-D', dir, '-l', join(dir, 'server.log'), '-w', '-o',
      `-p ${EmbeddedServices.PG_PORT} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
    const psql = [join(bin, 'psql'), '-h', '127.0.0.1', '-p', String(EmbeddedServices.PG_PORT), '-U', 'postgres', '-tAc'];
    if (run([...psql, "SELECT 1 FROM pg_database WHERE datname = 'octavia'"]).trim() !== '1') run([...psql, 'CREATE DATABASE octavia']);
    return url;
  }

  async ensureRedis(): Promise<string> {
    const url = `redis://127.0.0.1:${EmbeddedServices.REDIS_PORT}/0`;
    if (await portOpen(EmbeddedServices.REDIS_PORT)) return url;
    if (!existsOnPath('redis-server')) this.aptInstall(['redis-server']);
    const dir = join(this.dataDir, 'redis');
    mkdirSync(dir, { recursive: true });
    this.logger.info({ msg: 'starting private Redis', port: EmbeddedServices.REDIS_PORT });
    execFileSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(EmbeddedServices.REDIS_PORT),
      '--dir', dir, '--appendonly', 'yes', '--pidfile', join(dir, 'redis.pid'), '--logfile', join(dir, 'redis.log')]);
    for (let i = 0; i < 50 && !(await portOpen(EmbeddedServices.REDIS_PORT)); i++) await new Promise((r) => setTimeout(r, 100));
    return url;
  }

  /** The data plane's binaries: HAProxy, keepalived and iproute2 (network-namespace amphorae). */
  ensureDataPlanePackages(): void {
    const missing = [['haproxy', 'haproxy'], ['keepalived', 'keepalived'], ['ip', 'iproute2'], ['arping', 'iputils-arping']].filter(([bin]) => !existsOnPath(bin)).map(([, pkg]) => pkg);
    if (missing.length) this.aptInstall(missing);
  }
}

function chownPostgres(dir: string): void {
  const id = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
  const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
  chownSync(dir, Number(id), Number(gid));
}

export function existsOnPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']).some((d) => existsSync(join(d, bin)));
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
