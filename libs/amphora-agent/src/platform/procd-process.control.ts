import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';
import { CommandRunner, commandOutput, ControlResult, ProcessControl, ServiceAction, ServiceSpec } from './platform';
import { isPidFileAlive } from './process-liveness';
import { DaemonCommands, haproxyCheckArgv, haproxyRunArgv, keepalivedRunArgv, shellJoin, shellQuote } from './service-commands';

export interface ProcdOptions extends DaemonCommands {
  /** Where init scripts live (OpenWrt: /etc/init.d). */
  initDir: string;
}

/**
 * procd, for OpenWrt amphorae: one rc.common init script per daemon. procd supervises
 * foreground processes, so HAProxy runs with `-W -db` and keepalived with `-n`.
 */
export class ProcdProcessControl implements ProcessControl {
  readonly kind = 'procd' as const;

  constructor(
    private readonly runner: CommandRunner,
    private readonly options: ProcdOptions,
  ) {}

  scriptPath(service: ServiceSpec): string {
    return path.join(this.options.initDir, service.name);
  }

  renderInitScript(service: ServiceSpec): string {
    const command =
      service.kind === 'haproxy'
        ? haproxyRunArgv(this.options, service, 'foreground')
        : keepalivedRunArgv(this.options, service, { foreground: true });
    const reload =
      service.kind === 'haproxy'
        ? [`\t${shellJoin(haproxyCheckArgv(this.options, service))} || return 1`, `\tkill -USR2 "$(cat ${shellQuote(service.pidFile)})"`]
        : [`\tkill -HUP "$(cat ${shellQuote(service.pidFile)})"`];
    return [
      '#!/bin/sh /etc/rc.common',
      '# Written by the octavia-ts amphora agent; rewritten on every config upload.',
      'USE_PROCD=1',
      'START=95',
      'STOP=10',
      '',
      'start_service() {',
      '\tprocd_open_instance',
      `\tprocd_set_param command ${shellJoin(command)}`,
      '\tprocd_set_param respawn 3600 5 5',
      '\tprocd_set_param stdout 1',
      '\tprocd_set_param stderr 1',
      '\tprocd_close_instance',
      '}',
      '',
      'reload_service() {',
      ...reload,
      '}',
      '',
    ].join('\n');
  }

  async install(service: ServiceSpec): Promise<ControlResult> {
    await writeFileAtomic(this.scriptPath(service), this.renderInitScript(service), 0o755);
    const enabled = await this.runner.run([this.scriptPath(service), 'enable']);
    return enabled.code === 0 ? { ok: true, output: commandOutput(enabled) } : { ok: false, output: commandOutput(enabled) };
  }

  async uninstall(service: ServiceSpec): Promise<void> {
    await this.runner.run([this.scriptPath(service), 'disable']);
    await fs.rm(this.scriptPath(service), { force: true });
  }

  async isRunning(service: ServiceSpec): Promise<boolean> {
    return isPidFileAlive(service.pidFile, service.kind);
  }

  async control(service: ServiceSpec, action: ServiceAction): Promise<ControlResult> {
    const effective = action === 'reload' && !(await this.isRunning(service)) ? 'start' : action;
    const result = await this.runner.run([this.scriptPath(service), effective]);
    return result.code === 0 ? { ok: true, output: commandOutput(result) } : { ok: false, output: commandOutput(result) };
  }
}
