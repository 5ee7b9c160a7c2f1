import { AgentPaths } from './agent-paths';
import { AgentConfig } from './config/agent-config';
import { Platform } from './platform/platform';
import { Logger } from './util/logger';

/** Versions reported by `/info` and used to adapt config handling. */
export interface SoftwareVersions {
  haproxy: string | null;
  keepalived: string | null;
  ipvsadm: string | null;
}

/** Everything the API handlers and background tasks share; built once in `agent.ts`. */
export interface AgentContext {
  /** Current configuration; mutable options change after `PUT /1.0/config`. */
  config(): AgentConfig;
  readonly paths: AgentPaths;
  readonly platform: Platform;
  readonly logger: Logger;
  versions(): Promise<SoftwareVersions>;
  /** argv that runs this agent program (for helper subcommands such as haproxy-vrrp-check). */
  readonly agentCommand: readonly string[];
  /** Hostname reported by `/info` and `/details`. */
  hostname(): string;
}
