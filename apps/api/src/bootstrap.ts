import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { JsonLogger, MetricsRegistry, OctaviaConfig } from '../../../libs/common/src';
import { ApiModule } from './api.module';
import { FaultFilter } from './common/fault.filter';
import { acceptJsonOnly, jsonBody, normalisePath, requestId } from './common/http-middleware';
import { contextFromHeaders } from './auth/request-context';
import { createAuthMiddleware } from './auth/auth.middleware';
import { createStandaloneLookups } from './standalone/standalone-lookups';
import { FlowDispatcher } from './providers/amphora.provider';
import { BullmqFlowDispatcher } from './providers/bullmq-dispatcher';
import { parsePaginationOnly } from './query/list-query';
import { ApiFault } from './common/api-fault';

export interface ApiApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** Builds and starts the API on the configured address; tests call this with their own config. */
export async function startApi(config: OctaviaConfig, opts: { dispatcher?: FlowDispatcher; logger?: JsonLogger | false } = {}): Promise<ApiApp> {
  if (!config.databaseUrl) throw new Error('the API needs a database URL');
  const ownDispatcher = opts.dispatcher ? undefined : config.redisUrl ? new BullmqFlowDispatcher(config.redisUrl, config.worker.queuePrefix) : undefined;
  const dispatcher: FlowDispatcher = opts.dispatcher ?? ownDispatcher ?? { dispatch: async () => undefined };
  const metrics = MetricsRegistry.withProcessMetrics('api');
  const requests = metrics.counter('octavia_api_requests_total', 'API requests by method and status code.');
  const latency = metrics.histogram('octavia_api_request_duration_seconds', 'API request latency.');
  const app = await NestFactory.create(ApiModule.forRoot(config, dispatcher, metrics), {
    bodyParser: false,
    logger: opts.logger === false ? false : opts.logger ?? new JsonLogger('api'),
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      requests.inc({ method: req.method, code: String(res.statusCode) });
      latency.observe({ method: req.method }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });
  app.use(requestId);
  app.use((req: Request, res: Response, next: NextFunction) => {
    // The API has no PATCH (or other) verbs anywhere: answer 405 rather than an unknown-route 404.
    if (!['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'].includes(req.method)) {
      const fault = new ApiFault(405, 'The method is not allowed for the requested URL.');
      res.status(405).type('application/json').send(JSON.stringify(fault.body()));
      return;
    }
    next();
  });
  // Standalone mode: Neutron/Keystone look-ups answered from our own tables (before /v2.0 is rewritten).
  const standalone = createStandaloneLookups(config, app);
  if (standalone) app.use(standalone);
  app.use(normalisePath);
  app.use(acceptJsonOnly);
  app.use(jsonBody(config.api.maxRequestBodySize));
  app.use(createAuthMiddleware(config, { logger: opts.logger === false ? new JsonLogger('api', 'error') : undefined }));
  app.use((req: Request & { octaviaContext?: unknown }, res: Response, next: NextFunction) => {
    req.octaviaContext ??= contextFromHeaders(req, config.api.authStrategy === 'noauth');
    if (req.method === 'GET' && req.path.startsWith('/v2/')) {
      try {
        parsePaginationOnly(req.query, config.api.paginationMaxLimit);
      } catch (err) {
        const fault = err as ApiFault;
        res.status(fault.status).type('application/json').send(JSON.stringify(fault.body()));
        return;
      }
    }
    next();
  });
  app.useGlobalFilters(new FaultFilter());
  app.getHttpAdapter().getInstance().set('etag', false);
  await app.listen(config.api.port, config.api.host);
  const address = app.getHttpServer().address() as { port: number };
  const host = config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host;
  return {
    app,
    url: `http://${host}:${address.port}`,
    close: async () => {
      await app.close();
      await (ownDispatcher as BullmqFlowDispatcher | undefined)?.close();
    },
  };
}
