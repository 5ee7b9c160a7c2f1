import { Pool, PoolClient } from 'pg';
import { MetricsRegistry } from '../../../../libs/common/src';

/** SQL for "epoch milliseconds in parameter $n" as a UTC `timestamp` (our columns are timestamp without time zone). */
export const tsParam = (n: number) => `(to_timestamp($${n}::float8 / 1000) AT TIME ZONE 'UTC')`;

/** SQL for a UTC `timestamp` expression as epoch milliseconds (a float8 pg returns as a number). */
export const msOf = (expr: string) => `(extract(epoch from (${expr}) AT TIME ZONE 'UTC') * 1000)::float8`;

export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

/**
 * The health manager's only way to the database (node-postgres, no ORM in the hot path): every statement
 * is named and counted (`octavia_hm_db_statements_total{statement}`), so the batching is measurable.
 */
export class HealthDatabase {
  readonly pool: Pool;
  private readonly statements;
  private readonly errors;
  private total = 0;

  constructor(url: string, metrics: MetricsRegistry, poolSize = 6) {
    this.pool = new Pool({ connectionString: url, max: poolSize, application_name: 'octavia-health-manager' });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.statements = metrics.counter('octavia_hm_db_statements_total', 'SQL statements the health manager ran, by statement.');
    this.errors = metrics.counter('octavia_hm_db_errors_total', 'SQL statements that failed, by statement.');
  }

  /** Statements run since start (the benchmark prints statements/s from this). */
  get statementCount(): number {
    return this.total;
  }

  async query<T = any>(name: string, sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<T[]> {
    return (await this.run(name, sql, params, on)).rows as T[];
  }

  async run(name: string, sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<{ rows: any[]; rowCount: number }> {
    this.statements.inc({ statement: name });
    this.total++;
    try {
      const r = await on.query(sql, params);
      return { rows: r.rows, rowCount: r.rowCount ?? 0 };
    } catch (err) {
      this.errors.inc({ statement: name });
      throw err;
    }
  }

  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
