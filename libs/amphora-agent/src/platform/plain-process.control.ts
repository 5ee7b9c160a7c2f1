import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseShowProc, queryHaproxySocket } from '../haproxy/haproxy-socket';
import { readFileOrNull } from '../util/files';
import { errorMessage, Logger } from '../util/logger';
import {
  CommandRunner,
  commandOutput,
  ControlResult,
  HaproxyService,
  KeepalivedService,
  ProcessControl,
  ServiceAction,
  ServiceSpec,
} from './platform';
import { delay, isPidAlive, readPidFile, signalPid, waitFor } from './process-liveness';
import { DaemonCommands, haproxyCheckArgv, haproxyRunArgv, keepalivedRunArgv } from './service-commands';

export interface PlainProcessOptions extends DaemonCommands {
  /** How long a start or reload may take before it counts as failed. */
  readyTimeoutMs?: number;
  /** Upper bound on the life of a worker replaced by a reload. */
  oldWorkerTimeoutMs?: number;
  stopTimeoutMs?: number;
}

interface SpawnedDaemon {
  child: ChildProcess;
  /** Size of the log before the daemon started: what follows is its start-up output. */
  logOffset: number;
}

const ok = (output: string): ControlResult => ({ ok: true, output });
const fail = (output: string): ControlResult => ({ ok: false, output });

/**
 * Plain processes, for amphorae that are network namespaces on the controller host (and for
 * tests). The agent already runs inside the namespace, so daemons are its own children in a
 * new session (they survive an agent restart); pids are tracked through the daemons' own pid
 * files and liveness is read from /proc.
 */
export class PlainProcessControl implements ProcessControl {
  readonly kind = 'plain' as const;
  private readonly children = new Map<string, ChildProcess>();
  private readonly readyTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly oldWorkerTimeoutMs: number;

