import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';

/** Run a command (optionally feeding stdin); throws with its stderr on failure. */
export function sh(argv: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    const child = spawn(file, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new Error(`${argv.join(' ')}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')}: ${err.trim() || `exit ${code}`}`))));
    if (input !== undefined && child.stdin) {
      // A command may exit without reading all of its input; that is its answer, not an error.
      child.stdin.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') reject(e);
      });
      child.stdin.end(input);
    }
  });
}

/** Run a command whose failure is acceptable during cleanup. */
export async function shQuiet(argv: string[]): Promise<void> {
  await sh(argv).catch(() => undefined);
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function randomByte(min: number, max: number): number {
  return min + (randomBytes(1)[0] % (max - min + 1));
}

/**
 * Namespaces, veths and a bridge for one test file. Every name carries a random suffix,
 * every address is private, and `destroy()` removes all of it (and kills what runs inside)
 * even after a failure half-way through `create()`.
 */
export class TestNetwork {
  readonly suffix = randomBytes(3).toString('hex').slice(0, 5);
  readonly namespaces: string[] = [];
  private readonly rootLinks: string[] = [];
  /** 10.<a>.<b>.0/24 data subnet, 172.16.<m>.0/30 management subnet (root ↔ amphora). */
  readonly dataPrefix = `10.${randomByte(64, 250)}.${randomByte(1, 250)}`;
  readonly mgmtPrefix = `172.16.${randomByte(1, 250)}`;
  private bridgeNs = '';
  private links = 0;

  ns(role: string): string {
    return `aa-${role}-${this.suffix}`;
  }

  get controllerIp(): string {
    return `${this.mgmtPrefix}.1`;
  }
  get amphoraMgmtIp(): string {
    return `${this.mgmtPrefix}.2`;
  }
  dataIp(host: number): string {
    return `${this.dataPrefix}.${host}`;
  }

  async addNamespace(role: string): Promise<string> {
    const name = this.ns(role);
    await sh(['ip', 'netns', 'add', name]);
    this.namespaces.push(name);
    await sh(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** A namespace holding the bridge every data-plane veth is attached to. */
  async addSwitch(): Promise<void> {
    this.bridgeNs = await this.addNamespace('sw');
    await sh(['ip', '-n', this.bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await sh(['ip', '-n', this.bridgeNs, 'link', 'set', 'br0', 'up']);
  }

  /**
   * Connect `ns` to the switch. With `address` the link is named `name` and configured;
   * without, it is left unconfigured (the agent plugs it by MAC).
   */
  async attach(ns: string, name: string, options: { address?: string; mac?: string } = {}): Promise<void> {
    const tag = `${this.links++}${this.suffix}`;
    const inner = `i${tag}`;
    const outer = `o${tag}`;
    await sh(['ip', 'link', 'add', inner, ...(options.mac ? ['address', options.mac] : []), 'type', 'veth', 'peer', 'name', outer]);
    this.rootLinks.push(inner, outer);
    await sh(['ip', 'link', 'set', outer, 'netns', this.bridgeNs]);
    await sh(['ip', '-n', this.bridgeNs, 'link', 'set', outer, 'master', 'br0', 'up']);
    await sh(['ip', 'link', 'set', inner, 'netns', ns]);
    await sh(['ip', '-n', ns, 'link', 'set', inner, 'name', name]);
    if (options.address) {
      await sh(['ip', '-n', ns, 'addr', 'add', options.address, 'dev', name]);
      await sh(['ip', '-n', ns, 'link', 'set', name, 'up']);
    }
  }

  /** Management link: root namespace (the "controller") ↔ amphora namespace, as `mgmt0`. */
  async addManagementLink(amphoraNs: string): Promise<void> {
    const root = `m${this.suffix}r`;
    const peer = `m${this.suffix}a`;
    await sh(['ip', 'link', 'add', root, 'type', 'veth', 'peer', 'name', peer]);
    this.rootLinks.push(root, peer);
    await sh(['ip', 'addr', 'add', `${this.controllerIp}/30`, 'dev', root]);
    await sh(['ip', 'link', 'set', root, 'up']);
    await sh(['ip', 'link', 'set', peer, 'netns', amphoraNs]);
    await sh(['ip', '-n', amphoraNs, 'link', 'set', peer, 'name', 'mgmt0']);
    await sh(['ip', '-n', amphoraNs, 'addr', 'add', `${this.amphoraMgmtIp}/30`, 'dev', 'mgmt0']);
    await sh(['ip', '-n', amphoraNs, 'link', 'set', 'mgmt0', 'up']);
  }

  /** pids of every process inside one of our namespaces. */
  async pidsInside(ns: string): Promise<number[]> {
    const out = await sh(['ip', 'netns', 'pids', ns]).catch(() => '');
    return out
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((p) => Number.isInteger(p) && p > 0);
  }

  /**
   * Kill what runs in our namespaces (all of it was started by this test), delete the
   * namespaces and any veth end left in the root namespace.
   */
  async killInside(spare: number[] = []): Promise<void> {
    // SIGTERM first so HAProxy's master reaps its workers and the agent reaps the master;
    // this host's init does not reap orphans.
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const deadline = Date.now() + 3000;
      let remaining: number[] = [];
      do {
        remaining = [];
        for (const ns of this.namespaces) {
          for (const pid of await this.pidsInside(ns)) if (!spare.includes(pid)) remaining.push(pid);
        }
        for (const pid of remaining) signalQuietly(pid, signal);
        if (remaining.length) await new Promise((r) => setTimeout(r, 100));
      } while (remaining.length > 0 && Date.now() < deadline);
      if (remaining.length === 0) return;
    }
  }

  async destroy(): Promise<void> {
    await this.killInside();
    for (const ns of this.namespaces) await shQuiet(['ip', 'netns', 'del', ns]);
    for (const link of this.rootLinks) {
      const present = await fs.access(`/sys/class/net/${link}`).then(
        () => true,
        () => false,
      );
      if (present) await shQuiet(['ip', 'link', 'del', link]);
    }
  }
}
