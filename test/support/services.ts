/**
 * Where the tests find PostgreSQL and Redis: the URLs from the environment, or the local defaults that
 * `scripts/test.sh` makes sure are running.
 */
export const POSTGRES_ADMIN_URL = process.env.OCTAVIA_TS_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.OCTAVIA_TS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export function databaseUrl(name: string): string {
  const u = new URL(POSTGRES_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}
