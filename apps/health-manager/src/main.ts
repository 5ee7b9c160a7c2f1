import { createSocket } from 'node:dgram';
import { JsonLogger, MetricsRegistry, OctaviaConfig, loadConfig, startStatusServer } from '../../../libs/common/src';

/**
 * The health manager's process: binds the heartbeat UDP port and serves health and metrics.
 * Heartbeat decoding, status rules and failover build on this receiver.
 */
export async function startHealthManager(config: OctaviaConfig, logger = new JsonLogger('health-manager'), statusPort = 9878): Promise<{ stop(): Promise<void> }> {
  const metrics = MetricsRegistry.withProcessMetrics('health-manager');
  const received = metrics.counter('octavia_hm_packets_received_total', 'Heartbeat packets received.');
  const socket = createSocket(config.healthManager.bindIp.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', () => received.inc());
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(config.healthManager.bindPort, config.healthManager.bindIp, () => resolve());
  });
  logger.info({ msg: 'health manager listening for heartbeats', bind: `${config.healthManager.bindIp}:${config.healthManager.bindPort}` });
  const status = await startStatusServer(config.api.host, statusPort, metrics, () => true);
  return {
    stop: async () => {
      status.close();
      socket.close();
    },
  };
}

if (require.main === module) {
  startHealthManager(loadConfig()).catch((err) => {
    process.stderr.write(`${JSON.stringify({ level: 'error', service: 'health-manager', msg: String(err) })}\n`);
    process.exit(1);
  });
}
