import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { OctaviaConfig, loadConfig } from '../../libs/common/src';
import { runMigrations } from '../../libs/database/src';
import { startApi, ApiApp } from '../../apps/api/src/bootstrap';
import { FlowDispatcher } from '../../apps/api/src/providers/amphora.provider';
import { POSTGRES_ADMIN_URL, databaseUrl } from './services';

process.env.TZ = 'UTC';

/** A throw-away database with our migrations applied; dropped by `drop()`. */
export async function createTestDatabase(prefix = 'octavia_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = databaseUrl(name);
  await runMigrations(url);
  return {
    url,
    drop: async () => {
      const c = new Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestApi {
  url: string;
  dbUrl: string;
  config: OctaviaConfig;
  api: ApiApp;
  /** Fetch with JSON in and out, and the noauth project header by default. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestApi(env: Record<string, string> = {}, dispatcher?: FlowDispatcher): Promise<TestApi> {
  const db = await createTestDatabase();
  const config = loadConfig({
    OCTAVIA_TS_DATABASE_URL: db.url,
    OCTAVIA_TS_API_BIND: '127.0.0.1:0',
    OCTAVIA_TS_AUTH_STRATEGY: 'noauth',
    OCTAVIA_TS_DEFAULT_PROVIDER: 'noop_driver',
    ...env,
  });
  const api = await startApi(config, { dispatcher: dispatcher ?? { dispatch: async () => undefined }, logger: false });
  return {
    url: api.url,
    dbUrl: db.url,
    config,
    api,
    call: async (method, path, body, headers = {}) => {
      const res = await fetch(api.url + path, {
        method,
        headers: { 'content-type': 'application/json', 'x-project-id': 'project-a', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    close: async () => {
      await api.close();
      await db.drop();
    },
  };
}
