import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { JsonLogger, OctaviaConfig, loadConfig, startStatusServer } from '../../../libs/common/src';
import { dataSourceOptions } from '../../../libs/database/src';
import { AmphoraClient } from '../../../libs/drivers/src/amphora/amphora-client';
import { ControllerPki } from '../../../libs/drivers/src/certificates/controller-pki';
import { ComputeDriver } from '../../../libs/drivers/src/compute/compute-driver';
import { createComputeDriver } from '../../../libs/drivers/src/compute/factory';
import { LocalNetworkDriver } from '../../../libs/drivers/src/network/local-network.driver';
import { DataPlane } from './data-plane/data-plane';
import { registerAmphoraFlows } from './flows/amphora-flows';
import { FlowRegistry } from './flows/flow-registry';
import { WorkerService } from './worker.service';

export interface RunningWorker {
  stop(): Promise<void>;
  service: WorkerService;
  dataPlane: DataPlane | null;
  statusUrl: string;
}

/** The agent bundle: the configured file, built on first use when running from sources. */
async function ensureAgentBundle(file: string, logger: JsonLogger): Promise<string> {
  if (existsSync(file)) return file;
  logger.info({ msg: 'agent bundle missing, building it', file });
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { bundleAgent } = require(path.join(__dirname, '../../../scripts/bundle-agent.js')) as { bundleAgent(o: { outfile: string }): Promise<string> };
  return bundleAgent({ outfile: file });
}

/** The compute driver named by `[controller_worker] compute_driver`, with the agent bundle it installs. */
export async function buildComputeDriver(config: OctaviaConfig, logger: JsonLogger): Promise<ComputeDriver> {
  const w = config.worker;
  const agentBundle = w.computeDriver === 'noop' ? w.agentBundle : await ensureAgentBundle(w.agentBundle, logger);
  return createComputeDriver(w.computeDriver, { ...config, worker: { ...w, agentBundle } }, logger);
}

export async function startWorker(
  config: OctaviaConfig,
  logger = new JsonLogger('worker'),
  statusPort = 9877,
  overrides: { compute?: ComputeDriver } = {},
): Promise<RunningWorker> {
  if (!config.databaseUrl || !config.redisUrl) throw new Error('the worker needs a database URL and a Redis URL');
  const ds = new DataSource(dataSourceOptions(config.databaseUrl));
  await ds.initialize();
  const w = config.worker;
  let registry: FlowRegistry;
  let dataPlane: DataPlane | null = null;
  if (w.computeDriver === 'noop' && !overrides.compute) {
    registry = FlowRegistry.noopDataPlane();
  } else {
    const compute = overrides.compute ?? (await buildComputeDriver(config, logger));
    const network = new LocalNetworkDriver(w.local);
    const pki = await ControllerPki.loadOrCreate(w.certDir, w.certValiditySeconds);
    const a = w.amphora;
    const client = new AmphoraClient(
      { clientCertPem: pki.client.certificatePem, clientKeyPem: pki.client.privateKeyPem, serverCaPem: pki.serverCa.certificatePem },
      a.bindPort,
      { connectTimeoutMs: a.connectTimeoutMs, readTimeoutMs: a.readTimeoutMs, maxRetries: a.activeConnectionMaxRetries, retryIntervalMs: a.activeConnectionRetryIntervalMs },
    );
    dataPlane = new DataPlane(ds, config, compute, network, pki, client, logger);
    registry = FlowRegistry.noopDataPlane();
    await registerAmphoraFlows(registry, dataPlane);
  }
  logger.info({ msg: 'worker starting', compute_driver: dataPlane?.compute.name ?? 'noop', network_driver: dataPlane ? 'local' : 'noop', queue_prefix: w.queuePrefix });
  const service = new WorkerService(ds, config.redisUrl, registry, logger, {
    concurrency: w.concurrency,
    reconcileIntervalMs: w.reconcileIntervalMs,
    queuePrefix: w.queuePrefix,
    lockDurationMs: w.lockDurationMs,
    createConcurrency: w.createConcurrency,
    failoverConcurrency: w.failoverConcurrency,
  });
  await service.start();
  const status = await startStatusServer(config.api.host, statusPort, service.metrics, () => ds.isInitialized);
  const addr = status.address() as { port: number } | null;
  return {
    service,
    dataPlane,
    statusUrl: `http://${config.api.host}:${addr?.port ?? statusPort}`,
    stop: async () => {
      status.close();
      await service.stop();
      dataPlane?.client.close();
      await ds.destroy();
    },
  };
}

if (require.main === module) {
  process.env.TZ = 'UTC';
  const logger = new JsonLogger('worker');
  startWorker(loadConfig(), logger, Number(process.env.OCTAVIA_TS_WORKER_STATUS_PORT ?? 9877)).then(
    (w) => {
      const stop = () => void w.stop().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (err) => {
      logger.error({ msg: 'worker failed to start', error: String(err) });
      process.exit(1);
    },
  );
}
