/**
 * What a commit of the PostgreSQL store waits for, against a real server: by default not the
 * disk (`synchronous_commit = off`), and whatever the URL's `?synchronous_commit=` says
 * (docs/server.md, "Several replicas on PostgreSQL"); a value PostgreSQL does not know is
 * refused by name before anything connects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgConnection } from '../../src/store/postgres/index.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';

const skip = pgSkipReason();
let db: TestDatabase;

async function setting(url: string): Promise<unknown> {
  const c = await openPgConnection(url, { poolSize: 1 });
  try {
    return (await c.q('read a setting', 'SHOW synchronous_commit'))[0]?.synchronous_commit;
  } finally {
    await c.close();
  }
}

const withParams = (url: string, params: string) => `${url}${url.includes('?') ? '&' : '?'}${params}`;

describe.skipIf(skip !== undefined)(
  `PostgreSQL commit durability setting${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    beforeAll(() => {
      db = createTestDatabase();
    });
    afterAll(() => db?.drop());

    it('does not wait for the disk by default, and waits when the URL says synchronous_commit=on', async () => {
      expect(await setting(withParams(db.url, 'schema=commits'))).toBe('off');
      expect(await setting(withParams(db.url, 'schema=commits&synchronous_commit=on'))).toBe('on');
      expect(await setting(withParams(db.url, 'synchronous_commit=remote_apply&schema=commits'))).toBe(
        'remote_apply',
      );
    });

    it('refuses an unknown value naming the parameter and the values it takes, never the password', async () => {
      const error = await openPgConnection(withParams(db.url, 'synchronous_commit=always')).catch((e) => e);
      expect(error).toMatchObject({ code: 'E_USAGE' });
      expect(error.message).toMatch(
        /synchronous_commit "always".*off, local, on, remote_write, remote_apply/,
      );
      const password = new URL(db.url).password;
      if (password) expect(error.message).not.toContain(password);
    });
  },
);
