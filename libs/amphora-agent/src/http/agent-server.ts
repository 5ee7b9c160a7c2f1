import { unwatchFile, watchFile } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { TlsProtocolName } from '../config/agent-config';
import { errorMessage, Logger } from '../util/logger';
import { AgentResponse, jsonResponse, werkzeugError } from './agent-response';
import { AgentRouter, normalisePath } from './agent-router';
import { SerialQueue } from './serial-queue';
import { loadTlsOptions } from './tls-material';

export interface AgentServerOptions {
  bindHost: string;
  bindPort: number;
  serverCertPath: string;
  clientCaPath: string;
  tlsProtocol: TlsProtocolName;
  /** `[amphora_agent] agent_request_read_timeout` in seconds. */
  requestTimeoutSeconds: number;
  /** Largest accepted upload; configs and PEMs are far smaller. */
  maxBodyBytes?: number;
  /** How often the certificate files are polled for out-of-band rotation. */
  certificatePollMs?: number;
}

const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

class BodyTooLarge extends Error {}

/** The agent's HTTPS endpoint: mutual TLS, raw bodies, one mutation at a time. */
export class AgentServer {
  private server: Server | null = null;
  private readonly mutations = new SerialQueue();

  constructor(
    private readonly router: AgentRouter,
    private readonly options: AgentServerOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<AddressInfo> {
    const tls = await loadTlsOptions(this.options.serverCertPath, this.options.clientCaPath, this.options.tlsProtocol);
    const server = createServer({ ...tls, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      void this.handle(req, res);
    });
    server.requestTimeout = this.options.requestTimeoutSeconds * 1000;
    server.headersTimeout = Math.min(60_000, server.requestTimeout);
    server.on('tlsClientError', (err) => this.logger.debug('TLS handshake refused', { error: err.message }));
    this.server = server;
    const address = await this.listen(server);
    this.watchCertificates();
    this.logger.info('agent API listening', { address: address.address, port: address.port });
    return address;
  }

  /** Re-read the certificate files; new handshakes use them, open connections are untouched. */
  async reloadTlsContext(): Promise<void> {
    if (!this.server) return;
    const tls = await loadTlsOptions(this.options.serverCertPath, this.options.clientCaPath, this.options.tlsProtocol);
    this.server.setSecureContext(tls);
    this.logger.info('TLS context reloaded');
  }

  async stop(): Promise<void> {
    unwatchFile(this.options.serverCertPath);
    unwatchFile(this.options.clientCaPath);
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private listen(server: Server): Promise<AddressInfo> {
    const attempt = (host: string): Promise<AddressInfo> =>
      new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen(this.options.bindPort, host, () => {
          server.off('error', onError);
          resolve(server.address() as AddressInfo);
        });
      });
    return attempt(this.options.bindHost).catch((err: NodeJS.ErrnoException) => {
      // `::` (the upstream default) fails where IPv6 is disabled; fall back to IPv4-any.
      if (this.options.bindHost === '::' && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) {
        this.logger.warn('IPv6 unavailable, listening on 0.0.0.0');
        return attempt('0.0.0.0');
      }
      throw err;
    });
  }

  /** Certificates rewritten behind our back (config drive, operator) are picked up too. */
  private watchCertificates(): void {
    const interval = this.options.certificatePollMs ?? 2000;
    const onChange = (): void => {
      this.reloadTlsContext().catch((err) =>
        this.logger.error('keeping the previous TLS context: new certificate files unusable', { error: errorMessage(err) }),
      );
    };
    watchFile(this.options.serverCertPath, { interval, persistent: false }, onChange);
    watchFile(this.options.clientCaPath, { interval, persistent: false }, onChange);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = normalisePath(req.url ?? '/');
    const started = Date.now();
    let response: AgentResponse;
    try {
      const body = await this.readBody(req);
      const dispatch = () => this.router.dispatch({ method, path, headers: req.headers, body });
      response = method === 'GET' || method === 'HEAD' ? await dispatch() : await this.mutations.run(dispatch);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        // 413 would count as success for the upstream controller; 400 is an error it handles.
        response = werkzeugError(400, `Request body larger than ${this.options.maxBodyBytes ?? DEFAULT_MAX_BODY} bytes`);
      } else {
        this.logger.error('request failed', { method, path, error: errorMessage(err) });
        response = jsonResponse(500, { message: 'Internal Server Error', details: errorMessage(err) });
      }
    }
    this.logger.info('request', { method, path, status: response.status, ms: Date.now() - started });
    res.writeHead(response.status, { ...response.headers, 'Content-Length': String(response.body.length) });
    res.end(method === 'HEAD' ? undefined : response.body);
  }

  private readBody(req: IncomingMessage): Promise<Buffer> {
    const limit = this.options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          reject(new BodyTooLarge());
          req.resume();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }
}
