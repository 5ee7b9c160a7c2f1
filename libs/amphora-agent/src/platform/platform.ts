/**
 * The seams between the agent's API logic and the operating system it runs on. An amphora
 * can be a network namespace on the controller host (plain processes), a Debian VM (systemd)
 * or an OpenWrt device (procd); the routes do not care which.
 */

export interface CommandResult {
  /** Exit code; -1 when the command could not be started or was killed by the timeout. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
}

/** Every external command goes through this, so platforms can be unit-tested by recording. */
export interface CommandRunner {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

export function commandOutput(result: CommandResult): string {
  return `${result.stdout}${result.stderr}`.trim();
}

export type ServiceAction = 'start' | 'stop' | 'reload' | 'restart';

/** One HAProxy master-worker instance per load balancer. */
export interface HaproxyService {
  kind: 'haproxy';
  /** Unit/init-script name, e.g. `haproxy-<lb_id>`. */
  name: string;
  lbId: string;
  configPath: string;
  /** `{base_path}/haproxy-default-user-group.conf`, appended as a second `-f`. */
  userGroupConfigPath: string;
  pidFile: string;
  /** Master CLI socket (`-S`), used to confirm reloads. */
  masterSocket: string;
  /** `-L` local peer name derived from the amphora id. */
  peerName: string;
  /** Where plain processes send their stdout/stderr. */
  logFile: string;
}

/** keepalived, either the VRRP instance of the amphora or one LVS (UDP/SCTP) listener. */
export interface KeepalivedService {
  kind: 'keepalived';
  role: 'vrrp' | 'lvs';
  /** `octavia-keepalived` or `octavia-keepalivedlvs-<listener_id>`. */
  name: string;
  configPath: string;
  pidFile: string;
  /** `-r`: VRRP child pid file. */
  vrrpPidFile: string;
  /** `-c`: checker child pid file. */
  checkersPidFile: string;
  logFile: string;
}

export type ServiceSpec = HaproxyService | KeepalivedService;

export type ControlResult = { ok: true; output: string } | { ok: false; output: string };

export type ProcessControlKind = 'plain' | 'systemd' | 'procd';

export interface ProcessControl {
  readonly kind: ProcessControlKind;
  /** Make the service known to the init system (unit file / init script + enable). Idempotent. */
  install(service: ServiceSpec): Promise<ControlResult>;
  /** Disable and remove what `install` created. Idempotent. */
  uninstall(service: ServiceSpec): Promise<void>;
  /**
   * Run an action. `start` on a running service and `stop` on a stopped one succeed without
   * doing anything; `reload` of HAProxy validates the config and waits for the new workers.
   */
  control(service: ServiceSpec, action: ServiceAction): Promise<ControlResult>;
  isRunning(service: ServiceSpec): Promise<boolean>;
}

export type PlatformName = 'netns' | 'systemd' | 'procd';

export interface Platform {
  readonly name: PlatformName;
  readonly processes: ProcessControl;
  readonly runner: CommandRunner;
  /**
   * Network namespace holding the data-plane links, or null when the agent already runs
   * where the data plane is (the netns amphora) or the platform has no namespace (OpenWrt).
   */
  readonly dataPlaneNamespace: string | null;
  /** Command prefix to run something inside the data-plane namespace (empty if none). */
  dataPlaneExec(argv: readonly string[]): string[];
}
