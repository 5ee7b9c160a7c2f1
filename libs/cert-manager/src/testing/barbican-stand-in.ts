import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * BarbicanStandIn — a stand-in for the Barbican key manager of a real cloud, which tests cannot reach.
 * It answers the read calls a load balancer service makes, with Barbican v1's shapes:
 * `GET /v1/secrets/{id}` (metadata), `GET /v1/secrets/{id}/payload` (raw bytes) and
 * `GET /v1/containers/{id}` (certificate containers with named `secret_refs`). A token must be one the
 * test registered, and a secret/container is only readable with a token of its project (Barbican's
 * per-project ownership); otherwise 401 / 403 / 404 with Barbican's error body.
 */
export interface StandInSecret {
  id: string;
  name: string;
  projectId: string;
  payload: Buffer;
  secretType: 'certificate' | 'private' | 'passphrase' | 'opaque';
  contentType: string;
}

export interface StandInContainer {
  id: string;
  name: string;
  projectId: string;
  type: 'certificate' | 'generic';
  secrets: Array<{ name: string; secretId: string }>;
}

const CREATED = '2026-11-20T10:11:12';

export class BarbicanStandIn {
  private server?: Server;
  private readonly secrets = new Map<string, StandInSecret>();
  private readonly containers = new Map<string, StandInContainer>();
  /** token → project id */
  private readonly tokens = new Map<string, string>();
  readonly requests: Array<{ method: string; path: string; token: string | null }> = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  addToken(token: string, projectId: string): void {
    this.tokens.set(token, projectId);
  }

  /** Stores a secret; returns its reference URL. */
  addSecret(s: Omit<StandInSecret, 'id' | 'secretType' | 'contentType'> & Partial<Pick<StandInSecret, 'secretType' | 'contentType'>>): string {
    const id = randomUUID();
    this.secrets.set(id, { secretType: 'opaque', contentType: 'application/octet-stream', ...s, id });
    return `${this.url}/v1/secrets/${id}`;
  }

  /** Stores a certificate container over the given secret references; returns its reference URL. */
  addContainer(c: { name: string; projectId: string; type?: 'certificate' | 'generic'; secrets: Array<{ name: string; ref: string }> }): string {
    const id = randomUUID();
    this.containers.set(id, {
      id, name: c.name, projectId: c.projectId, type: c.type ?? 'certificate',
      secrets: c.secrets.map((s) => ({ name: s.name, secretId: s.ref.split('/').pop()! })),
    });
    return `${this.url}/v1/containers/${id}`;
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, title: string, description: string): void {
    this.send(res, status, { code: status, title, description });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const token = typeof req.headers['x-auth-token'] === 'string' ? req.headers['x-auth-token'] : null;
    this.requests.push({ method: req.method ?? 'GET', path, token });
    if (req.method !== 'GET') return this.error(res, 405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
    const project = token ? this.tokens.get(token) : undefined;
    if (!project) {
      res.setHeader('www-authenticate', `Keystone uri="${this.url}/identity"`);
      return this.error(res, 401, 'Unauthorized', 'The request you have made requires authentication.');
    }
    let m = /^\/v1\/secrets\/([0-9a-f-]{36})(\/payload)?\/?$/.exec(path);
    if (m) {
      const secret = this.secrets.get(m[1]);
      if (!secret) return this.error(res, 404, 'Not Found', 'Not Found. Sorry but your secret is in another castle.');
      if (secret.projectId !== project) return this.error(res, 403, 'Forbidden', 'SecretACLs(s) or project ownership does not allow this operation.');
      if (m[2]) {
        res.writeHead(200, { 'content-type': secret.contentType });
        res.end(secret.payload);
        return;
      }
      return this.send(res, 200, {
        secret_ref: `${this.url}/v1/secrets/${secret.id}`, name: secret.name, status: 'ACTIVE', secret_type: secret.secretType,
        content_types: { default: secret.contentType }, algorithm: null, bit_length: null, mode: null, expiration: null,
        created: CREATED, updated: CREATED, creator_id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
      });
    }
    m = /^\/v1\/containers\/([0-9a-f-]{36})\/?$/.exec(path);
    if (m) {
      const c = this.containers.get(m[1]);
      if (!c) return this.error(res, 404, 'Not Found', 'Not Found. Sorry but your container is in another castle.');
      if (c.projectId !== project) return this.error(res, 403, 'Forbidden', 'ContainerACL(s) or project ownership does not allow this operation.');
      return this.send(res, 200, {
        container_ref: `${this.url}/v1/containers/${c.id}`, name: c.name, type: c.type, status: 'ACTIVE',
        secret_refs: c.secrets.map((s) => ({ name: s.name, secret_ref: `${this.url}/v1/secrets/${s.secretId}` })),
        consumers: [], created: CREATED, updated: CREATED, creator_id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
      });
    }
    return this.error(res, 404, 'Not Found', 'The resource could not be found.');
  }
}
