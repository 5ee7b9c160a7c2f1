import { existsSync } from 'node:fs';
import { AgentConfig } from '../config/agent-config';
import { Logger } from '../util/logger';
import { PlainProcessControl } from './plain-process.control';
import { CommandRunner, Platform, PlatformName, ProcessControl } from './platform';
import { ProcdProcessControl } from './procd-process.control';
import { SystemdProcessControl } from './systemd-process.control';

/** Guess the platform when neither `--platform` nor `[amphora_agent] platform` says. */
export function detectPlatform(fileExists: (p: string) => boolean = existsSync): PlatformName {
  if (fileExists('/etc/openwrt_release')) return 'procd';
  if (fileExists('/run/systemd/system')) return 'systemd';
  return 'netns';
}

export function createPlatform(name: PlatformName, config: AgentConfig, runner: CommandRunner, logger: Logger): Platform {
  const cmds = { haproxyCmd: config.haproxyAmphora.haproxyCmd, keepalivedCmd: config.amphoraAgent.keepalivedCmd };
  const agent = config.amphoraAgent;
  let processes: ProcessControl;
  let namespace: string | null = null;
  switch (name) {
    case 'netns':
      processes = new PlainProcessControl(
        runner,
        { ...cmds, oldWorkerTimeoutMs: config.haproxyAmphora.oldWorkerTimeout * 1000 },
        logger,
      );
      break;
    case 'systemd':
      namespace = agent.dataPlaneNamespace;
      processes = new SystemdProcessControl(runner, {
        ...cmds,
        unitDir: agent.systemdUnitDir,
        namespace,
        ipCmd: agent.ipCmd,
        administrativeLogFacility: agent.administrativeLogFacility,
      });
      break;
    case 'procd':
      processes = new ProcdProcessControl(runner, { ...cmds, initDir: agent.procdInitDir });
      break;
  }
  const ns = namespace;
  return {
    name,
    processes,
    runner,
    dataPlaneNamespace: ns,
    dataPlaneExec: (argv) => (ns ? [agent.ipCmd, 'netns', 'exec', ns, ...argv] : [...argv]),
  };
}
