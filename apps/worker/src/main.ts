import { DataSource } from 'typeorm';
import { JsonLogger, OctaviaConfig, loadConfig, startStatusServer } from '../../../libs/common/src';
import { dataSourceOptions } from '../../../libs/database/src';
import { FlowRegistry } from './flows/flow-registry';
import { WorkerService } from './worker.service';

export async function startWorker(config: OctaviaConfig, logger = new JsonLogger('worker'), statusPort = 9877): Promise<{ stop(): Promise<void> }> {
  if (!config.databaseUrl || !config.redisUrl) throw new Error('the worker needs a database URL and a Redis URL');
  const ds = new DataSource(dataSourceOptions(config.databaseUrl));
  await ds.initialize();
  const registry = FlowRegistry.noopDataPlane();
  logger.info({ msg: 'worker starting', compute_driver: 'compute_noop_driver' });
  const worker = new WorkerService(ds, config.redisUrl, registry, logger);
  await worker.start();
  const status = await startStatusServer(config.api.host, statusPort, worker.metrics, () => ds.isInitialized);
  return {
    stop: async () => {
      status.close();
      await worker.stop();
      await ds.destroy();
    },
  };
}

if (require.main === module) {
  process.env.TZ = 'UTC';
  startWorker(loadConfig()).catch((err) => {
    process.stderr.write(`${JSON.stringify({ level: 'error', service: 'worker', msg: String(err) })}\n`);
    process.exit(1);
  });
}
