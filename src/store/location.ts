/** What a `--store` value names: a PostgreSQL URL or a SQLite file, and how to show it. */
import { resolve } from 'node:path';

/** The embedded store's file when nothing names a store. */
export const DEFAULT_STORE_FILE = './agentcrate.db';

/** `postgres://…` or `postgresql://…`. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/**
 * The store a command uses: `given` (its `--store`), else AGENTCRATE_STORE, else DATABASE_URL
 * when that is a PostgreSQL URL (the variable hosting platforms set), else ./agentcrate.db. A
 * file is resolved against `cwd`; a URL and `:memory:` are kept as they are.
 */
export function resolveStoreLocation(
  given: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
): string {
  const databaseUrl = env.DATABASE_URL;
  const location =
    nonEmpty(given) ??
    nonEmpty(env.AGENTCRATE_STORE) ??
    (databaseUrl !== undefined && isPostgresLocation(databaseUrl) ? databaseUrl : DEFAULT_STORE_FILE);
  if (isPostgresLocation(location)) return location.trim();
  return location === ':memory:' ? location : resolve(cwd, location);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The location as it may be shown in messages and logs: a URL's password masked. */
export function storeLabel(location: string): string {
  if (!isPostgresLocation(location)) return location;
  try {
    const url = new URL(location.trim());
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return location.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}
