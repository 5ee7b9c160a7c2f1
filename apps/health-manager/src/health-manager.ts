import { randomBytes } from 'node:crypto';
import { Server } from 'node:http';
import { hostname } from 'node:os';
import { JsonLogger, MetricsRegistry, OctaviaConfig, startStatusServer } from '../../../libs/common/src';
import { HealthDatabase } from './db/health-database';
import { BullmqFlowDispatcher } from './failover/bullmq-flow-dispatcher';
import { FlowDispatcher } from './failover/flow-dispatcher';
import { ScanResult, StaleScanner } from './failover/stale-scanner';
import { Housekeeping } from './housekeeping/housekeeping';
import { HeartbeatReceiver } from './receiver/heartbeat-receiver';
import { HealthWriter } from './state/health-writer';
import { HeartbeatProcessor } from './state/heartbeat-processor';
import { StallMonitor } from './stall-monitor';

export interface HealthManagerOptions {
  logger?: JsonLogger;
  /** Port of the /healthz + /metrics server (default 9878; 0 picks a free one; null: none). */
  statusPort?: number | null;
  /** Flow dispatch (default: BullMQ on config.redisUrl; flow records alone when there is no Redis). */
  dispatcher?: FlowDispatcher;
  /** This manager's identity in claims and flow payloads (default host:pid:random). */
  managerId?: string;
  now?: () => number;
  /** Batched write period (default 250 ms). */
  flushIntervalMs?: number;
  /** Listener statistics write period (default 5 s). */
  statsFlushIntervalMs?: number;
  /** Liveness written at most this often per amphora (default heartbeat_timeout / 6, at most heartbeat_interval). */
  livenessWriteIntervalMs?: number;
  /** Datagrams above this size are dropped as oversize (default 65536, what upstream reads). */
  maxPacketBytes?: number;
  /** No stale amphora is declared before this long after start (default heartbeat_timeout). */
  startupGraceMs?: number;
  /** Event-loop lag that counts as a stall (default min(interval/2, timeout/4), at least 200 ms). */
  stallThresholdMs?: number;
  /** Run the stale scan / housekeeping on timers (default true); tests may drive them with scanNow(). */
  scanTimer?: boolean;
  housekeepingTimer?: boolean;
}

export interface HealthManager {
  managerId: string;
  metrics: MetricsRegistry;
  /** The UDP address heartbeats go to. */
  address: { address: string; port: number };
  statusUrl: string | null;
  processor: HeartbeatProcessor;
  db: HealthDatabase;
  /** Writes everything pending now (statistics included). */
  flushNow(): Promise<void>;
  /** One stale scan with the same gates as the timer (returns null when a gate skipped it). */
  scanNow(): Promise<ScanResult | null>;
  housekeeping: Housekeeping;
  stop(): Promise<void>;
}

/**
 * Starts a health manager in this process: heartbeat receiver, state and batched writer, stale scanner
 * with failover claims, housekeeping, and the status server. Several can run against one database.
 */
