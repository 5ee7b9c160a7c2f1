import { JsonLogger, loadConfig } from '../../../libs/common/src';
import { startHealthManager } from './health-manager';

export { startHealthManager } from './health-manager';
export type { HealthManager, HealthManagerOptions } from './health-manager';
export { resetBreaker } from './failover/breaker';
export type { FlowDispatcher } from './failover/flow-dispatcher';

if (require.main === module) {
  process.env.TZ = 'UTC';
  const logger = new JsonLogger('health-manager');
  const statusPort = process.env.OCTAVIA_TS_HM_STATUS_PORT ? Number(process.env.OCTAVIA_TS_HM_STATUS_PORT) : undefined;
  startHealthManager(loadConfig(), { logger, statusPort })
    .then((hm) => {
      const stop = () => void hm.stop().finally(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    })
    .catch((err) => {
      logger.error({ msg: 'health manager failed to start', error: String(err) });
      process.exit(1);
    });
}
