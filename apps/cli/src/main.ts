import { JsonLogger, OctaviaConfig, loadConfig } from '../../../libs/common/src';
import { runMigrations } from '../../../libs/database/src';
import { startApi } from '../../api/src/bootstrap';
import { startWorker } from '../../worker/src/main';
import { resetBreaker, startHealthManager } from '../../health-manager/src/main';
import { HealthDatabase } from '../../health-manager/src/db/health-database';
import { MetricsRegistry } from '../../../libs/common/src';
import { EmbeddedServices } from './embedded-services';
import { NETWORK_USAGE, networkCommand } from './network-commands';
import { CERT_USAGE, certCommand } from './cert-commands';
import { LocalNetworkDriver } from '../../../libs/drivers/src/network/local-network.driver';

process.env.TZ = 'UTC';

const USAGE = `usage: octavia-ts <command>

  up               start every service (API, worker, health manager) on embedded defaults:
                   without OCTAVIA_TS_DATABASE_URL / OCTAVIA_TS_REDIS_URL it runs its own
                   PostgreSQL and Redis under $OCTAVIA_TS_DATA_DIR (default ./.data)
  api              start the API only
  worker           start the worker only
  health-manager   start the health manager only
  health-manager reset-breaker
                   let the failover circuit breaker fail over the amphorae that are stale now
  db upgrade       apply the database migrations
${NETWORK_USAGE}
${CERT_USAGE}

configuration: environment (OCTAVIA_TS_DATABASE_URL, OCTAVIA_TS_REDIS_URL, OCTAVIA_TS_API_BIND=host:port,
OCTAVIA_TS_AUTH_STRATEGY=noauth|keystone, OCTAVIA_TS_CONFIG_FILE=octavia.conf) and the optional INI file,
which uses upstream Octavia's section and option names.`;

async function up(config: OctaviaConfig, logger: JsonLogger): Promise<void> {
  const embedded = new EmbeddedServices(config.dataDir, logger);
  embedded.ensureDataPlanePackages();
  const databaseUrl = config.databaseUrl ?? (await embedded.ensurePostgres());
  const redisUrl = config.redisUrl ?? (await embedded.ensureRedis());
  const full: OctaviaConfig = { ...config, databaseUrl, redisUrl };
  const applied = await runMigrations(databaseUrl);
  logger.info({ msg: 'database ready', migrations_applied: applied });
  const stops: Array<() => Promise<void>> = [];
  if (full.worker.computeDriver !== 'noop') {
    // Amphorae send heartbeats to the controller's address on the management bridge: make it exist and
    // listen there unless the operator chose an address.
    const mgmt = new LocalNetworkDriver(full.worker.local);
    await mgmt.ensureManagement();
    if (full.healthManager.bindIp === '127.0.0.1') full.healthManager = { ...full.healthManager, bindIp: mgmt.controllerIp };
  }
  const worker = await startWorker(full, new JsonLogger('worker'));
  stops.push(worker.stop);
  const hm = await startHealthManager(full, { logger: new JsonLogger('health-manager') });
  stops.push(hm.stop);
  const api = await startApi(full, { logger: new JsonLogger('api') });
  stops.push(api.close);
  logger.info({ msg: 'octavia-ts is up', api: api.url, database: databaseUrl.replace(/:[^:@/]*@/, ':***@'), redis: redisUrl });
  onSignal(async () => {
    for (const stop of stops.reverse()) await stop();
  });
}

function onSignal(stop: () => Promise<void>): void {
  const handler = () => {
    stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

async function main(argv: string[]): Promise<void> {
  const logger = new JsonLogger('octavia-ts');
  const [command, sub] = argv;
  if (!command || command === '-h' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  switch (command) {
    case 'up':
      return up(config, logger);
    case 'api': {
      const api = await startApi(config, { logger: new JsonLogger('api') });
      logger.info({ msg: 'API listening', url: api.url });
      return onSignal(api.close);
    }
    case 'worker':
      return onSignal((await startWorker(config)).stop);
    case 'health-manager':
      if (sub === 'reset-breaker') {
        if (!config.databaseUrl) throw new Error('reset-breaker needs OCTAVIA_TS_DATABASE_URL (or [database] connection)');
        const db = new HealthDatabase(config.databaseUrl, new MetricsRegistry());
        await resetBreaker(db, `octavia-ts reset-breaker (${process.env.USER ?? 'operator'})`).finally(() => db.close());
        logger.info({ msg: 'failover circuit breaker reset: amphorae stale now will be failed over; new stale ones count again' });
        return;
      }
      if (sub) break;
      return onSignal((await startHealthManager(config, { logger: new JsonLogger('health-manager') })).stop);
    case 'network':
      return networkCommand(config, argv.slice(1), logger);
    case 'cert':
      return certCommand(config, argv.slice(1), logger);
    case 'db':
      if (sub !== 'upgrade') break;
      if (!config.databaseUrl) throw new Error('db upgrade needs OCTAVIA_TS_DATABASE_URL (or [database] connection)');
      logger.info({ msg: 'migrations applied', applied: await runMigrations(config.databaseUrl) });
      return;
  }
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', service: 'octavia-ts', msg: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
