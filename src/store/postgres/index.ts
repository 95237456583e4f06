/** The PostgreSQL implementation of the `Store` seam (loaded only by processes given a postgres URL). */
export { SCHEMA_VERSION } from './schema.js';
export { createPostgresStore, type PostgresStoreOptions } from './store.js';