  constructor(
    private readonly runner: CommandRunner,
    private readonly options: PlainProcessOptions,
    private readonly logger: Logger,
  ) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.oldWorkerTimeoutMs = options.oldWorkerTimeoutMs ?? 600_000;
  }

  async install(): Promise<ControlResult> {
    return ok('plain processes need no installation');
  }

  async uninstall(): Promise<void> {
    return undefined;
  }

  async isRunning(service: ServiceSpec): Promise<boolean> {
    const pid = await readPidFile(service.pidFile);
    return pid !== null && (await isPidAlive(pid, service.kind));
  }

  async control(service: ServiceSpec, action: ServiceAction): Promise<ControlResult> {
    switch (action) {
      case 'start':
        return (await this.isRunning(service)) ? ok(`${service.name} already running`) : this.start(service);
      case 'stop':
        return this.stop(service);
      case 'restart': {
        const stopped = await this.stop(service);
        return stopped.ok ? this.start(service) : stopped;
      }
      case 'reload':
        if (!(await this.isRunning(service))) return this.start(service);
        return service.kind === 'haproxy' ? this.reloadHaproxy(service) : this.reloadKeepalived(service);
    }
  }

  private async checkHaproxy(service: HaproxyService): Promise<ControlResult> {
    const result = await this.runner.run(haproxyCheckArgv(this.options, service));
    return result.code === 0 ? ok(commandOutput(result)) : fail(commandOutput(result));
  }

  private async start(service: ServiceSpec): Promise<ControlResult> {
    if (service.kind === 'haproxy') {
      const checked = await this.checkHaproxy(service);
      if (!checked.ok) return checked;
      // -W master-worker; -db keeps the master in the foreground (our child, reaped by us)
      // even if the config says `daemon`; -S exposes the master CLI that confirms reloads.
      await fs.rm(service.pidFile, { force: true });
      const daemon = this.spawnDaemon(service, haproxyRunArgv(this.options, service, 'foreground'));
      const ready = await this.waitReady(service, daemon, async () => {
        const state = parseShowProc(await queryHaproxySocket(service.masterSocket, 'show proc', 1000));
        return state !== null && state.currentWorkers.length > 0 && (await readPidFile(service.pidFile)) !== null;
      });
      return ready.ok ? ok(`haproxy daemon for ${service.lbId} started`) : ready;
    }
    // -n foreground, -l -D: detailed log to our log file instead of syslog.
    const [cmd, ...args] = keepalivedRunArgv(this.options, service, { foreground: true });
    await fs.rm(service.pidFile, { force: true });
    const daemon = this.spawnDaemon(service, [cmd, '-l', '-D', ...args]);
    const ready = await this.waitReady(service, daemon, async () => (await readPidFile(service.pidFile)) === daemon.child.pid);
    return ready.ok ? ok(`${service.name} started`) : ready;
  }

  private spawnDaemon(service: ServiceSpec, argv: string[]): SpawnedDaemon {
    const [cmd, ...args] = argv;
    mkdirSync(path.dirname(service.logFile), { recursive: true });
    const log = openSync(service.logFile, 'a');
    const logOffset = fstatSync(log).size;
    try {
      // detached: a new session, so signals aimed at the agent's process group spare it.
      const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log, log] });
      child.unref();
      this.children.set(service.name, child);
      child.on('error', (err) => this.logger.error('cannot spawn daemon', { service: service.name, error: err.message }));
      child.on('exit', (code, signal) => {
        if (this.children.get(service.name) === child) this.children.delete(service.name);
        this.logger.info('daemon exited', { service: service.name, pid: child.pid, code, signal });
      });
      this.logger.info('daemon spawned', { service: service.name, pid: child.pid, argv: [cmd, ...args] });
      return { child, logOffset };
    } finally {
      closeSync(log);
    }
  }

  /** Wait until `probe` succeeds, failing early (with the daemon's own words) if it dies. */
  private async waitReady(
    service: ServiceSpec,
    { child, logOffset }: SpawnedDaemon,
    probe: () => Promise<boolean>,
  ): Promise<ControlResult> {
    const deadline = Date.now() + this.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        await delay(50); // let the last log lines land
        const log = ((await readFileOrNull(service.logFile)) ?? Buffer.alloc(0)).subarray(logOffset).toString().trim();
        return fail(`process exited during start-up (code ${child.exitCode ?? child.signalCode})${log ? `\n${log.slice(-4000)}` : ''}`);
      }
      try {
        if (await probe()) return ok('ready');
      } catch (err) {
        this.logger.debug('daemon not ready yet', { error: errorMessage(err) });
      }
      await delay(50);
    }
    if (child.pid !== undefined) signalPid(child.pid, 'SIGKILL');
    return fail(`process not ready within ${this.readyTimeoutMs} ms`);
  }

  private async reloadHaproxy(service: HaproxyService): Promise<ControlResult> {
    const checked = await this.checkHaproxy(service);
    if (!checked.ok) return checked;
    const pid = await readPidFile(service.pidFile);
    if (pid === null) return this.start(service);
    const before = parseShowProc(await this.showProc(service));
    signalPid(pid, 'SIGUSR2');
    if (before === null) {
      // No master CLI answer: we cannot observe the reload; give the re-exec a moment.
      await delay(500);
      return ok('reload signalled');
    }
    let failure: string | null = null;
    const done = await waitFor(async () => {
      const now = parseShowProc(await this.showProc(service));
      if (now === null || now.reloads <= before.reloads) return false;
      if (now.failedReloads > before.failedReloads) failure = 'haproxy master reported a failed reload';
      return now.currentWorkers.length > 0 || failure !== null;
    }, this.readyTimeoutMs);
    if (failure) return fail(failure);
    if (!done) return fail(`haproxy did not complete its reload within ${this.readyTimeoutMs} ms`);
    this.boundOldWorkers(service, before.currentWorkers);
    return ok('reloaded');
  }

  /**
   * Old workers keep serving their open connections after a reload. The renderer bounds them
   * with `hard-stop-after`, but a config without it would leave them (and their memory) for
   * as long as a client holds a connection; so the agent stops the workers this reload
   * replaced if they are still there after `oldWorkerTimeoutMs`. They are looked up in
   * `show proc` at that time, so a recycled pid is never signalled.
   */
  private boundOldWorkers(service: HaproxyService, replaced: number[]): void {
    const timer = setTimeout(() => {
      void this.showProc(service).then((text) => {
        const state = parseShowProc(text);
        for (const pid of (state?.oldWorkers ?? []).filter((p) => replaced.includes(p))) {
          this.logger.warn('stopping an HAProxy worker that outlived its reload', { lb: service.lbId, pid });
          signalPid(pid, 'SIGTERM');
        }
      });
    }, this.oldWorkerTimeoutMs);
    timer.unref();
  }

  private async showProc(service: HaproxyService): Promise<string> {
    try {
      return await queryHaproxySocket(service.masterSocket, 'show proc', 1000);
    } catch (err) {
      // The master CLI disappears for a moment while the master re-executes itself.
      this.logger.debug('master CLI not answering', { error: errorMessage(err) });
      return '';
    }
  }

  private async reloadKeepalived(service: KeepalivedService): Promise<ControlResult> {
    const pid = await readPidFile(service.pidFile);
    if (pid === null || !signalPid(pid, 'SIGHUP')) return this.start(service);
    return ok('reload signalled');
  }

  private async stop(service: ServiceSpec): Promise<ControlResult> {
    const pid = await readPidFile(service.pidFile);
    if (pid === null || !(await isPidAlive(pid, service.kind))) {
      await fs.rm(service.pidFile, { force: true });
      return ok(`${service.name} not running`);
    }
    signalPid(pid, 'SIGTERM');
    const stopped = await waitFor(async () => !(await isPidAlive(pid)), this.stopTimeoutMs);
    if (!stopped) {
      signalPid(pid, 'SIGKILL');
      await waitFor(async () => !(await isPidAlive(pid)), 2000);
    }
    await fs.rm(service.pidFile, { force: true });
    return ok(`${service.name} stopped`);
  }
}
