import { existsSync, promises as fs, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { JsonLogger } from '../../../../common/src/logging/json-logger';
import {
  BridgeLocation,
  ComputeCreateRequest,
  ComputeDriver,
  ComputeInstance,
  PortAttachment,
} from '../compute-driver';
import { AgentPaths } from '../agent-config';
import { AmphoraBootConfig, isMac, VM_LAYOUT } from './amphora-config';
import { writeConfigDrive } from './config-drive';
import { ensureCommands, exec, execQuiet, pidAlive, sleep } from './host';
import { probeKvm, KvmProbeResult } from './kvm-probe';
import { QmpClient } from './qmp';
import {
  amphoraIdOf,
  buildQemuArgv,
  checkBridge,
  computeIdFor,
  DEFAULT_KERNEL_ARGS,
  helperCommand,
  qemuIdsFor,
  tapName,
} from './qemu-args';

export interface QemuDriverOptions {
  /** Where VMs keep their overlay, config drive, QMP socket and state: <dataDir>/qemu. */
  dataDir: string;
  /** Image directory holding debian-current/{amphora.qcow2,vmlinuz,initrd.img} (images/debian/build.sh). */
  imageDir: string;
  /** Image name below imageDir (default debian-current); `hints.image` overrides per amphora. */
  image?: string;
  memoryMb?: number;
  cpus?: number;
  /** auto = KVM only if a guest really boots under it, else TCG. */
  accel?: 'auto' | 'kvm' | 'tcg';
  qemuBinary?: string;
  /** Bound for waitForBoot (ms). */
  bootTimeoutMs?: number;
  /** Install qemu-system-x86 / qemu-utils / dosfstools / mtools with apt when missing (default true). */
  installMissing?: boolean;
  logger?: JsonLogger;
}

interface TapRecord {
  tap: string;
  namespace: string | null;
  bridge: string;
  /** null = the management NIC. */
  portId: string | null;
  mac: string;
  netdev: string;
  device: string;
}

interface VmState {
  amphoraId: string;
  computeId: string;
  managementIp: string;
  pid: number;
  accel: 'kvm' | 'tcg';
  image: string;
  startedAt: string;
  taps: TapRecord[];
}

const HELPER = path.join(__dirname, 'tap-helper.py');
const PYTHON = '/usr/bin/python3';

/**
 * Boot milestones seen on the serial console: the kernel's first line, systemd, the agent's unit started (Node
 * starting; before the first-boot step, which runs inside the agent since the images with vmlinux), the
 * first-boot step done, the agent's API listening (the last one).
 */
export const BOOT_MARKERS: Array<[string, RegExp]> = [
  ['kernel', /Linux version |Loading, please wait|Run \/init|amphora initramfs: /],
  ['init', /systemd\[1\]|Welcome to /],
  ['agent-started', /Started amphora-agent\.service|Started .*octavia-ts amphora agent/],
  ['firstboot', /amphora-firstboot: amphora /],
  ['agent-listening', /amphora-agent: agent API listening/],
];

/**
 * Amphorae as QEMU VMs: the Debian image booted directly (kernel + initrd) from a copy-on-write qcow2
 * overlay, one TAP per plugged network on its bridge (created inside the bridge's namespace and handed
 * to QEMU by tap-helper.py), a config drive for first boot, a serial log kept under the data dir, and a
 * QMP socket for NIC hot-plug. QEMU daemonizes, so VMs outlive the worker; state.json lets any worker
 * find, change or delete them again.
 */
export class QemuComputeDriver implements ComputeDriver {
  readonly name = 'qemu';
  private readonly log: JsonLogger;
  private kvm: KvmProbeResult | null = null;
  private toolsChecked = false;
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Milestones create's boot wait saw, per VM and start (waitForBoot answers with them afterwards). */
  private readonly milestones = new Map<string, { startedAt: string; seen: Record<string, number> }>();

  constructor(private readonly opts: QemuDriverOptions) {
    this.log = opts.logger ?? new JsonLogger('compute-qemu');
  }

  private get qemu(): string {
    return this.opts.qemuBinary ?? 'qemu-system-x86_64';
  }
  private get root(): string {
    return path.join(this.opts.dataDir, 'qemu');
  }
  vmDir(computeId: string): string {
    return path.join(this.root, 'vms', computeId);
  }
  serialLogPath(computeId: string): string {
    return path.join(this.root, 'logs', `${computeId}.serial.log`);
  }
  private qmpPath(computeId: string): string {
    // unix socket paths are limited to 107 bytes; fall back to /run for deep data dirs.
    const p = path.join(this.vmDir(computeId), 'qmp.sock');
    return p.length < 100 ? p : path.join('/run/octavia-ts-qemu', `${computeId.slice(5, 18)}.qmp`);
  }

  /** One operation per VM at a time (create/attach/detach/delete of the same VM never interleave). */
  private serialize<T>(computeId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(computeId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.locks.set(
      computeId,
      next.catch(() => undefined),
    );
    return next;
  }

  async prepare(): Promise<void> {
    if (!this.toolsChecked) {
      if (this.opts.installMissing !== false) {
        const installed = await ensureCommands({
          'qemu-system-x86_64': 'qemu-system-x86',
          'qemu-img': 'qemu-utils',
          'mkfs.vfat': 'dosfstools',
          mcopy: 'mtools',
        });
        if (installed.length) this.log.info({ msg: 'installed host packages', packages: installed });
      }
      this.toolsChecked = true;
    }
  }

  /** The image's layout (what the first-boot step writes); the worker renders PUT /1.0/config with it. */
  agentPathsFor(_amphoraId: string, managementIp: string): AgentPaths {
    const l = VM_LAYOUT;
    return { basePath: l.basePath, certDir: l.certDir, serverCert: l.serverCert, clientCa: l.clientCa, networkDir: l.networkDir, bindHost: managementIp, platform: 'systemd' };
  }

  /** Which accelerator VMs get: the configured one, or for `auto` KVM only if a guest really boots under it. */
  async accelerator(kernel: string): Promise<'kvm' | 'tcg'> {
    const want = this.opts.accel ?? 'auto';
    if (want !== 'auto') return want;
    if (!this.kvm) {
      // Probed once per host boot, qemu binary and kernel; the answer is kept under the data dir.
      // /run is per host boot anyway; every data dir of this host shares the answer.
      const cacheFile = existsSync('/run') ? '/run/octavia-ts-qemu/kvm-probe.json' : path.join(this.root, 'kvm-probe.json');
      const key = `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()} ${this.qemu} ${kernel}`;
      const cached = await fs.readFile(cacheFile, 'utf8').then((t) => JSON.parse(t) as KvmProbeResult & { key: string }, () => null);
      if (cached && cached.key === key) {
        this.kvm = cached;
      } else {
        this.kvm = await probeKvm(this.qemu, kernel, path.join(this.root, 'probe'));
        await fs.mkdir(path.dirname(cacheFile), { recursive: true });
        await fs.writeFile(cacheFile, JSON.stringify({ ...this.kvm, key }));
      }
      this.log.info({ msg: 'KVM probe', usable: this.kvm.usable, reason: this.kvm.reason, seconds: this.kvm.seconds, cached: !!cached && cached.key === key });
    }
    return this.kvm.usable ? 'kvm' : 'tcg';
  }

  imagePaths(image?: string): { dir: string; qcow2: string; kernel: string; initrd: string } {
    const name = image ?? this.opts.image ?? 'debian-current';
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) throw new Error(`image name "${name}" is not valid`);
    const dir = path.join(this.opts.imageDir, name);
    const real = existsSync(dir) ? path.resolve(this.opts.imageDir, readlinkOr(dir)) : dir;
    return {
      dir: real,
      qcow2: path.join(real, 'amphora.qcow2'),
      // The uncompressed kernel (booted through its PVH entry) when the image has one: inflating a bzImage
      // takes seconds under TCG. Images built before it boot their vmlinuz.
      kernel: existsSync(path.join(real, 'vmlinux')) ? path.join(real, 'vmlinux') : path.join(real, 'vmlinuz'),
      initrd: path.join(real, 'initrd.img'),
    };
  }

  private async readState(computeId: string): Promise<VmState | null> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.vmDir(computeId), 'state.json'), 'utf8')) as VmState;
    } catch {
      return null;
    }
  }

  private async writeState(state: VmState): Promise<void> {
    const file = path.join(this.vmDir(state.computeId), 'state.json');
    await fs.writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(`${file}.tmp`, file);
  }

  /** The pid is ours only if that process is QEMU started for this VM (pids get reused). */
  private ourPid(state: VmState | null): number | null {
    if (!state?.pid || !pidAlive(state.pid)) return null;
    try {
      const cmdline = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8');
      return cmdline.includes(this.vmDir(state.computeId)) ? state.pid : null;
    } catch {
      return null;
    }
  }

  async exists(computeId: string): Promise<boolean> {
    if (!amphoraIdOf(computeId)) return false;
    return this.ourPid(await this.readState(computeId)) !== null;
  }

  create(req: ComputeCreateRequest): Promise<ComputeInstance> {
    const computeId = computeIdFor(req.amphoraId);
    return this.serialize(computeId, () => this.doCreate(computeId, req));
  }

  private async doCreate(computeId: string, req: ComputeCreateRequest): Promise<ComputeInstance> {
    const existing = await this.readState(computeId);
    if (existing && this.ourPid(existing) !== null) {
      return { computeId, managementIp: existing.managementIp };
    }
    if (existing) await this.teardown(computeId, existing);
    const mgmt = req.management;
    if (!mgmt.bridge) throw new Error('the qemu driver needs a management bridge');
    checkBridge(mgmt.bridge);
    if (!isMac(mgmt.macAddress.toLowerCase())) throw new Error(`management MAC "${mgmt.macAddress}" is not a unicast MAC`);
    await this.prepare();
    const hintImage = typeof req.hints?.image === 'string' ? req.hints.image : undefined;
    const img = this.imagePaths(hintImage);
    for (const f of [img.qcow2, img.kernel, img.initrd]) {
      if (!existsSync(f)) throw new Error(`amphora image file ${f} is missing: build it with "npm run image:debian"`);
    }
    const accel = await this.accelerator(img.kernel);
    const dir = this.vmDir(computeId);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.mkdir(path.dirname(this.serialLogPath(computeId)), { recursive: true });
    await fs.mkdir(path.dirname(this.qmpPath(computeId)), { recursive: true });
    const overlay = path.join(dir, 'overlay.qcow2');
    const configDrive = path.join(dir, 'config.img');
    const pidFile = path.join(dir, 'qemu.pid');
    await fs.rm(overlay, { force: true });
    await exec(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', img.qcow2, overlay]);
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
      management: {
        mac: mgmt.macAddress.toLowerCase(),
        address: mgmt.ip,
        prefix_length: mgmt.prefixLength,
        controller_ip: mgmt.controllerIp,
      },
    };
    await writeConfigDrive(configDrive, boot, req.agent.serverPem, req.agent.clientCaPem);

    const mgmtTap: TapRecord = {
      tap: tapName(computeId, null),
      namespace: mgmt.bridge.namespace,
      bridge: mgmt.bridge.bridge,
      portId: null,
      mac: mgmt.macAddress.toLowerCase(),
      netdev: 'nmgmt',
      device: 'mgmt0',
    };
    const state: VmState = {
      amphoraId: req.amphoraId.toLowerCase(),
      computeId,
      managementIp: mgmt.ip,
      pid: 0,
      accel,
      image: img.dir,
      startedAt: new Date().toISOString(),
      taps: [mgmtTap],
    };
    await this.writeState(state);
    await this.createTap(mgmtTap);
    const argv = buildQemuArgv({
      name: `amphora-${req.amphoraId.slice(0, 8)}`,
      accel,
      memoryMb: this.opts.memoryMb ?? 512,
      cpus: this.opts.cpus ?? 1,
      kernel: img.kernel,
      initrd: img.initrd,
      overlay,
      configDrive,
      serialLog: this.serialLogPath(computeId),
      qmpSocket: this.qmpPath(computeId),
      pidFile,
      kernelArgs: DEFAULT_KERNEL_ARGS,
      management: { netdev: mgmtTap.netdev, helper: helperCommand(HELPER, PYTHON, mgmtTap.tap, mgmtTap.namespace), mac: mgmtTap.mac },
      qemuBinary: this.qemu,
    });
    await fs.appendFile(this.serialLogPath(computeId), `\n=== octavia-ts: starting ${computeId} (${accel}) at ${state.startedAt} ===\n`);
    try {
      await exec(argv, { timeoutMs: 60_000 });
    } catch (err) {
      await this.teardown(computeId, state);
      throw err;
    }
    state.pid = Number((await fs.readFile(pidFile, 'utf8')).trim());
    await this.writeState(state);
    this.log.info({ msg: 'amphora VM started', computeId, pid: state.pid, accel, managementIp: mgmt.ip, image: img.dir });
    await this.bootWait(computeId);
    return { computeId, managementIp: mgmt.ip };
  }

  /**
   * What Nova's ACTIVE is to upstream: create returns once the serial console shows the agent's API listening,
   * so the controller's connectivity wait finds it at its first attempt instead of some way into its retry
   * backoff (up to `connection_retry_interval` late). A VM whose QEMU exits fails the create; one that says
   * nothing within `boot_timeout` is left to the controller's connectivity wait, which decides.
   */
  private async bootWait(computeId: string): Promise<void> {
    try {
      await this.waitForBoot(computeId, undefined, true);
    } catch (err) {
      const state = await this.readState(computeId);
      if (state && this.ourPid(state) === null) throw err;
      this.log.warn(`amphora VM ${computeId}: ${(err as Error).message.split('\n')[0]}; leaving it to the connectivity wait`);
    }
  }

  /**
   * Follows the serial log until the agent's API listens or `timeoutMs` passed, logging every
   * milestone with its time since QEMU started. Resolves with the milestones; rejects on timeout or if
   * QEMU exits, with the tail of the serial log.
   */
  async waitForBoot(computeId: string, timeoutMs = this.opts.bootTimeoutMs ?? 300_000, logMilestones = false): Promise<Record<string, number>> {
    const state = await this.readState(computeId);
    if (!state) throw new Error(`no VM ${computeId}`);
    const known = this.milestones.get(computeId);
    if (known && known.startedAt === state.startedAt) return { ...known.seen };
    const started = Date.parse(state.startedAt);
    const logFile = this.serialLogPath(computeId);
    const seen: Record<string, number> = {};
    const deadline = Date.now() + timeoutMs;
    let text = '';
    const marker = `=== octavia-ts: starting ${computeId} (${state.accel}) at ${state.startedAt} ===`;
    for (;;) {
      const all = await fs.readFile(logFile, 'utf8').catch(() => '');
      const at = all.lastIndexOf(marker);
      text = at >= 0 ? all.slice(at) : all;
      for (const [name, re] of BOOT_MARKERS) {
        if (seen[name] === undefined && re.test(text)) {
          seen[name] = Math.round((Date.now() - started) / 100) / 10;
          if (logMilestones) this.log.info({ msg: 'amphora VM boot', computeId, milestone: name, secondsSinceStart: seen[name] });
        }
      }
      if (seen['agent-listening'] !== undefined) {
        this.milestones.set(computeId, { startedAt: state.startedAt, seen: { ...seen } });
        return seen;
      }
      if (this.ourPid(state) === null) {
        throw new Error(`VM ${computeId} exited during boot; serial log tail:\n${text.slice(-3000)}`);
      }
      if (Date.now() > deadline) {
        if (logMilestones) this.log.warn(`amphora VM ${computeId}: boot wait timed out after ${timeoutMs} ms, milestones ${JSON.stringify(seen)}`);
        throw new Error(`VM ${computeId} did not start its agent within ${timeoutMs} ms (milestones ${JSON.stringify(seen)}); serial log tail:\n${text.slice(-3000)}`);
      }
      await sleep(100);
    }
  }

  private async createTap(t: TapRecord): Promise<void> {
    const ip = (args: string[]) => (t.namespace ? ['ip', '-n', t.namespace, ...args] : ['ip', ...args]);
    if (!(await execQuiet(ip(['link', 'show', 'dev', t.tap])))) {
      await exec(ip(['tuntap', 'add', 'dev', t.tap, 'mode', 'tap', 'vnet_hdr']));
    }
    await exec(ip(['link', 'set', 'dev', t.tap, 'master', t.bridge]));
    await exec(ip(['link', 'set', 'dev', t.tap, 'up']));
  }

  private async removeTap(t: { tap: string; namespace: string | null }): Promise<void> {
    await execQuiet(t.namespace ? ['ip', '-n', t.namespace, 'link', 'del', 'dev', t.tap] : ['ip', 'link', 'del', 'dev', t.tap]);
  }

  private async withQmp<T>(computeId: string, fn: (q: QmpClient) => Promise<T>): Promise<T> {
    const q = await QmpClient.connect(this.qmpPath(computeId));
    try {
      return await fn(q);
    } finally {
      q.close();
    }
  }

  attachPort(computeId: string, port: PortAttachment): Promise<void> {
    return this.serialize(computeId, async () => {
      const state = await this.readState(computeId);
      if (!state || this.ourPid(state) === null) throw new Error(`no running VM ${computeId}`);
      if (state.taps.some((t) => t.portId === port.portId)) return;
      checkBridge(port.bridge);
      const mac = port.macAddress.toLowerCase();
      if (!isMac(mac)) throw new Error(`port MAC "${port.macAddress}" is not a unicast MAC`);
      const ids = qemuIdsFor(port.portId);
      const rec: TapRecord = { tap: tapName(computeId, port.portId), namespace: port.bridge.namespace, bridge: port.bridge.bridge, portId: port.portId, mac, ...ids };
      // Recorded first, so that a crash half-way leaves something delete/detach can find.
      state.taps.push(rec);
      await this.writeState(state);
      await this.createTap(rec);
      await this.withQmp(computeId, async (q) => {
        await q
          .execute('netdev_add', { type: 'bridge', id: rec.netdev, br: rec.bridge, helper: helperCommand(HELPER, PYTHON, rec.tap, rec.namespace) })
          .catch((e: Error) => {
            if (!/Duplicate|already exists/i.test(e.message)) throw e;
          });
        await q.execute('device_add', { driver: 'virtio-net-pci', id: rec.device, netdev: rec.netdev, mac }).catch((e: Error) => {
          if (!/Duplicate|already exists/i.test(e.message)) throw e;
        });
      });
      this.log.info({ msg: 'port hot-plugged', computeId, portId: port.portId, mac, tap: rec.tap, bridge: port.bridge });
    });
  }

  detachPort(computeId: string, portId: string): Promise<void> {
    return this.serialize(computeId, async () => {
      const state = await this.readState(computeId);
      const rec = state?.taps.find((t) => t.portId === portId);
      if (!state || !rec) return;
      if (this.ourPid(state) !== null) {
        await this.withQmp(computeId, async (q) => {
          const removed = await q.execute('device_del', { id: rec.device }).then(
            () => q.waitEvent((e) => e.event === 'DEVICE_DELETED' && e.data?.device === rec.device, 60_000),
            (e: Error) => /not found/i.test(e.message),
          );
          if (!removed) this.log.warn(`device_del ${rec.device} on ${computeId}: the guest did not release the NIC within 60 s`);
          await q.execute('netdev_del', { id: rec.netdev }).catch(() => undefined);
        });
      }
      await this.removeTap(rec);
      state.taps = state.taps.filter((t) => t !== rec);
      await this.writeState(state);
      this.log.info({ msg: 'port unplugged', computeId, portId });
    });
  }

  delete(computeId: string): Promise<void> {
    if (!amphoraIdOf(computeId)) return Promise.resolve();
    return this.serialize(computeId, async () => {
      const state = await this.readState(computeId);
      await this.teardown(computeId, state);
      this.log.info({ msg: 'amphora VM deleted', computeId });
    });
  }

  /** Kill QEMU by pid, remove its TAPs, overlay, config drive, socket and state (the serial log stays). */
  private async teardown(computeId: string, state: VmState | null): Promise<void> {
    const pid = this.ourPid(state);
    if (pid !== null) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 50 && pidAlive(pid); i++) await sleep(100);
      if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 50 && pidAlive(pid); i++) await sleep(100);
    }
    for (const t of state?.taps ?? []) await this.removeTap(t);
    await fs.rm(this.qmpPath(computeId), { force: true });
    await fs.rm(this.vmDir(computeId), { recursive: true, force: true });
    this.milestones.delete(computeId);
  }

  /** TAP names of a VM (tests check that deletion removes them). */
  async tapsOf(computeId: string): Promise<Array<{ tap: string; namespace: string | null; portId: string | null }>> {
    return ((await this.readState(computeId))?.taps ?? []).map((t) => ({ tap: t.tap, namespace: t.namespace, portId: t.portId }));
  }
}

function readlinkOr(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return p;
  }
}

export type { BridgeLocation };
