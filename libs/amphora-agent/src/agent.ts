import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { AddressInfo } from 'node:net';
import { AgentServices } from './api/agent-services';
import { certificateRoutes } from './api/certificate.routes';
import { configRoutes } from './api/config.routes';
import { infoRoutes } from './api/info.routes';
import { loadBalancerRoutes } from './api/loadbalancer.routes';
import { plugRoutes } from './api/plug.routes';
import { vrrpRoutes } from './api/vrrp.routes';
import { AgentContext, SoftwareVersions } from './agent-context';
import { AgentPaths } from './agent-paths';
import { AgentConfig, applyMutableOptions, parseAgentConfig } from './config/agent-config';
import { HaproxyManager } from './haproxy/haproxy.manager';
import { HeartbeatSender } from './heartbeat/heartbeat.sender';
import { StatsCounters } from './heartbeat/stats-counters';
import { StatusCollector } from './heartbeat/status-collector';
import { AgentRouter } from './http/agent-router';
import { AgentServer } from './http/agent-server';
import { LvsManager } from './keepalived/lvs.manager';
import { VrrpCheckScripts } from './keepalived/vrrp-check-scripts';
import { VrrpManager } from './keepalived/vrrp.manager';
import { NetworkManager } from './network/network.manager';
import { ChildProcessRunner } from './platform/command-runner';
import { CommandRunner, Platform, PlatformName } from './platform/platform';
import { createPlatform, detectPlatform } from './platform/platform.factory';
import { detectVersions } from './system/system-info';
import { writeFileAtomic } from './util/files';
import { errorMessage, Logger, StreamLogger } from './util/logger';

export interface AgentOptions {
  configFile: string;
  /** `--platform`; wins over the config file and detection. */
  platform?: PlatformName;
  /** argv that re-runs this program (for helper subcommands written into check scripts). */
  agentCommand: string[];
  logger?: Logger;
  runner?: CommandRunner;
}

const PING_WRAPPER = `#!/bin/sh
# external-check command for PING health monitors (HAPROXY_SERVER_ADDR set by haproxy).
case "$HAPROXY_SERVER_ADDR" in
    *:*) exec ping -6 -q -n -w 1 -c 1 "$HAPROXY_SERVER_ADDR" >/dev/null 2>&1 ;;
    *) exec ping -q -n -w 1 -c 1 "$HAPROXY_SERVER_ADDR" >/dev/null 2>&1 ;;
esac
`;

/** Composition root of the amphora agent: config, platform, managers, API and heartbeat. */
export class AmphoraAgent {
  private server: AgentServer | null = null;

  private constructor(
    private config: AgentConfig,
    private readonly platform: Platform,
    private readonly logger: Logger,
    private readonly services: AgentServices,
    private readonly heartbeat: HeartbeatSender,
  ) {}

  static async create(options: AgentOptions): Promise<AmphoraAgent> {
    const text = await fs.readFile(options.configFile, 'utf8');
    let config = parseAgentConfig(text, options.configFile);
    const logger = options.logger ?? new StreamLogger(config.debug ? 'debug' : 'info');
    const runner = options.runner ?? new ChildProcessRunner();
    const platformName = options.platform ?? config.amphoraAgent.platform ?? detectPlatform();
    const platform = createPlatform(platformName, config, runner, logger);
    const paths = new AgentPaths(config.haproxyAmphora.basePath, config.haproxyAmphora.baseCertDir);

    let versions: Promise<SoftwareVersions> | null = null;
    const ctx: AgentContext = {
      config: () => config,
      paths,
      platform,
      logger,
      agentCommand: options.agentCommand,
      hostname: () => hostname(),
      versions: () =>
        (versions ??= detectVersions(runner, config.haproxyAmphora.haproxyCmd, config.amphoraAgent.keepalivedCmd)),
    };
    const checkScripts = new VrrpCheckScripts(paths, options.agentCommand);
    const haproxy = new HaproxyManager(ctx);
    const lvs = new LvsManager(ctx);
    const vrrp = new VrrpManager(ctx, checkScripts);
    const heartbeat = new HeartbeatSender(ctx, new StatusCollector(ctx, haproxy, lvs), new StatsCounters(paths.statsCounters), vrrp);

    let agent: AmphoraAgent | null = null;
    const services: AgentServices = {
      ctx,
      haproxy,
      lvs,
      vrrp,
      checkScripts,
      network: new NetworkManager(ctx),
      reloadServerCertificate: async () => agent?.server?.reloadTlsContext(),
      applyConfig: (next) => {
        config = applyMutableOptions(config, next);
        logger.info('configuration updated', { topology: config.controllerWorker.loadbalancerTopology });
        heartbeat.reconfigure();
      },
    };
    agent = new AmphoraAgent(config, platform, logger, services, heartbeat);
    return agent;
  }

