import { promises as fs } from 'node:fs';
import { AgentContext } from '../agent-context';
import { ControlResult, KeepalivedService, ServiceAction } from '../platform/platform';
import { keepalivedConfigTest } from './keepalived-config-test';
import { exists, readFileOrNull, removeIfExists, writeFileAtomic } from '../util/files';
import { parseLvsConfig, LvsListenerConfig, withoutNetNamespace } from './lvs-config';

export type LvsUploadOutcome = { kind: 'installed' } | { kind: 'invalid'; output: string } | { kind: 'install_failed'; output: string };

const LISTENER_FILE = /^octavia-keepalivedlvs-(.+)\.conf$/;

/** The health check keepalived runs for UDP-CONNECT monitors (`udp_check.sh <ip> <port>`). */
const UDP_CHECK_SCRIPT = `#!/bin/sh
# UDP "connect" check: succeeds unless the member answers with ICMP port unreachable.
nc_cmd=$(command -v nc) || exit 1
if "$nc_cmd" --version 2>&1 | grep -q nmap; then wait_opt="-i1"; else wait_opt="-w1"; fi
"$nc_cmd" -uzv $wait_opt "$1" "$2" >/dev/null 2>&1
`;

/** One keepalived process per UDP/SCTP listener (amphora-agent-api.md §3.8). */
export class LvsManager {
  constructor(private readonly ctx: AgentContext) {}

  private get paths() {
    return this.ctx.paths;
  }

  /** Platforms without a separate data-plane namespace run a copy without `net_namespace`. */
  private get usesRuntimeCopy(): boolean {
    return this.ctx.platform.dataPlaneNamespace === null;
  }

  service(listenerId: string): KeepalivedService {
    return this.paths.lvsService(listenerId, this.usesRuntimeCopy);
  }

  async listListeners(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await fs.readdir(this.paths.lvsDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return entries
      .map((e) => LISTENER_FILE.exec(e)?.[1])
      .filter((id): id is string => id !== undefined && !id.endsWith('.runtime'))
      .sort();
  }

  exists(listenerId: string): Promise<boolean> {
    return exists(this.paths.lvsConfig(listenerId));
  }

  readConfig(listenerId: string): Promise<Buffer | null> {
    return readFileOrNull(this.paths.lvsConfig(listenerId));
  }

  async parsedConfig(listenerId: string): Promise<LvsListenerConfig | null> {
    const text = await this.readConfig(listenerId);
    return text === null ? null : parseLvsConfig(text.toString('utf8'));
  }

  isRunning(listenerId: string): Promise<boolean> {
    return this.ctx.platform.processes.isRunning(this.service(listenerId));
  }

  async upload(listenerId: string, body: Buffer): Promise<LvsUploadOutcome> {
    await fs.mkdir(this.paths.lvsDir, { recursive: true });
    if (!(await exists(this.paths.udpCheckScript))) {
      await writeFileAtomic(this.paths.udpCheckScript, UDP_CHECK_SCRIPT, 0o700);
    }
    const candidate = `${this.paths.lvsConfig(listenerId)}.new`;
    await writeFileAtomic(candidate, body, 0o644);
    const check = await keepalivedConfigTest(this.ctx, candidate);
    if (!check.ok) {
      await fs.rename(candidate, `${candidate}-failed`);
      return { kind: 'invalid', output: check.output };
    }
    await fs.rename(candidate, this.paths.lvsConfig(listenerId));
    if (this.usesRuntimeCopy) {
      await writeFileAtomic(this.paths.lvsRuntimeConfig(listenerId), withoutNetNamespace(body.toString('utf8')), 0o644);
    }
    const installed = await this.ctx.platform.processes.install(this.service(listenerId));
    return installed.ok ? { kind: 'installed' } : { kind: 'install_failed', output: installed.output };
  }

  /** keepalived's reload does not restore member state, so reload means restart (upstream). */
  control(listenerId: string, action: ServiceAction): Promise<ControlResult> {
    return this.ctx.platform.processes.control(this.service(listenerId), action === 'reload' ? 'restart' : action);
  }

  async remove(listenerId: string): Promise<ControlResult> {
    const service = this.service(listenerId);
    if (await this.ctx.platform.processes.isRunning(service)) {
      const stopped = await this.ctx.platform.processes.control(service, 'stop');
      if (!stopped.ok) return stopped;
    }
    await Promise.all([service.pidFile, service.vrrpPidFile, service.checkersPidFile].map((f) => removeIfExists(f)));
    await this.ctx.platform.processes.uninstall(service);
    await removeIfExists(this.paths.lvsConfig(listenerId));
    await removeIfExists(this.paths.lvsRuntimeConfig(listenerId));
    return { ok: true, output: '' };
  }

  /** Pid files of every configured LVS listener, for the VRRP check script. */
  async pidFiles(): Promise<string[]> {
    return (await this.listListeners()).map((id) => this.service(id).pidFile);
  }
}
