import { promises as fs } from 'node:fs';
import { AgentContext } from '../agent-context';
import { commandOutput, ControlResult, ServiceAction } from '../platform/platform';
import { exists, readFileOrNull, writeFileAtomic } from '../util/files';
import { VrrpCheckScripts } from './vrrp-check-scripts';

export type VrrpUploadOutcome = { kind: 'installed' } | { kind: 'invalid'; output: string } | { kind: 'install_failed'; output: string };

/** The amphora's VRRP keepalived (ACTIVE_STANDBY), amphora-agent-api.md §3.14–3.15. */
export class VrrpManager {
  constructor(
    private readonly ctx: AgentContext,
    private readonly checkScripts: VrrpCheckScripts,
  ) {}

  isConfigured(): Promise<boolean> {
    return exists(this.ctx.paths.vrrpConfig);
  }

  isRunning(): Promise<boolean> {
    return this.ctx.platform.processes.isRunning(this.ctx.paths.vrrpService());
  }

  readConfig(): Promise<Buffer | null> {
    return readFileOrNull(this.ctx.paths.vrrpConfig);
  }

  /**
   * @param haproxySockets stats sockets of the running LBs, for the HAProxy check script
   * @param lvsListeners number of configured LVS listeners
   */
  async upload(body: Buffer, haproxySockets: string[], lvsListeners: number): Promise<VrrpUploadOutcome> {
    const paths = this.ctx.paths;
    await fs.mkdir(paths.vrrpCheckScriptsDir, { recursive: true });
    if (!(await exists(paths.vrrpCheckScript))) await this.checkScripts.writeMainScript();
    await this.checkScripts.refreshHaproxyCheck(haproxySockets, lvsListeners);

    const candidate = `${paths.vrrpConfig}.new`;
    await writeFileAtomic(candidate, body, 0o644);
    const keepalived = this.ctx.config().amphoraAgent.keepalivedCmd;
    // Run where the VRRP interface lives: keepalived -t also checks that it exists.
    const check = await this.ctx.platform.runner.run(this.ctx.platform.dataPlaneExec([keepalived, '-t', '-f', candidate]));
    if (check.code !== 0) {
      await fs.rename(candidate, `${candidate}-failed`);
      return { kind: 'invalid', output: commandOutput(check) };
    }
    await fs.rename(candidate, paths.vrrpConfig);
    const installed = await this.ctx.platform.processes.install(paths.vrrpService());
    return installed.ok ? { kind: 'installed' } : { kind: 'install_failed', output: installed.output };
  }

  /** `start` of a running keepalived becomes `reload` (upstream). */
  async control(action: ServiceAction): Promise<ControlResult> {
    const effective = action === 'start' && (await this.isRunning()) ? 'reload' : action;
    return this.ctx.platform.processes.control(this.ctx.paths.vrrpService(), effective);
  }
}
