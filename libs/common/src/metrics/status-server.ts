import { createServer, Server } from 'node:http';
import { MetricsRegistry } from './metrics.registry';

/** `/healthz` and `/metrics` for services that have no HTTP API of their own (worker, health manager). */
export function startStatusServer(host: string, port: number, metrics: MetricsRegistry, healthy: () => boolean): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
    } else if (req.url === '/healthz' || req.url === '/healthcheck') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'unhealthy' }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
