/** The embedded SQLite implementation of the `Store` seam. */
export { SCHEMA_VERSION } from './schema.js';
export { createSqliteStore, DEFAULT_MIN_FREE_BYTES, type SqliteStoreOptions } from './store.js';
