/**
 * The PostgreSQL store against a real server: the shared contract (every test in its own
 * schema of one database), then what only a shared store does.
 */
import { afterAll, describe } from 'vitest';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';
import { runStoreContract } from './contract.js';

const skip = pgSkipReason();
let db: TestDatabase | undefined;
let n = 0;
afterAll(() => db?.drop());

describe.skipIf(skip !== undefined)(`PostgreSQL store${skip ? ` (skipped: ${skip})` : ''}`, () => {
  db = createTestDatabase();
  runStoreContract('postgres', async () => {
    const schema = `contract_${++n}`;
    const url = db!.url;
    const store = await createPostgresStore(url, { schema, poolSize: 4 });
    return {
      store,
      reopen: () => createPostgresStore(url, { schema, poolSize: 4 }),
      cleanup: async () => {
        await store.close();
      },
    };
  });
});
