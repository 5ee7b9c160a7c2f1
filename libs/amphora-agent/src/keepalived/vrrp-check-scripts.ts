import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AgentPaths } from '../agent-paths';
import { shellJoin, shellQuote } from '../platform/service-commands';
import { writeFileAtomic } from '../util/files';

/**
 * The scripts keepalived's `vrrp_script` runs in ACTIVE_STANDBY (amphora-agent-api.md §5.4):
 * `check_script.sh` runs every file in `check_scripts/` and exits with the sum of their exit
 * codes; the HAProxy check asks every running LB's stats socket for an answer.
 */
export class VrrpCheckScripts {
  constructor(
    private readonly paths: AgentPaths,
    private readonly agentCommand: readonly string[],
  ) {}

  async writeMainScript(): Promise<void> {
    const dir = shellQuote(this.paths.vrrpCheckScriptsDir);
    const script = [
      '#!/bin/sh',
      '# Sum of the exit codes of every check in check_scripts/ (0 = healthy).',
      'status=0',
      `for check in ${dir}/*; do`,
      '    [ -f "$check" ] || continue',
      '    sh "$check"',
      '    status=$((status + $?))',
      'done',
      'exit $status',
      '',
    ].join('\n');
    await fs.mkdir(this.paths.vrrpCheckScriptsDir, { recursive: true });
    await writeFileAtomic(this.paths.vrrpCheckScript, script, 0o755);
  }

  /**
   * @param statsSockets sockets of the LBs that will be running after the current operation
   * @param lvsListeners number of LVS listeners configured
   */
  async refreshHaproxyCheck(statsSockets: string[], lvsListeners: number): Promise<void> {
    if (statsSockets.length === 0 && lvsListeners > 0) {
      await fs.rm(this.paths.haproxyCheckScript, { force: true });
      return;
    }
    const body = statsSockets.length === 0 ? 'exit 1' : this.haproxyCheckBody(statsSockets);
    await fs.mkdir(this.paths.vrrpCheckScriptsDir, { recursive: true });
    await writeFileAtomic(this.paths.haproxyCheckScript, `#!/bin/sh\n${body}\n`, 0o755);
  }

  /**
   * Fast path first: when every HAProxy master named by its pid file is alive, the check passes without
   * starting a process (keepalived runs it every second, and starting Node can take longer than that on a
   * busy host, which would put a healthy amphora in FAULT and stop the BACKUP from taking over). Otherwise
   * the agent asks every stats socket for `show stat` (the full check, which fails for a dead HAProxy).
   */
  private haproxyCheckBody(statsSockets: string[]): string {
    const pidFiles = statsSockets.map((socket) => {
      const lbId = path.basename(socket, '.sock');
      return /^[0-9a-f-]{36}$/i.test(lbId) ? this.paths.haproxyPidFile(lbId) : null;
    });
    const full = `${shellJoin([...this.agentCommand, 'haproxy-vrrp-check', ...statsSockets])}\nexit $?`;
    if (pidFiles.some((p) => p === null)) return full;
    const alive = pidFiles.map((p) => `alive ${shellQuote(p!)}`).join(' && ');
    return ['alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }', `if ${alive}; then exit 0; fi`, full].join('\n');
  }

  /** Fails while any configured LVS listener's keepalived is not alive. */
  async refreshLvsCheck(pidFiles: string[]): Promise<void> {
    if (pidFiles.length === 0) {
      await fs.rm(this.paths.lvsCheckScript, { force: true });
      return;
    }
    const lines = pidFiles.map((pid) => `[ -f ${shellQuote(pid)} ] && kill -0 "$(cat ${shellQuote(pid)})" 2>/dev/null || exit 1`);
    await fs.mkdir(this.paths.vrrpCheckScriptsDir, { recursive: true });
    await writeFileAtomic(this.paths.lvsCheckScript, `#!/bin/sh\n${lines.join('\n')}\nexit 0\n`, 0o755);
  }
}
