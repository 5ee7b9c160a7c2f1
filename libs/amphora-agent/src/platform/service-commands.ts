import { HaproxyService, KeepalivedService } from './platform';

/** POSIX shell single-quoting for paths written into units and init scripts. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export interface DaemonCommands {
  haproxyCmd: string;
  keepalivedCmd: string;
}

/** `-f cfg -f user-group -L peer`, shared by the check, start and reload commands. */
export function haproxyConfigArgs(service: HaproxyService): string[] {
  return ['-f', service.configPath, '-f', service.userGroupConfigPath, '-L', service.peerName];
}

export function haproxyCheckArgv(cmds: Pick<DaemonCommands, 'haproxyCmd'>, service: HaproxyService): string[] {
  return [cmds.haproxyCmd, '-c', ...haproxyConfigArgs(service)];
}

/**
 * HAProxy in master-worker mode. `mode` picks how the master reports readiness: `-Ws` for
 * systemd (sd_notify), `-W -db` (foreground) for supervisors such as procd.
 */
export function haproxyRunArgv(cmds: DaemonCommands, service: HaproxyService, mode: 'systemd' | 'foreground'): string[] {
  return [
    cmds.haproxyCmd,
    ...(mode === 'systemd' ? ['-Ws'] : ['-W', '-db']),
    '-S',
    `${service.masterSocket},mode,600`,
    '-p',
    service.pidFile,
    ...haproxyConfigArgs(service),
  ];
}

/** keepalived with all three pid files, so several instances never share the defaults. */
export function keepalivedRunArgv(
  cmds: DaemonCommands,
  service: KeepalivedService,
  options: { foreground: boolean; logFacility?: number },
): string[] {
  return [
    cmds.keepalivedCmd,
    ...(options.foreground ? ['-n'] : []),
    ...(options.logFacility !== undefined ? [`--log-facility=${options.logFacility}`] : []),
    '-f',
    service.configPath,
    '-p',
    service.pidFile,
    '-r',
    service.vrrpPidFile,
    '-c',
    service.checkersPidFile,
  ];
}