  async start(): Promise<AddressInfo> {
    const { ctx } = this.services;
    await this.prepareHost();
    const router = new AgentRouter().addAll([
      ...infoRoutes(this.services),
      ...loadBalancerRoutes(this.services),
      ...certificateRoutes(this.services),
      ...plugRoutes(this.services),
      ...vrrpRoutes(this.services),
      ...configRoutes(this.services),
    ]);
    const cfg = ctx.config();
    this.server = new AgentServer(
      router,
      {
        bindHost: cfg.haproxyAmphora.bindHost,
        bindPort: cfg.haproxyAmphora.bindPort,
        serverCertPath: cfg.amphoraAgent.agentServerCert,
        clientCaPath: cfg.amphoraAgent.agentServerCa,
        tlsProtocol: cfg.amphoraAgent.agentTlsProtocol,
        requestTimeoutSeconds: cfg.amphoraAgent.agentRequestReadTimeout,
      },
      this.logger,
    );
    const address = await this.server.start();
    this.heartbeat.start();
    // The software versions (`haproxy -v` and friends, spawned once and kept) are asked for by the controller's
    // first calls (GET /1.0/info, the first HAProxy upload); finding them while it is still connecting saves
    // their spawns from its wait (about a second on an emulated CPU).
    void ctx.versions();
    this.logger.info('amphora agent started', { platform: this.platform.name, amphora: cfg.amphoraAgent.amphoraId });
    return address;
  }

  /** Stops the API and heartbeat; HAProxy and keepalived keep serving traffic (upstream too). */
  async stop(): Promise<void> {
    this.heartbeat.stop();
    await this.server?.stop();
    this.server = null;
  }

  /** What the image build and `amphora-netns.service` do upstream, for this platform. */
  private async prepareHost(): Promise<void> {
    const { ctx } = this.services;
    await fs.mkdir(ctx.paths.basePath, { recursive: true });
    await fs.mkdir(ctx.paths.baseCertDir, { recursive: true });
    await this.services.haproxy.ensureUserGroupConfig();
    await writeFileAtomic(ctx.paths.pingWrapper, PING_WRAPPER, 0o755);
    if (this.platform.name !== 'netns') return;
    // The agent runs inside the amphora namespace: loopback up, and HAProxy may bind VIPs it
    // does not hold yet (the BACKUP of an ACTIVE_STANDBY pair).
    const lo = await this.platform.runner.run([this.config.amphoraAgent.ipCmd, 'link', 'set', 'lo', 'up']);
    if (lo.code !== 0) this.logger.warn('could not bring lo up', { output: lo.stderr.trim() });
    for (const key of ['net/ipv4/ip_nonlocal_bind', 'net/ipv6/ip_nonlocal_bind']) {
      await fs.writeFile(`/proc/sys/${key}`, '1').catch((err: Error) =>
        this.logger.warn('sysctl not set', { key, error: errorMessage(err) }),
      );
    }
  }
}
