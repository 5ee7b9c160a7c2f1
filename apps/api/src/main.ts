import { JsonLogger, loadConfig } from '../../../libs/common/src';
import { startApi } from './bootstrap';

process.env.TZ = 'UTC';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = new JsonLogger('api');
  const api = await startApi(config, { logger });
  logger.info({ msg: 'octavia-ts API listening', url: api.url, auth_strategy: config.api.authStrategy });
  const stop = async () => {
    await api.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', service: 'api', msg: String(err), stack: err?.stack })}\n`);
  process.exit(1);
});
