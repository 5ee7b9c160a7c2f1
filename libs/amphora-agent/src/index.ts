export { AmphoraAgent } from './agent';
export type { AgentOptions } from './agent';
export { ConfigError, parseAgentConfig, parseControllerList } from './config/agent-config';
export type { AgentConfig, ControllerAddress, PlatformChoice, Topology } from './config/agent-config';
export { IniParseError, parseIni } from './config/ini.parser';
export { peerName } from './haproxy/haproxy-config';
export type {
  CommandResult,
  CommandRunner,
  ControlResult,
  HaproxyService,
  KeepalivedService,
  Platform,
  PlatformName,
  ProcessControl,
  ServiceAction,
  ServiceSpec,
} from './platform/platform';
