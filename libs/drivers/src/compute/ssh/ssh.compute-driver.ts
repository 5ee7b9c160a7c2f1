import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client, ClientChannel } from 'ssh2';
import { JsonLogger } from '../../../../common/src/logging/json-logger';
import { AgentPaths } from '../agent-config';
import { ComputeCreateRequest, ComputeDriver, ComputeInstance, PortAttachment } from '../compute-driver';
import { AmphoraBootConfig, isMac } from '../qemu/amphora-config';
import { parseKnownHosts, verifyHostKey } from './host-key';
import {
  assessDevice,
  buildInstallPlan,
  DeviceError,
  factsScript,
  InstallPlan,
  layoutFor,
  Manifest,
  manifestPath,
  parseFacts,
  REMOTE_PATH,
  shq,
  SshDevice,
  uninstallScript,
  validateDevice,
} from './install-plan';

export interface SshDriverOptions {
  devices: SshDevice[];
  /** OpenSSH known_hosts file used for devices without a pinned fingerprint. */
  knownHostsFile?: string;
  /** Allocation state: <dataDir>/ssh/allocations.json. */
  dataDir: string;
  /** The agent bundle (dist/amphora-agent.js); bundled on first use when missing. */
  agentBundle?: string;
  /** Bound for "agent listening" after start (ms, default 60 s). */
  readyTimeoutMs?: number;
  connectTimeoutMs?: number;
  logger?: JsonLogger;
}

type Device = ReturnType<typeof validateDevice>;

interface Allocation {
  amphoraId: string;
  device: string;
  managementIp: string;
  init: string;
}

export class HostKeyRefusedError extends Error {}

const DEFAULT_BUNDLE = path.resolve(__dirname, '../../../../../dist/amphora-agent.js');

/**
 * Adopts existing Linux or OpenWrt devices as amphorae over SSH: the host key is verified against a
 * pinned fingerprint or known_hosts (never trusted on first use), the device is checked (arch, space,
 * HAProxy/keepalived/Node/ip present or installable with apt/opkg), then the agent bundle, certificates
 * and amphora-agent.conf are copied, a systemd unit / procd init script / detached process started and
 * the agent awaited. A manifest on the device lists what was installed; delete removes exactly that.
 */
export class SshComputeDriver implements ComputeDriver {
  readonly name = 'ssh';
  private readonly devices: Map<string, Device>;
  private readonly log: JsonLogger;
  private chain: Promise<unknown> = Promise.resolve();
  /** Last known allocations (for the synchronous agentPathsFor). */
  private allocCache: Allocation[] = [];

  constructor(private readonly opts: SshDriverOptions) {
    this.devices = new Map();
    for (const d of opts.devices) {
      const v = validateDevice(d);
      if (this.devices.has(v.name)) throw new DeviceError(`device ${v.name} is listed twice`);
      this.devices.set(v.name, v);
    }
    this.log = opts.logger ?? new JsonLogger('compute-ssh');
    try {
      this.allocCache = JSON.parse(readFileSync(this.allocFile, 'utf8')) as Allocation[];
    } catch {
      this.allocCache = [];
    }
  }

  /**
   * Where an adopted device's agent keeps its files (the worker renders HAProxy configs and
   * PUT /1.0/config with these): below the device's installRoot.
   */
  agentPathsFor(amphoraId: string, managementIp: string): AgentPaths {
    const alloc = this.allocCache.find((a) => a.amphoraId === amphoraId);
    const device = alloc ? this.devices.get(alloc.device) : undefined;
    const init = alloc?.init === 'systemd' || alloc?.init === 'procd' ? alloc.init : 'plain';
    const l = layoutFor(device?.installRoot ?? '/', init);
    return { basePath: l.basePath, certDir: l.certDir, serverCert: l.serverCert, clientCa: l.clientCa, networkDir: l.networkDir, bindHost: managementIp, platform: l.platform };
  }

  private get allocFile(): string {
    return path.join(this.opts.dataDir, 'ssh', 'allocations.json');
  }

  private async allocations(): Promise<Allocation[]> {
    try {
      return JSON.parse(await fs.readFile(this.allocFile, 'utf8')) as Allocation[];
    } catch {
      return [];
    }
  }

