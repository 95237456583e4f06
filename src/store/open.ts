/**
 * One way to open a job store from what a user typed: a `postgres://` URL opens the shared
 * PostgreSQL store (its driver imported only then, so nothing else pays for it), anything else
 * is a SQLite file (or `:memory:`). A room of its own (docs/architecture.md): the store room does not
 * import its PostgreSQL part, which imports the store room.
 */
import { isPostgresLocation } from './location.js';
import { createSqliteStore, type SqliteStoreOptions } from './sqlite/index.js';
import type { Store } from './types.js';

export async function openStore(location: string, sqlite: SqliteStoreOptions = {}): Promise<Store> {
  if (isPostgresLocation(location)) {
    const { createPostgresStore } = await import('./postgres/index.js');
    return createPostgresStore(location.trim());
  }
  return createSqliteStore(location, sqlite);
}
