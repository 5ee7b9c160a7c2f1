import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readFileOrNull, writeFileAtomic } from '../util/files';
import {
  CommandRunner,
  commandOutput,
  ControlResult,
  ProcessControl,
  ServiceAction,
  ServiceSpec,
} from './platform';
import { isPidFileAlive } from './process-liveness';
import { DaemonCommands, haproxyCheckArgv, haproxyRunArgv, keepalivedRunArgv, shellJoin } from './service-commands';

export interface SystemdOptions extends DaemonCommands {
  /** Where units are written (upstream: /usr/lib/systemd/system). */
  unitDir: string;
  /** Namespace holding the data plane (upstream: amphora-haproxy). */
  namespace: string;
  ipCmd: string;
  administrativeLogFacility: number;
}

export const NETNS_UNIT = 'amphora-netns.service';

/**
 * systemd, as on upstream's Debian/Ubuntu amphora images: units per daemon, started inside
 * the data-plane namespace with `ip netns exec`.
 */
export class SystemdProcessControl implements ProcessControl {
  readonly kind = 'systemd' as const;

  constructor(
    private readonly runner: CommandRunner,
    private readonly options: SystemdOptions,
  ) {}

  unitName(service: ServiceSpec): string {
    return `${service.name}.service`;
  }

  renderNetnsUnit(): string {
    const { ipCmd, namespace } = this.options;
    const inNs = (argv: string[]): string => shellJoin([ipCmd, 'netns', 'exec', namespace, ...argv]);
    return [
      '[Unit]',
      'Description=Configure the amphora data-plane network namespace',
      // Needs nothing but the kernel, so it does not wait for sysinit/basic.target: the agent orders itself
      // after it and starts early in the boot (every second counts on an emulated CPU).
      'DefaultDependencies=no',
      'Conflicts=shutdown.target',
      'Before=shutdown.target',
      'StopWhenUnneeded=true',
      '',
      '[Service]',
      'Type=oneshot',
      'RemainAfterExit=yes',
      // `ip netns add` fails if the namespace exists; the leading '-' tolerates that on restart.
      `ExecStart=-${shellJoin([ipCmd, 'netns', 'add', namespace])}`,
      `ExecStart=${inNs([ipCmd, 'link', 'set', 'lo', 'up'])}`,
      // One sysctl for the three keys (it sets the others when one is missing, e.g. without IPv6).
      `ExecStart=-${inNs(['sysctl', '-w', 'net.ipv4.ip_nonlocal_bind=1', 'net.ipv6.ip_nonlocal_bind=1', 'net.ipv4.ip_forward=1'])}`,
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n');
  }

  renderUnit(service: ServiceSpec): string {
    const inNs = (argv: string[]): string[] => [this.options.ipCmd, 'netns', 'exec', this.options.namespace, ...argv];
    if (service.kind === 'haproxy') {
      return [
        '[Unit]',
        `Description=HAProxy Load Balancer ${service.lbId}`,
        `After=network.target ${NETNS_UNIT}`,
        'Before=octavia-keepalived.service',
        `Requires=${NETNS_UNIT}`,
        '',
        '[Service]',
        'Type=notify',
        `ExecStartPre=${shellJoin(haproxyCheckArgv(this.options, service))}`,
        `ExecStart=${shellJoin(inNs(haproxyRunArgv(this.options, service, 'systemd')))}`,
        `ExecReload=${shellJoin(haproxyCheckArgv(this.options, service))}`,
        'ExecReload=/bin/kill -USR2 $MAINPID',
        `PIDFile=${service.pidFile}`,
        'KillMode=mixed',
        'Restart=always',
        'LimitNOFILE=2600000',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n');
    }
    const title = service.role === 'vrrp' ? 'VRRP' : `LVS listener ${service.name}`;
    return [
      '[Unit]',
      `Description=Keepalived (${title})`,
      `After=network-online.target ${NETNS_UNIT}`,
      'Wants=network-online.target',
      `Requires=${NETNS_UNIT}`,
      '',
      '[Service]',
      'Type=forking',
      'KillMode=process',
      `ExecStart=${shellJoin(
        inNs(keepalivedRunArgv(this.options, service, { foreground: false, logFacility: this.options.administrativeLogFacility })),
      )}`,
      'ExecReload=/bin/kill -HUP $MAINPID',
      `PIDFile=${service.pidFile}`,
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n');
  }

  async install(service: ServiceSpec): Promise<ControlResult> {
    let changed = await this.writeIfChanged(path.join(this.options.unitDir, NETNS_UNIT), this.renderNetnsUnit());
    changed = (await this.writeIfChanged(path.join(this.options.unitDir, this.unitName(service)), this.renderUnit(service))) || changed;
    // Upstream ignores errors enabling the namespace unit but fails on the daemon's unit. `--no-reload`: the
    // enable links matter at the next boot only, and one daemon-reload below covers a changed unit (each reload
    // re-reads every unit, which takes seconds on an emulated CPU; `enable` alone would reload each time).
    await this.systemctl('enable', '--no-reload', NETNS_UNIT);
    const enabled = await this.systemctl('enable', '--no-reload', this.unitName(service));
    if (changed) await this.systemctl('daemon-reload');
    return enabled.code === 0 ? { ok: true, output: commandOutput(enabled) } : { ok: false, output: commandOutput(enabled) };
  }

  async uninstall(service: ServiceSpec): Promise<void> {
    await this.systemctl('disable', this.unitName(service));
    await fs.rm(path.join(this.options.unitDir, this.unitName(service)), { force: true });
    await this.systemctl('daemon-reload');
  }

  async isRunning(service: ServiceSpec): Promise<boolean> {
    return isPidFileAlive(service.pidFile, service.kind);
  }

  async control(service: ServiceSpec, action: ServiceAction): Promise<ControlResult> {
    const effective = action === 'reload' && !(await this.isRunning(service)) ? 'start' : action;
    const result = await this.systemctl(effective, this.unitName(service));
    const output = commandOutput(result);
    // A job for the same unit still in progress is not an error (upstream ignores it too).
    if (result.code === 0 || output.includes('Job is already running')) return { ok: true, output };
    return { ok: false, output };
  }

  private systemctl(...args: string[]) {
    return this.runner.run(['systemctl', ...args]);
  }

  private async writeIfChanged(file: string, text: string): Promise<boolean> {
    const current = await readFileOrNull(file);
    if (current !== null && current.toString() === text) return false;
    await writeFileAtomic(file, text, 0o644);
    return true;
  }
}