  private async saveAllocations(a: Allocation[]): Promise<void> {
    await fs.mkdir(path.dirname(this.allocFile), { recursive: true, mode: 0o700 });
    await fs.writeFile(`${this.allocFile}.tmp`, `${JSON.stringify(a, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(`${this.allocFile}.tmp`, this.allocFile);
    this.allocCache = a;
  }

  /** All operations of this driver run one at a time (allocation is a read-modify-write). */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  static computeIdOf(device: string): string {
    return `ssh-${device}`;
  }

  private deviceOf(computeId: string): Device | null {
    const m = /^ssh-(.+)$/.exec(computeId);
    return m ? (this.devices.get(m[1]) ?? null) : null;
  }

  /** Opens an SSH session after verifying the host key; refuses (and closes) on any mismatch. */
  async connect(device: Device): Promise<Client> {
    const knownHosts = this.opts.knownHostsFile && existsSync(this.opts.knownHostsFile) ? parseKnownHosts(await fs.readFile(this.opts.knownHostsFile, 'utf8')) : [];
    const privateKey = await fs.readFile(device.privateKeyFile);
    const client = new Client();
    let refusal: string | null = null;
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (err) => reject(refusal ? new HostKeyRefusedError(`device ${device.name}: ${refusal}`) : err));
      client.connect({
        host: device.host,
        port: device.port,
        username: device.username,
        privateKey,
        readyTimeout: this.opts.connectTimeoutMs ?? 20_000,
        hostVerifier: (key: Buffer) => {
          const verdict = verifyHostKey(key, { host: device.host, port: device.port, pinnedFingerprint: device.hostKeyFingerprint, knownHosts });
          if (!verdict.ok) {
            refusal = verdict.reason;
            this.log.warn(`ssh device ${device.name}: ${verdict.reason}; connection refused`);
            return false;
          }
          return true;
        },
      });
    });
    return client;
  }

  /** Runs a shell script on the device; rejects on a non-zero exit with its stderr. */
  static run(client: Client, script: string, input?: string | Buffer, timeoutMs = 120_000): Promise<string> {
    return new Promise((resolve, reject) => {
      client.exec(script, (err: Error | undefined, ch: ClientChannel) => {
        if (err) return reject(err);
        let out = '';
        let errOut = '';
        const t = setTimeout(() => {
          ch.close();
          reject(new Error(`remote command timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        ch.on('data', (d: Buffer) => (out += d.toString()));
        ch.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
        ch.on('close', (code: number | null) => {
          clearTimeout(t);
          if (code === 0) resolve(out);
          else reject(new Error(`remote command failed (exit ${code}): ${errOut.trim().slice(-2000)}`));
        });
        if (input !== undefined) ch.end(input);
        else ch.end();
      });
    });
  }

  private async agentBundle(): Promise<Buffer> {
    const file = this.opts.agentBundle ?? DEFAULT_BUNDLE;
    if (!existsSync(file)) {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { bundleAgent } = require('../../../../../scripts/bundle-agent.js') as { bundleAgent(o: { outfile: string }): Promise<string> };
      await bundleAgent({ outfile: file });
    }
    return fs.readFile(file);
  }

  create(req: ComputeCreateRequest): Promise<ComputeInstance> {
    return this.serialize(() => this.doCreate(req));
  }

  private async doCreate(req: ComputeCreateRequest): Promise<ComputeInstance> {
    const allocs = await this.allocations();
    let alloc = allocs.find((a) => a.amphoraId === req.amphoraId);
    const wanted = typeof req.hints?.device === 'string' ? req.hints.device : null;
    if (!alloc) {
      const used = new Set(allocs.map((a) => a.device));
      const candidates = [...this.devices.values()].filter((d) => !used.has(d.name) && (wanted === null || d.name === wanted));
      if (candidates.length === 0) throw new DeviceError(wanted ? `device ${wanted} is unknown or already adopted` : 'no free ssh device');
      const d = candidates[0];
      alloc = { amphoraId: req.amphoraId, device: d.name, managementIp: d.managementIp, init: 'pending' };
      allocs.push(alloc);
      await this.saveAllocations(allocs);
    }
    const device = this.devices.get(alloc.device);
    if (!device) throw new DeviceError(`device ${alloc.device} is no longer configured`);
    try {
      const init = await this.adopt(device, req);
      alloc.init = init;
      await this.saveAllocations(allocs);
    } catch (err) {
      if (!(err instanceof HostKeyRefusedError || err instanceof DeviceError)) {
        // Half-adopted (files copied, agent not answering): undo what the manifest lists, so that a
        // reverted flow leaves the device as it was. A retry of this create adopts again from scratch.
        await this.uninstall(device).catch((e: Error) => this.log.warn(`ssh device ${device.name}: clean-up after a failed adoption failed: ${e.message}`));
      }
      // The device is free again (host key refusals and failed checks installed nothing).
      await this.saveAllocations(allocs.filter((a) => a !== alloc));
      throw err;
    }
    return { computeId: SshComputeDriver.computeIdOf(device.name), managementIp: device.managementIp };
  }

  private async adopt(device: Device, req: ComputeCreateRequest): Promise<string> {
    const t0 = Date.now();
    const client = await this.connect(device);
    try {
      const run = (script: string, input?: string | Buffer, timeoutMs?: number) => SshComputeDriver.run(client, script, input, timeoutMs);
      const existing = await run(`cat ${shq(manifestPath(device.installRoot))} 2>/dev/null || true`);
      if (existing.trim()) {
        const m = JSON.parse(existing) as Manifest;
        if (m.amphoraId !== req.amphoraId) throw new DeviceError(`device ${device.name} already carries amphora ${m.amphoraId}`);
      }
      const facts = parseFacts(await run(factsScript(device.installRoot)));
      const { init, packages } = assessDevice(device, facts);
      this.log.info({ msg: 'ssh device checked', device: device.name, arch: facts.arch, freeKb: facts.freeKb, init, install: packages });
      const boot: AmphoraBootConfig = {
        version: 1,
        amphora_id: req.amphoraId,
        topology: req.agent.topology,
        agent: {
          bind_port: req.agent.bindPort,
          heartbeat_key: req.agent.heartbeatKey,
          heartbeat_interval: req.agent.heartbeatInterval,
          controller_ip_port_list: req.agent.controllerIpPortList,
        },
        // Devices keep their own addressing; the agent binds to the device's management address.
        management: { mac: isMac(req.management.macAddress.toLowerCase()) ? req.management.macAddress : '02:00:00:00:00:01', address: device.managementIp, prefix_length: 32, controller_ip: req.management.controllerIp },
      };
      const plan = buildInstallPlan(device, init, boot, { serverPem: req.agent.serverPem, clientCaPem: req.agent.clientCaPem }, await this.agentBundle());

      // Which directories do not exist yet (they, and only they, are removed again).
      const candidates = new Set<string>();
      for (const p of [...plan.dirs, ...plan.files.map((f) => path.posix.dirname(f.path))]) {
        for (let d = p; d !== '/' && d !== device.installRoot && d.startsWith(device.installRoot === '/' ? '/' : `${device.installRoot}/`); d = path.posix.dirname(d)) candidates.add(d);
      }
      const createdDirs = existing.trim()
        ? (JSON.parse(existing) as Manifest).createdDirs
        : (await run([...candidates].map((d) => `[ -d ${shq(d)} ] || echo ${shq(d)}`).join('\n') + '\ntrue')).split('\n').filter(Boolean);
      const priorPackages = existing.trim() ? (JSON.parse(existing) as Manifest).packages : [];
      const manifest: Manifest = {
        amphoraId: req.amphoraId,
        init,
        createdDirs,
        files: plan.files.map((f) => f.path),
        packages: [...new Set([...priorPackages, ...packages])],
        packageManager: facts.packageManager,
        extraFiles: [plan.pidFile, plan.logFile],
      };
      // The manifest goes first, so an interrupted adoption can still be undone.
      await this.putFile(run, manifestPath(device.installRoot), 0o600, JSON.stringify(manifest, null, 2));
      if (packages.length > 0) {
        const cmd =
          facts.packageManager === 'apt'
            ? `DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends ${packages.map(shq).join(' ')}`
            : `opkg update >/dev/null && opkg install ${packages.map(shq).join(' ')}`;
        await run(`${REMOTE_PATH}\n${cmd}`, undefined, 900_000);
      }
      await run(`${REMOTE_PATH}\n${plan.dirs.map((d) => `mkdir -p ${shq(d)}`).join('\n')}`);
      for (const f of plan.files) await this.putFile(run, f.path, f.mode, f.content);
      await run(`${REMOTE_PATH}\n${plan.start}`);
      await this.waitListening(run, plan, device, req.agent.bindPort);
      this.log.info({ msg: 'ssh device adopted', device: device.name, amphoraId: req.amphoraId, init, seconds: (Date.now() - t0) / 1000 });
      return init;
    } finally {
      client.end();
    }
  }

  private async putFile(run: (s: string, i?: string | Buffer) => Promise<string>, file: string, mode: number, content: string | Buffer): Promise<void> {
    const tmp = `${file}.octavia-tmp`;
    await run(
      `${REMOTE_PATH} umask 077; mkdir -p ${shq(path.posix.dirname(file))} && cat > ${shq(tmp)} && chmod ${mode.toString(8)} ${shq(tmp)} && mv -f ${shq(tmp)} ${shq(file)}`,
      content,
    );
  }

  /** The agent counts as started when its process runs and its port accepts connections on the device. */
  private async waitListening(run: (s: string) => Promise<string>, plan: InstallPlan, device: Device, port: number): Promise<void> {
    const probe = `node -e ${shq(
      `const s=require('net').connect(${port},${JSON.stringify(device.managementIp)});s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),2000)`,
    )}`;
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 60_000);
    for (;;) {
      const ok = await run(`${REMOTE_PATH}\n${plan.isRunning} && ${probe}`).then(
        () => true,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) {
        const logTail = await run(`tail -n 30 ${shq(plan.logFile)} 2>/dev/null || true`).catch(() => '');
        throw new Error(`device ${device.name}: the agent did not listen on ${device.managementIp}:${port} within ${this.opts.readyTimeoutMs ?? 60_000} ms\n${logTail}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  delete(computeId: string): Promise<void> {
    return this.serialize(async () => {
      const device = this.deviceOf(computeId);
      if (!device) return;
      const allocs = await this.allocations();
      const alloc = allocs.find((a) => a.device === device.name);
      await this.uninstall(device);
      if (alloc) await this.saveAllocations(allocs.filter((a) => a !== alloc));
    });
  }

  /** Stops the agent and removes what the device's manifest lists (nothing if there is no manifest). */
  private async uninstall(device: Device): Promise<void> {
    const client = await this.connect(device);
    try {
      const run = (s: string) => SshComputeDriver.run(client, s, undefined, 900_000);
      const text = await run(`cat ${shq(manifestPath(device.installRoot))} 2>/dev/null || true`);
      if (!text.trim()) return;
      const m = JSON.parse(text) as Manifest;
      const plan = buildInstallPlan(device, m.init, placeholderBoot(m.amphoraId), { serverPem: '', clientCaPem: '' }, Buffer.alloc(0));
      await run(uninstallScript(m, plan.stop, device.installRoot));
      this.log.info({ msg: 'ssh device released', device: device.name, amphoraId: m.amphoraId, removedFiles: m.files.length, removedPackages: m.packages });
    } finally {
      client.end();
    }
  }

  async exists(computeId: string): Promise<boolean> {
    const device = this.deviceOf(computeId);
    if (!device) return false;
    const alloc = (await this.allocations()).find((a) => a.device === device.name);
    if (!alloc || alloc.init === 'pending') return false;
    let client: Client;
    try {
      client = await this.connect(device);
    } catch {
      return false;
    }
    try {
      const text = await SshComputeDriver.run(client, `cat ${shq(manifestPath(device.installRoot))} 2>/dev/null || true`);
      if (!text.trim()) return false;
      const m = JSON.parse(text) as Manifest;
      const plan = buildInstallPlan(device, m.init, placeholderBoot(m.amphoraId), { serverPem: '', clientCaPem: '' }, Buffer.alloc(0));
      return await SshComputeDriver.run(client, `${REMOTE_PATH}\n${plan.isRunning}`).then(
        () => true,
        () => false,
      );
    } finally {
      client.end();
    }
  }

  /** Devices have the links they have: attaching succeeds only if a link with the port's MAC exists there. */
  attachPort(computeId: string, port: PortAttachment): Promise<void> {
    return this.serialize(async () => {
      const device = this.deviceOf(computeId);
      if (!device) throw new DeviceError(`unknown ssh compute id ${computeId}`);
      const mac = port.macAddress.toLowerCase();
      if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) throw new DeviceError(`port MAC "${port.macAddress}" is not valid`);
      const client = await this.connect(device);
      try {
        const links = await SshComputeDriver.run(client, `${REMOTE_PATH} cat /sys/class/net/*/address 2>/dev/null; for n in $(ip netns list 2>/dev/null | cut -d' ' -f1); do ip -n "$n" -o link 2>/dev/null; done; true`);
        if (!links.toLowerCase().includes(mac)) {
          throw new DeviceError(`device ${device.name} has no link with MAC ${mac}; adopted devices cannot grow NICs (cable it and give the port that MAC)`);
        }
      } finally {
        client.end();
      }
    });
  }

  /** Nothing to remove on a device: its links stay where they are cabled. */
  async detachPort(): Promise<void> {
    return undefined;
  }
}

function placeholderBoot(amphoraId: string): AmphoraBootConfig {
  return {
    version: 1,
    amphora_id: amphoraId,
    topology: 'SINGLE',
    agent: { bind_port: 9443, heartbeat_key: 'x', heartbeat_interval: 10, controller_ip_port_list: ['127.0.0.1:5555'] },
    management: { mac: '02:00:00:00:00:01', address: '127.0.0.1', prefix_length: 32, controller_ip: '127.0.0.1' },
  };
}
