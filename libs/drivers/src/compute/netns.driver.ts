import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AgentPaths, renderAgentConfig } from './agent-config';
import { ComputeCreateRequest, ComputeDriver, ComputeInstance, PortAttachment } from './compute-driver';
import { ensureNamespace, isAlive, linkExists, namespaceExists, run, runQuiet, sleep, tagOf } from '../util/exec';

export interface NetnsComputeOptions {
  /** Per-amphora folders live here (not under /tmp: keepalived refuses check scripts below world-writable dirs). */
  stateDir: string;
  /** The bundled agent (dist/amphora-agent.js). */
  agentBundle: string;
  /** Namespace names are `<prefix><amphora id>`. */
  namespacePrefix?: string;
  nodeBinary?: string;
  /** Namespace holding the tenant bridges (the local network driver's), where the bridge ends of port veths live. */
  bridgeNamespace?: string | null;
}

/**
 * Compute driver `netns`: an amphora is a network namespace on this host running the real agent (which
 * runs HAProxy and keepalived as its children). The management link is a veth from the namespace to the
 * root-namespace management bridge; tenant ports are veths to the network's bridge, carrying the port MAC
 * so the agent plugs them by MAC exactly as on a VM. Processes are detached from the worker, so a worker
 * crash leaves amphorae running, and are ended by pid on delete.
 */
export class NetnsComputeDriver implements ComputeDriver {
  readonly name = 'netns';
  private readonly prefix: string;

  constructor(private readonly opts: NetnsComputeOptions) {
    this.prefix = opts.namespacePrefix ?? 'amphora-';
  }

  namespaceOf(amphoraId: string): string {
    return `${this.prefix}${amphoraId}`;
  }
  /**
   * Short folder names: HAProxy's master socket `<base_path>/<lb id>/haproxy-master.sock` must fit a
   * unix socket path (97 characters), so state_dir may have at most 29 characters.
   */
  dirOf(amphoraId: string): string {
    return path.join(this.opts.stateDir, tagOf(amphoraId, 10));
  }
  private amphoraIdOf(computeId: string): string {
    return computeId.slice(this.prefix.length);
  }
  static mgmtLinks(amphoraId: string): { root: string; inner: string } {
    const t = tagOf(amphoraId, 11);
    return { root: `om${t}`, inner: `on${t}` };
  }
  static portLinks(portId: string): { amphora: string; bridge: string } {
    const t = tagOf(portId, 11);
    return { amphora: `pa${t}`, bridge: `pb${t}` };
  }

  /** Amphorae on this host share its filesystem: each keeps its files in its own folder. */
  agentPathsFor(amphoraId: string, managementIp: string): AgentPaths {
    const dir = this.dirOf(amphoraId);
    return {
      basePath: dir,
      certDir: path.join(dir, 'certs'),
      serverCert: path.join(dir, 'server.pem'),
      clientCa: path.join(dir, 'client_ca.pem'),
      networkDir: path.join(dir, 'interfaces'),
      bindHost: managementIp,
      platform: 'netns',
    };
  }

  async create(req: ComputeCreateRequest): Promise<ComputeInstance> {
    const ns = this.namespaceOf(req.amphoraId);
    const dir = this.dirOf(req.amphoraId);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    if (dir.length + 57 > 97) throw new Error(`amphora_state_dir ${this.opts.stateDir} is too long for HAProxy's socket paths (keep it at 29 characters or fewer)`);
    const paths = this.agentPathsFor(req.amphoraId, req.management.ip);
    await fs.writeFile(paths.serverCert, req.agent.serverPem, { mode: 0o600 });
    await fs.writeFile(paths.clientCa, req.agent.clientCaPem, { mode: 0o644 });
    await fs.writeFile(path.join(dir, 'amphora-agent.conf'), renderAgentConfig(req.agent, paths), { mode: 0o600 });

    await ensureNamespace(ns);
    await this.ensureManagementLink(req, ns);
    await this.ensureAgent(req.amphoraId, ns, dir);
    return { computeId: ns, managementIp: req.management.ip };
  }

  private async ensureManagementLink(req: ComputeCreateRequest, ns: string): Promise<void> {
    const { root, inner } = NetnsComputeDriver.mgmtLinks(req.amphoraId);
    const m = req.management;
    if (!(await linkExists('mgmt0', ns))) {
      if (!(await linkExists(root, null))) {
        await runQuiet(['ip', 'link', 'del', inner]);
        await run(['ip', 'link', 'add', root, 'type', 'veth', 'peer', 'name', inner]);
      }
      if (m.bridge) await run(['ip', 'link', 'set', root, 'master', m.bridge.bridge]);
      await run(['ip', 'link', 'set', root, 'up']);
      await run(['ip', 'link', 'set', inner, 'netns', ns]);
      await run(['ip', '-n', ns, 'link', 'set', inner, 'name', 'mgmt0']);
    }
    const addr = `${m.ip}/${m.prefixLength}`;
    const shown = await run(['ip', '-n', ns, '-o', '-4', 'addr', 'show', 'dev', 'mgmt0']);
    if (!shown.includes(` ${addr} `)) await run(['ip', '-n', ns, 'addr', 'add', addr, 'dev', 'mgmt0']);
    await run(['ip', '-n', ns, 'link', 'set', 'mgmt0', 'up']);
  }

