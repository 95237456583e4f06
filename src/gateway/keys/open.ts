/**
 * Opens the key store a `--keys-db` value names: a `postgres://` URL (PostgreSQL, imported only
 * then) or a SQLite file (relative to `cwd`; `:memory:` for none; node:sqlite, imported only then).
 */
import { resolve } from 'node:path';
import type { GatewayKeyStore } from './store.js';

export function isPostgresKeyStore(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

export async function openKeyStore(location: string, cwd = process.cwd()): Promise<GatewayKeyStore> {
  if (isPostgresKeyStore(location)) {
    const { PgKeyStore } = await import('./postgres.js');
    return PgKeyStore.open(location.trim());
  }
  // Imported here: a gateway without keys never loads node:sqlite (the store's module).
  const { KeyStore } = await import('./store.js');
  return KeyStore.open(location === ':memory:' ? location : resolve(cwd, location));
}
