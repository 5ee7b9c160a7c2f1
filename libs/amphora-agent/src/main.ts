import { AmphoraAgent } from './agent';
import { queryHaproxySocket } from './haproxy/haproxy-socket';
import { PlatformName } from './platform/platform';
import { errorMessage, StreamLogger } from './util/logger';

const USAGE = `usage: amphora-agent --config-file FILE [--platform netns|systemd|procd]
       amphora-agent haproxy-vrrp-check SOCKET...`;

interface CliArgs {
  configFile: string;
  platform?: PlatformName;
}

export function parseArgs(argv: string[]): CliArgs | string {
  let configFile: string | undefined;
  let platform: PlatformName | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '--config-file') configFile = value();
    else if (flag === '--platform') {
      const p = value();
      if (p !== 'netns' && p !== 'systemd' && p !== 'procd') return `unknown platform: ${p}`;
      platform = p;
    } else return `unknown argument: ${argv[i]}`;
  }
  if (!configFile) return 'missing --config-file';
  return { configFile, platform };
}

/**
 * keepalived's VRRP check for HAProxy: every stats socket must answer `show stat`.
 * Exit code = number of silent sockets (0 = healthy).
 */
async function haproxyVrrpCheck(sockets: string[]): Promise<number> {
  let failures = 0;
  for (const socket of sockets) {
    try {
      if ((await queryHaproxySocket(socket, 'show stat -1 -1 -1', 5000)).trim() === '') failures++;
    } catch (err) {
      process.stderr.write(`${errorMessage(err)}\n`);
      failures++;
    }
  }
  return failures === 0 ? 0 : 1;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'haproxy-vrrp-check') {
    process.exitCode = argv.length > 1 ? await haproxyVrrpCheck(argv.slice(1)) : 1;
    return;
  }
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const agent = await AmphoraAgent.create({
    configFile: args.configFile,
    platform: args.platform,
    agentCommand: [process.execPath, process.argv[1]],
  });
  const shutdown = (signal: string): void => {
    new StreamLogger().info('stopping', { signal });
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await agent.start();
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`amphora-agent: ${errorMessage(err)}\n`);
    process.exit(1);
  });
}