  private async agentPid(dir: string): Promise<number | null> {
    const raw = await fs.readFile(path.join(dir, 'agent.pid'), 'utf8').catch(() => '');
    const pid = Number(raw.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  private async ensureAgent(amphoraId: string, ns: string, dir: string): Promise<void> {
    const pid = await this.agentPid(dir);
    if (pid && isAlive(pid) && (await this.pidsInside(ns)).includes(pid)) return;
    if (!existsSync(this.opts.agentBundle)) throw new Error(`agent bundle ${this.opts.agentBundle} is missing (npm run build)`);
    const log = openSync(path.join(dir, 'agent.log'), 'a');
    try {
      const child = spawn(
        'ip',
        ['netns', 'exec', ns, this.opts.nodeBinary ?? process.execPath, this.opts.agentBundle, '--config-file', path.join(dir, 'amphora-agent.conf'), '--platform', 'netns'],
        { stdio: ['ignore', log, log], cwd: '/', detached: true },
      );
      // `ip netns exec` execs node, so this pid is the agent's.
      await fs.writeFile(path.join(dir, 'agent.pid'), String(child.pid));
      child.unref();
    } finally {
      closeSync(log);
    }
    void amphoraId;
  }

  private async pidsInside(ns: string): Promise<number[]> {
    const out = await run(['ip', 'netns', 'pids', ns]).catch(() => '');
    return out.split('\n').map((l) => Number(l.trim())).filter((p) => Number.isInteger(p) && p > 0);
  }

  async delete(computeId: string): Promise<void> {
    const amphoraId = this.amphoraIdOf(computeId);
    const dir = this.dirOf(amphoraId);
    const ns = computeId;
    if (await namespaceExists(ns)) {
      // The agent stops HAProxy and keepalived on SIGTERM; whatever is left gets SIGKILL.
      const agent = await this.agentPid(dir);
      const inside = await this.pidsInside(ns);
      if (agent && inside.includes(agent)) signal(agent, 'SIGTERM');
      for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
        const deadline = Date.now() + 3000;
        let left = await this.pidsInside(ns);
        while (left.length && Date.now() < deadline) {
          for (const p of left) if (p !== agent || sig === 'SIGKILL' || Date.now() > deadline - 1500) signal(p, sig);
          await sleep(100);
          left = (await this.pidsInside(ns)).filter((p) => isAlive(p));
        }
        if (!left.length) break;
      }
      // Port veths: deleting the amphora end removes the bridge end too.
      await runQuiet(['ip', 'netns', 'del', ns]);
    }
    const { root } = NetnsComputeDriver.mgmtLinks(amphoraId);
    if (await linkExists(root, null)) await runQuiet(['ip', 'link', 'del', root]);
    await fs.rm(dir, { recursive: true, force: true });
  }

  async attachPort(computeId: string, port: PortAttachment): Promise<void> {
    const ns = computeId;
    const { amphora, bridge } = NetnsComputeDriver.portLinks(port.portId);
    const present = await run(['ip', '-n', ns, '-o', 'link', 'show']).catch(() => '');
    if (present.toLowerCase().includes(`link/ether ${port.macAddress.toLowerCase()}`)) return;
    const bns = port.bridge.namespace;
    await runQuiet(['ip', 'link', 'del', amphora]);
    if (bns) await runQuiet(['ip', '-n', bns, 'link', 'del', bridge]);
    await run(['ip', 'link', 'add', amphora, 'address', port.macAddress, 'type', 'veth', 'peer', 'name', bridge]);
    try {
      if (bns) await run(['ip', 'link', 'set', bridge, 'netns', bns]);
      const inBridgeNs = bns ? ['-n', bns] : [];
      await run(['ip', ...inBridgeNs, 'link', 'set', bridge, 'master', port.bridge.bridge, 'up']);
      await run(['ip', 'link', 'set', amphora, 'netns', ns]);
    } catch (err) {
      await runQuiet(['ip', 'link', 'del', amphora]);
      if (bns) await runQuiet(['ip', '-n', bns, 'link', 'del', bridge]);
      throw err;
    }
  }

  async detachPort(computeId: string, portId: string): Promise<void> {
    const { bridge } = NetnsComputeDriver.portLinks(portId);
    const bridgeNamespace = this.opts.bridgeNamespace;
    if (bridgeNamespace) await runQuiet(['ip', '-n', bridgeNamespace, 'link', 'del', bridge]);
    else await runQuiet(['ip', 'link', 'del', bridge]);
    void computeId;
  }

  async exists(computeId: string): Promise<boolean> {
    if (!(await namespaceExists(computeId))) return false;
    const pid = await this.agentPid(this.dirOf(this.amphoraIdOf(computeId)));
    return !!pid && isAlive(pid);
  }

  /** Namespaces of this driver's amphorae present on the host (leak checks). */
  async listNamespaces(): Promise<string[]> {
    const out = await run(['ip', 'netns', 'list']).catch(() => '');
    return out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(this.prefix));
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}
