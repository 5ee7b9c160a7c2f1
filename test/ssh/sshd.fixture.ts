import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sh } from '../vm/vm.fixture';

/**
 * A real OpenSSH server in a network namespace of its own, with its own host keys and config, reachable
 * from the root namespace over a veth pair in a private /30. Key authentication only. The namespace
 * shares the host's file system, so the "device" it stands for is this machine as seen through sshd.
 */
export class SshdDevice {
  readonly suffix = randomBytes(3).toString('hex');
  readonly ns = `sshdev-${this.suffix}`;
  readonly prefix = `10.${200 + (randomBytes(1)[0] % 50)}.${randomBytes(1)[0]}`;
  /** Under /run: keepalived refuses scripts below world-writable directories such as /tmp. */
  readonly dir = mkdtempSync(path.join(existsSync('/run') ? '/run' : '/tmp', 'sshdev-'));
  readonly port = 2222;
  private sshd: ChildProcess | null = null;
  private createdRunSshd = false;

  get controllerIp(): string {
    return `${this.prefix}.1`;
  }
  get deviceIp(): string {
    return `${this.prefix}.2`;
  }
  get hostKeyFile(): string {
    return path.join(this.dir, 'ssh_host_ed25519_key');
  }
  get clientKeyFile(): string {
    return path.join(this.dir, 'client_key');
  }
  get knownHostsFile(): string {
    return path.join(this.dir, 'known_hosts');
  }
  /** Where adopted files go (the device's installRoot). */
  get installRoot(): string {
    return path.join(this.dir, 'root');
  }

  async start(): Promise<void> {
    if (!existsSync('/usr/sbin/sshd')) {
      await sh(['apt-get', '-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', 'openssh-server', 'openssh-client'], { timeoutMs: 900_000 });
    }
    // sshd's privilege separation directory (the package's service normally creates it).
    if (!existsSync('/run/sshd')) {
      await fs.mkdir('/run/sshd', { mode: 0o755 });
      this.createdRunSshd = true;
    }
    await fs.mkdir(this.installRoot, { recursive: true });
    await sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', this.hostKeyFile]);
    await sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', this.clientKeyFile]);
    await fs.copyFile(`${this.clientKeyFile}.pub`, path.join(this.dir, 'authorized_keys'));
    await fs.writeFile(
      path.join(this.dir, 'sshd_config'),
      [
        `ListenAddress ${this.deviceIp}:${this.port}`,
        `HostKey ${this.hostKeyFile}`,
        `AuthorizedKeysFile ${path.join(this.dir, 'authorized_keys')}`,
        `PidFile ${path.join(this.dir, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'X11Forwarding no',
        'AllowTcpForwarding no',
        'PrintMotd no',
        '',
      ].join('\n'),
    );
    await sh(['ip', 'netns', 'add', this.ns]);
    await sh(['ip', '-n', this.ns, 'link', 'set', 'lo', 'up']);
    const root = `sd${this.suffix}r`;
    await sh(['ip', 'link', 'add', root, 'type', 'veth', 'peer', 'name', `sd${this.suffix}d`]);
    await sh(['ip', 'link', 'set', `sd${this.suffix}d`, 'netns', this.ns]);
    await sh(['ip', 'addr', 'add', `${this.controllerIp}/30`, 'dev', root]);
    await sh(['ip', 'link', 'set', root, 'up']);
    await sh(['ip', '-n', this.ns, 'addr', 'add', `${this.deviceIp}/30`, 'dev', `sd${this.suffix}d`]);
    await sh(['ip', '-n', this.ns, 'link', 'set', `sd${this.suffix}d`, 'up']);
    this.sshd = spawn('ip', ['netns', 'exec', this.ns, '/usr/sbin/sshd', '-D', '-e', '-f', path.join(this.dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    this.sshd.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    for (let i = 0; i < 100; i++) {
      if (this.sshd.exitCode !== null) throw new Error(`sshd exited: ${err}`);
      const up = await sh(['ip', 'netns', 'exec', this.ns, 'ss', '-ltnH', `sport = :${this.port}`]).then((o) => o.includes(String(this.port)), () => false);
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`sshd did not listen: ${err}`);
  }

  /** `SHA256:…` of the host key, as ssh-keygen -lf prints it. */
  async fingerprint(): Promise<string> {
    return (await sh(['ssh-keygen', '-l', '-E', 'sha256', '-f', `${this.hostKeyFile}.pub`])).split(' ')[1];
  }

  async writeKnownHosts(keyFile = `${this.hostKeyFile}.pub`): Promise<void> {
    const [type, blob] = (await fs.readFile(keyFile, 'utf8')).split(' ');
    await fs.writeFile(this.knownHostsFile, `[${this.deviceIp}]:${this.port} ${type} ${blob}\n`);
  }

  /** A different ed25519 public key file (for mismatch tests). */
  async otherKey(): Promise<string> {
    const f = path.join(this.dir, `other_${randomBytes(2).toString('hex')}`);
    await sh(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', f]);
    return `${f}.pub`;
  }

  /** Pids of processes running inside the device namespace (besides sshd itself). */
  async pidsInside(): Promise<number[]> {
    const out = await sh(['ip', 'netns', 'pids', this.ns]).catch(() => '');
    return out.split('\n').filter(Boolean).map(Number).filter((p) => p !== this.sshd?.pid);
  }

  async stop(): Promise<void> {
    for (const pid of await this.pidsInside()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (this.sshd && this.sshd.exitCode === null) {
      this.sshd.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
    }
    await sh(['ip', 'netns', 'del', this.ns]).catch(() => undefined);
    await sh(['ip', 'link', 'del', `sd${this.suffix}r`]).catch(() => undefined);
    await fs.rm(this.dir, { recursive: true, force: true });
    if (this.createdRunSshd) await fs.rmdir('/run/sshd').catch(() => undefined);
  }
}
