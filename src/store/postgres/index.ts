/** The PostgreSQL implementation of the `Store` seam (loaded only by processes given a postgres URL). */

export { PgConnection } from './connection.js';
export { SCHEMA_VERSION } from './schema.js';
export { createPostgresStore, openPgConnection, type PostgresStoreOptions } from './store.js';