export async function startHealthManager(config: OctaviaConfig, opts: HealthManagerOptions = {}): Promise<HealthManager> {
  if (!config.databaseUrl) throw new Error('the health manager needs a database URL (OCTAVIA_TS_DATABASE_URL or [database] connection)');
  const hm = config.healthManager;
  const hk = config.houseKeeping;
  const logger = opts.logger ?? new JsonLogger('health-manager');
  const now = opts.now ?? Date.now;
  const managerId = opts.managerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const intervalMs = hm.heartbeatInterval * 1000;
  const timeoutMs = hm.heartbeatTimeout * 1000;
  const metrics = MetricsRegistry.withProcessMetrics('health-manager');
  const db = new HealthDatabase(config.databaseUrl, metrics);
  const queuePrefix = (config as { worker?: { queuePrefix?: string } }).worker?.queuePrefix ?? 'bull';
  const ownDispatcher = opts.dispatcher ? undefined : config.redisUrl ? new BullmqFlowDispatcher(config.redisUrl, queuePrefix) : undefined;
  const dispatcher: FlowDispatcher = opts.dispatcher ?? ownDispatcher ?? { dispatch: async () => undefined };
  if (!opts.dispatcher && !ownDispatcher) logger.warn({ msg: 'no Redis URL: flow records are written but left for the worker reconciler' });

  const processor = new HeartbeatProcessor(
    db,
    {
      heartbeatIntervalMs: intervalMs,
      statusCacheTtlMs: hm.statusCacheTtl * 1000,
      livenessWriteIntervalMs: opts.livenessWriteIntervalMs ?? Math.min(intervalMs, timeoutMs / 6),
      now,
    },
    metrics,
    logger,
  );
  const writer = new HealthWriter(db, processor.writes, processor.stats, opts.statsFlushIntervalMs ?? 5000, metrics, logger);
  const scanner = new StaleScanner(
    db,
    dispatcher,
    {
      managerId,
      heartbeatTimeoutMs: timeoutMs,
      failoverThreshold: hm.failoverThreshold,
      failoverThreads: hm.failoverThreads,
      retryInitialDelayMs: hm.failoverRetryInitialDelay * 1000,
      retryMaxDelayMs: hm.failoverRetryMaxDelay * 1000,
      now,
    },
    metrics,
    logger,
  );
  const housekeeping = new Housekeeping(
    db,
    dispatcher,
    {
      amphoraExpiryAgeMs: hk.amphoraExpiryAge * 1000,
      loadBalancerExpiryAgeMs: hk.loadBalancerExpiryAge * 1000,
      certExpiryBufferMs: hk.certExpiryBuffer * 1000,
      certRotateThreads: hk.certRotateThreads,
      managerId,
      now,
    },
    metrics,
    logger,
  );
  let lastStallLog = 0;
  const stall = new StallMonitor(opts.stallThresholdMs ?? Math.max(200, Math.min(intervalMs / 2, timeoutMs / 4)), metrics, (lagMs) => {
    if (Date.now() - lastStallLog < 5000) return; // counted every time, logged at most every 5 s
    lastStallLog = Date.now();
    logger.warn({ msg: 'health manager event loop stalled; stale scans pause for one heartbeat_timeout', lag_ms: Math.round(lagMs) });
  });
  const receiver = new HeartbeatReceiver(
    {
      bindIp: hm.bindIp,
      bindPort: hm.bindPort,
      heartbeatKey: hm.heartbeatKey,
      decodeThreads: hm.healthUpdateThreads,
      sockRlimit: hm.sockRlimit,
      maxPacketBytes: opts.maxPacketBytes,
    },
    {
      full: (message, receivedAt) => processor.handle(message, receivedAt),
      compact: (full, stats, receivedAt) => processor.handleCompact(full, stats, receivedAt),
    },
    metrics,
    logger,
  );

  // Flushes and scans run one at a time: a scan always sees the liveness received before it.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };
  const flush = (forceStats = false) =>
    serial(async () => {
      try {
        await writer.flush(now(), forceStats);
      } catch (err) {
        logger.error({ msg: 'writing heartbeat results failed; kept for the next flush', error: String(err) });
        throw err;
      }
    });
  const scans = metrics.counter('octavia_hm_stale_scans_total', 'Stale scans by result (ran, skipped_startup, skipped_stall, skipped_database, failed).');
  const startedAt = now();
  const startupGraceMs = opts.startupGraceMs ?? timeoutMs;
  let lastSkipLog = '';
  const scanNow = async (): Promise<ScanResult | null> => {
    const t = now();
    let skip: string | null = null;
    if (t - startedAt < startupGraceMs) skip = 'startup';
    else if (stall.lastStallAt && t - stall.lastStallAt < timeoutMs) skip = 'stall';
    else if (writer.lastLivenessFailedAt && t - writer.lastLivenessFailedAt < timeoutMs) skip = 'database';
    if (skip) {
      scans.inc({ result: `skipped_${skip}` });
      if (skip !== lastSkipLog && skip !== 'startup') logger.warn({ msg: 'stale scan skipped: liveness may lag behind reality', reason: skip });
      lastSkipLog = skip;
      return null;
    }
    lastSkipLog = '';
    try {
      await flush().catch(() => undefined);
      // A failed flush means the database may not hold the liveness we received: do not judge on it.
      if (writer.lastLivenessFailedAt && now() - writer.lastLivenessFailedAt < timeoutMs) {
        scans.inc({ result: 'skipped_database' });
        return null;
      }
      const result = await serial(() => scanner.scan());
      scans.inc({ result: 'ran' });
      return result;
    } catch (err) {
      scans.inc({ result: 'failed' });
      logger.error({ msg: 'stale scan failed', error: String(err) });
      throw err;
    }
  };

  await receiver.start();
  const address = receiver.address();
  stall.start();
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, fn: () => Promise<unknown>) => {
    let running = false;
    const t = setInterval(() => {
      if (running) return;
      running = true;
      fn()
        .catch(() => undefined)
        .finally(() => (running = false));
    }, ms);
    timers.push(t);
  };
  every(opts.flushIntervalMs ?? 250, () => flush());
  // State of amphorae silent for ten timeouts (at least 10 min) is dropped; a returning one is simply re-read.
  every(60000, async () => processor.prune(Math.max(600000, 10 * timeoutMs)));
  if (opts.scanTimer ?? true) every(hm.healthCheckInterval * 1000, scanNow);
  if (opts.housekeepingTimer ?? true) {
    const cleanup = () => housekeeping.cleanup().catch((err) => logger.error({ msg: 'housekeeping cleanup failed', error: String(err) }));
    const rotate = () => housekeeping.rotateCertificates().catch((err) => logger.error({ msg: 'certificate rotation scan failed', error: String(err) }));
    every(hk.cleanupInterval * 1000, cleanup);
    every(hk.certInterval * 1000, rotate);
    // Upstream runs both right away; a short delay lets the first heartbeats in first.
    timers.push(setTimeout(() => void cleanup().then(rotate), 10000));
  }

  let status: Server | null = null;
  const statusPort = opts.statusPort === undefined ? 9878 : opts.statusPort;
  if (statusPort !== null) {
    status = await startStatusServer(config.api.host, statusPort, metrics, () => writer.lastLivenessFailedAt <= writer.lastLivenessOkAt);
  }
  const statusAddress = status?.address();
  logger.info({
    msg: 'health manager listening for heartbeats',
    bind: `${address.address}:${address.port}`,
    manager_id: managerId,
    heartbeat_interval: hm.heartbeatInterval,
    heartbeat_timeout: hm.heartbeatTimeout,
    health_check_interval: hm.healthCheckInterval,
    failover_threshold: hm.failoverThreshold,
    failover_threads: hm.failoverThreads,
    decode_threads: hm.healthUpdateThreads,
  });

  let stopped = false;
  return {
    managerId,
    metrics,
    address,
    statusUrl: statusAddress && typeof statusAddress === 'object' ? `http://${config.api.host}:${statusAddress.port}` : null,
    processor,
    db,
    housekeeping,
    flushNow: () => flush(true),
    scanNow,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      timers.forEach(clearInterval);
      stall.stop();
      await receiver.stop();
      await flush(true).catch(() => undefined);
      await chain;
      await new Promise<void>((resolve) => (status ? status.close(() => resolve()) : resolve()));
      await ownDispatcher?.close();
      await db.close();
      logger.info({ msg: 'health manager stopped', manager_id: managerId });
    },
  };
}
