import { promises as fs } from 'node:fs';
import { AgentContext } from '../agent-context';
import { commandOutput, ControlResult, HaproxyService, ServiceAction } from '../platform/platform';
import { haproxyCheckArgv } from '../platform/service-commands';
import { exists, readFileOrNull, removeIfExists, writeFileAtomic } from '../util/files';
import { errorMessage } from '../util/logger';
import { peerName, sanitiseHaproxyConfig, summariseHaproxyConfig, HaproxyConfigSummary } from './haproxy-config';
import { queryHaproxySocket } from './haproxy-socket';

/**
 * The stats socket path comes from the uploaded config; only ever unlink a socket there, so a
 * config naming some other file cannot make the delete route remove it.
 */
async function removeSocket(file: string): Promise<void> {
  try {
    if ((await fs.lstat(file)).isSocket()) await fs.unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

export type HaproxyUploadOutcome =
  | { kind: 'installed' }
  | { kind: 'invalid'; output: string }
  | { kind: 'install_failed'; output: string };

/** One HAProxy per load balancer: config files, validation and lifecycle. */
export class HaproxyManager {
  constructor(private readonly ctx: AgentContext) {}

  private get paths() {
    return this.ctx.paths;
  }

  async listLoadBalancers(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await fs.readdir(this.paths.basePath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const found: string[] = [];
    for (const entry of entries.sort()) {
      if (await exists(this.paths.haproxyConfig(entry))) found.push(entry);
    }
    return found;
  }

  exists(lbId: string): Promise<boolean> {
    return exists(this.paths.haproxyConfig(lbId));
  }

  async readConfig(lbId: string): Promise<Buffer | null> {
    return readFileOrNull(this.paths.haproxyConfig(lbId));
  }

  async summary(lbId: string): Promise<HaproxyConfigSummary | null> {
    const text = await this.readConfig(lbId);
    return text === null ? null : summariseHaproxyConfig(text.toString('utf8'));
  }

  async service(lbId: string): Promise<HaproxyService> {
    const recorded = await readFileOrNull(this.paths.peerNameFile(lbId));
    const peer = recorded?.toString().trim() || peerName(this.ctx.config().amphoraAgent.amphoraId);
    return this.paths.haproxyService(lbId, peer);
  }

  async isRunning(lbId: string): Promise<boolean> {
    return this.ctx.platform.processes.isRunning(await this.service(lbId));
  }

  async runningLoadBalancers(): Promise<string[]> {
    const running: string[] = [];
    for (const lb of await this.listLoadBalancers()) {
      if (await this.isRunning(lb)) running.push(lb);
    }
    return running;
  }

  /**
   * The user-group file every `haproxy` invocation appends (created at image build upstream).
   * Namespace amphorae share the host's file-descriptor hard limit, which may be far below
   * what the rendered `maxconn` asks for; there HAProxy should run with what it can get
   * instead of refusing to start (`no strict-limits`).
   */
  async ensureUserGroupConfig(): Promise<void> {
    const groups = (await readFileOrNull('/etc/group'))?.toString() ?? '';
    const group = /^nogroup:/m.test(groups) ? 'nogroup' : 'haproxy';
    const lines = ['global', `    group ${group}`];
    if (this.ctx.platform.name === 'netns') lines.push('    no strict-limits');
    const text = `${lines.join('\n')}\n`;
    if ((await readFileOrNull(this.paths.userGroupConfig))?.toString() === text) return;
    await writeFileAtomic(this.paths.userGroupConfig, text, 0o644);
  }

  /**
   * Upload steps of amphora-agent-api.md §3.4: sanitise, write `haproxy.cfg.new`, validate
   * with `haproxy -c`, rename into place, register with the init system. Never touches the
   * running process; the controller follows with a reload.
   */
  async upload(amphoraId: string, lbId: string, body: Buffer): Promise<HaproxyUploadOutcome> {
    const versions = await this.ctx.versions();
    const text = sanitiseHaproxyConfig(body.toString('latin1'), versions.haproxy ?? '2.0');
    const dir = this.paths.lbDir(lbId);
    await fs.mkdir(dir, { recursive: true });
    await this.ensureUserGroupConfig();
    const candidate = `${this.paths.haproxyConfig(lbId)}.new`;
    await writeFileAtomic(candidate, Buffer.from(text, 'latin1'), 0o600);

    const peer = peerName(amphoraId);
    const service = { ...this.paths.haproxyService(lbId, peer), configPath: candidate };
    const check = await this.ctx.platform.runner.run(haproxyCheckArgv(this.ctx.config().haproxyAmphora, service));
    if (check.code !== 0) {
      await fs.rename(candidate, `${candidate}-failed`);
      return { kind: 'invalid', output: commandOutput(check) };
    }
    await fs.rename(candidate, this.paths.haproxyConfig(lbId));
    await writeFileAtomic(this.paths.peerNameFile(lbId), `${peer}\n`, 0o644);
    const installed = await this.ctx.platform.processes.install(this.paths.haproxyService(lbId, peer));
    return installed.ok ? { kind: 'installed' } : { kind: 'install_failed', output: installed.output };
  }

  /** start/stop/reload; `reload` of a stopped LB starts it (amphora-agent-api.md §3.6). */
  async control(lbId: string, action: ServiceAction): Promise<ControlResult> {
    const service = await this.service(lbId);
    const running = await this.ctx.platform.processes.isRunning(service);
    if (action === 'reload' && running) await this.saveServerState(lbId);
    return this.ctx.platform.processes.control(service, action === 'reload' && !running ? 'start' : action);
  }

  /** Server state survives the reload (`load-server-state-from-file global`); best effort. */
  private async saveServerState(lbId: string): Promise<void> {
    try {
      const state = await queryHaproxySocket(this.paths.statsSocket(lbId), 'show servers state', 2000);
      await writeFileAtomic(this.paths.serversState(lbId), state, 0o600);
    } catch (err) {
      this.ctx.logger.warn('could not save servers state before reload', { lb: lbId, error: errorMessage(err) });
    }
  }

  /** Stop and forget an LB; absent LBs succeed (idempotent delete). */
  async remove(lbId: string): Promise<ControlResult> {
    const service = await this.service(lbId);
    const summary = await this.summary(lbId);
    if (await this.ctx.platform.processes.isRunning(service)) {
      const stopped = await this.ctx.platform.processes.control(service, 'stop');
      if (!stopped.ok) return stopped;
    }
    await removeSocket(summary?.statsSocket ?? this.paths.statsSocket(lbId));
    await removeIfExists(this.paths.certDir(lbId));
    await this.ctx.platform.processes.uninstall(service);
    await removeIfExists(this.paths.lbDir(lbId));
    await removeIfExists(service.logFile);
    return { ok: true, output: '' };
  }
}
