import * as path from 'node:path';
import { HaproxyService, KeepalivedService } from './platform/platform';

/**
 * On-disk layout, kept identical to upstream's (amphora-agent-api.md §3, §5) because the
 * controller renders these absolute paths into the configs it uploads and the heartbeat
 * reads them back.
 */
export class AgentPaths {
  constructor(
    readonly basePath: string,
    readonly baseCertDir: string,
  ) {}

  lbDir(lbId: string): string {
    return path.join(this.basePath, lbId);
  }
  haproxyConfig(lbId: string): string {
    return path.join(this.lbDir(lbId), 'haproxy.cfg');
  }
  haproxyPidFile(lbId: string): string {
    return path.join(this.lbDir(lbId), `${lbId}.pid`);
  }
  statsSocket(lbId: string): string {
    return path.join(this.basePath, `${lbId}.sock`);
  }
  masterSocket(lbId: string): string {
    return path.join(this.lbDir(lbId), 'haproxy-master.sock');
  }
  serversState(lbId: string): string {
    return path.join(this.lbDir(lbId), 'servers-state');
  }
  /** The `-L` peer name recorded at upload time (derived from the `{amp}` path segment). */
  peerNameFile(lbId: string): string {
    return path.join(this.lbDir(lbId), 'peer-name');
  }
  get userGroupConfig(): string {
    return path.join(this.basePath, 'haproxy-default-user-group.conf');
  }
  get pingWrapper(): string {
    return path.join(this.basePath, 'ping-wrapper.sh');
  }

  certDir(lbId: string): string {
    return path.join(this.baseCertDir, lbId);
  }

  get lvsDir(): string {
    return path.join(this.basePath, 'lvs');
  }
  lvsConfig(listenerId: string): string {
    return path.join(this.lvsDir, `octavia-keepalivedlvs-${listenerId}.conf`);
  }
  /** Copy of the LVS config without `net_namespace` for platforms already inside it. */
  lvsRuntimeConfig(listenerId: string): string {
    return path.join(this.lvsDir, `octavia-keepalivedlvs-${listenerId}.runtime.conf`);
  }
  lvsPidFile(listenerId: string): string {
    return path.join(this.lvsDir, `octavia-keepalivedlvs-${listenerId}.pid`);
  }
  lvsVrrpPidFile(listenerId: string): string {
    return path.join(this.lvsDir, `octavia-keepalivedlvs-${listenerId}.vrrp.pid`);
  }
  lvsCheckPidFile(listenerId: string): string {
    return path.join(this.lvsDir, `octavia-keepalivedlvs-${listenerId}.check.pid`);
  }
  get udpCheckScript(): string {
    return path.join(this.lvsDir, 'check', 'udp_check.sh');
  }

  get vrrpDir(): string {
    return path.join(this.basePath, 'vrrp');
  }
  get vrrpConfig(): string {
    return path.join(this.vrrpDir, 'octavia-keepalived.conf');
  }
  get vrrpPidFile(): string {
    return path.join(this.vrrpDir, 'octavia-keepalived.pid');
  }
  get vrrpCheckScript(): string {
    return path.join(this.vrrpDir, 'check_script.sh');
  }
  get vrrpCheckScriptsDir(): string {
    return path.join(this.vrrpDir, 'check_scripts');
  }
  get haproxyCheckScript(): string {
    return path.join(this.vrrpCheckScriptsDir, 'haproxy_check_script.sh');
  }
  get lvsCheckScript(): string {
    return path.join(this.vrrpCheckScriptsDir, 'lvs_udp_check.sh');
  }

  get pluggedInterfaces(): string {
    return path.join(this.basePath, 'plugged_interfaces');
  }
  get statsCounters(): string {
    return path.join(this.basePath, 'stats_counters.json');
  }
  get nftablesRules(): string {
    return path.join(this.basePath, 'nftables-vip.rules');
  }
  get logDir(): string {
    return path.join(this.basePath, 'logs');
  }

  haproxyService(lbId: string, peer: string): HaproxyService {
    return {
      kind: 'haproxy',
      name: `haproxy-${lbId}`,
      lbId,
      configPath: this.haproxyConfig(lbId),
      userGroupConfigPath: this.userGroupConfig,
      pidFile: this.haproxyPidFile(lbId),
      masterSocket: this.masterSocket(lbId),
      peerName: peer,
      logFile: path.join(this.logDir, `haproxy-${lbId}.log`),
    };
  }

  vrrpService(): KeepalivedService {
    return {
      kind: 'keepalived',
      role: 'vrrp',
      name: 'octavia-keepalived',
      configPath: this.vrrpConfig,
      pidFile: this.vrrpPidFile,
      vrrpPidFile: path.join(this.vrrpDir, 'octavia-keepalived.vrrp.pid'),
      checkersPidFile: path.join(this.vrrpDir, 'octavia-keepalived.check.pid'),
      logFile: path.join(this.logDir, 'octavia-keepalived.log'),
    };
  }

  lvsService(listenerId: string, runtimeConfig: boolean): KeepalivedService {
    return {
      kind: 'keepalived',
      role: 'lvs',
      name: `octavia-keepalivedlvs-${listenerId}`,
      configPath: runtimeConfig ? this.lvsRuntimeConfig(listenerId) : this.lvsConfig(listenerId),
      pidFile: this.lvsPidFile(listenerId),
      vrrpPidFile: this.lvsVrrpPidFile(listenerId),
      checkersPidFile: this.lvsCheckPidFile(listenerId),
      logFile: path.join(this.logDir, `octavia-keepalivedlvs-${listenerId}.log`),
    };
  }
}
