import { ConfigError, parseAgentConfig } from '../config/agent-config';
import { IniParseError } from '../config/ini.parser';
import { message } from '../http/agent-response';
import { RouteDefinition } from '../http/agent-router';
import { writeFileAtomic } from '../util/files';
import { AgentServices } from './agent-services';

/** Route 21: replace `amphora-agent.conf`; mutable options apply at once. */
export function configRoutes(s: AgentServices): RouteDefinition[] {
  return [
    {
      method: 'PUT',
      pattern: '/1.0/config',
      handler: async ({ body }) => {
        const file = s.ctx.config().sourcePath;
        let next;
        try {
          // Parse before writing: a broken file would keep the agent from starting again.
          next = parseAgentConfig(body.toString('utf8'), file);
        } catch (err) {
          if (err instanceof ConfigError || err instanceof IniParseError) {
            return message(500, 'Unable to update amphora-agent configuration.', err.message);
          }
          throw err;
        }
        await writeFileAtomic(file, body, 0o600);
        s.applyConfig(next);
        return message(202, 'OK');
      },
    },
  ];
}
