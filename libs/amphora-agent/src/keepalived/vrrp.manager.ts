import { promises as fs } from 'node:fs';
import { AgentContext } from '../agent-context';
import { ControlResult, ServiceAction } from '../platform/platform';
import { keepalivedConfigTest } from './keepalived-config-test';
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
    const check = await keepalivedConfigTest(this.ctx, candidate);
    if (!check.ok) {
      await fs.rename(candidate, `${candidate}-failed`);
      return { kind: 'invalid', output: check.output };
    }
    await fs.rename(candidate, paths.vrrpConfig);
    const installed = await this.ctx.platform.processes.install(paths.vrrpService());
    return installed.ok ? { kind: 'installed' } : { kind: 'install_failed', output: installed.output };
  }

  /** `start` of a running keepalived becomes `reload` (upstream); returns what was done. */
  async control(action: ServiceAction): Promise<{ result: ControlResult; action: ServiceAction }> {
    const effective = action === 'start' && (await this.isRunning()) ? 'reload' : action;
    return { result: await this.ctx.platform.processes.control(this.ctx.paths.vrrpService(), effective), action: effective };
  }
}
