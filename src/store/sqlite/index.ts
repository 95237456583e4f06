/** The embedded SQLite implementation of the `Store` seam. */
export { SCHEMA_VERSION } from './schema.js';
export { createSqliteStore, type SqliteStoreOptions } from './store.js';
