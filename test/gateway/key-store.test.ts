/**
 * The gateway's key stores behind one seam (`openKeyStore`): the same tests on a real SQLite
 * file and a real PostgreSQL database (skipped with the reason without one). Spending from two
 * gateways on one store adds up, nothing is lost at close, revocation keeps its first time,
 * and the administration (`keys create|list|revoke`) works on either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysAdmin } from '../../src/gateway/keys/admin.js';
import { openKeyStore } from '../../src/gateway/keys/open.js';
import { hashKey } from '../../src/gateway/keys/store.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';

const pgSkip = pgSkipReason();
const spend = (usd: number) => ({
  usd,
  requests: 1,
  inputTokens: 10,
  outputTokens: 5,
  lastUsedAt: Date.now(),
});

describe.each([
  { name: 'SQLite', skip: undefined },
  { name: 'PostgreSQL', skip: pgSkip },
] as const)('gateway key store: $name', ({ name, skip }) => {
  let dir: string;
  let database: TestDatabase | undefined;
  let location: string;

  beforeAll(() => {
    if (skip !== undefined) return;
    dir = mkdtempSync(join(tmpdir(), 'agentcrate-keystore-'));
    database = name === 'PostgreSQL' ? createTestDatabase('agentcrate_keystore') : undefined;
    location = database?.url ?? join(dir, 'gateway.db');
  });
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    database?.drop();
  });

  const test = it.skipIf(skip !== undefined);
  const why = skip !== undefined ? ` (skipped: ${skip})` : '';

  test(`keeps only the key's hash, lists and counts keys, revokes once${why}`, async () => {
    const store = await openKeyStore(location);
    try {
      const a = await store.create('first', { rpm: 5, models: ['fast'] });
      const b = await store.create('second', { budgetUsd: 2, budgetPeriodMs: 60_000 });
      expect(a.secret).toMatch(/^sk-gw-/);
      expect(JSON.stringify(await store.list())).not.toContain(a.secret);
      expect(store.entries().find((e) => e.record.id === a.record.id)?.hash).toBe(hashKey(a.secret));
      // Same millisecond: creation order, then id.
      expect((await store.list()).map((k) => k.name).sort()).toEqual(['first', 'second']);
      expect(store.get(a.record.id)).toMatchObject({ rpm: 5, models: ['fast'], spentUsd: 0 });
      expect(store.get(b.record.id)).toMatchObject({ budgetUsd: 2, budgetPeriodMs: 60_000 });
      expect(await store.count()).toBe(2);
      const revoked = await store.revoke(b.secret); // by the key itself
      expect(revoked?.id).toBe(b.record.id);
      const again = await store.revoke(b.record.id); // by id: the first time stays
      expect(again?.revokedAt).toBe(revoked?.revokedAt);
      expect(await store.revoke('key_nosuch')).toBeUndefined();
      expect(store.check()).toEqual({ ok: true });
    } finally {
      await store.close();
    }
  });

  test(`adds up two gateways' spending on one key, seen at once and kept at close${why}`, async () => {
    const one = await openKeyStore(location);
    const two = await openKeyStore(location);
    const { record } = await one.create('shared', { budgetUsd: 100 });
    // The other gateway learns of the key through its store (PostgreSQL: its next poll).
    await expect.poll(() => two.get(record.id)?.id, { timeout: 3000, interval: 50 }).toBe(record.id);
    one.addSpend(record.id, spend(1.5));
    expect(one.get(record.id)?.spentUsd).toBeCloseTo(1.5); // counted before any write lands
    for (let i = 0; i < 3; i++) two.addSpend(record.id, spend(0.25));
    await Promise.all([one.close(), two.close()]);
    const reopened = await openKeyStore(location);
    try {
      const stored = (await reopened.list()).find((k) => k.id === record.id)!;
      expect(stored.spentUsd).toBeCloseTo(2.25);
      expect(stored.requests).toBe(4);
      expect(stored.inputTokens).toBe(40);
    } finally {
      await reopened.close();
    }
  });

  test(`keys create, list and revoke administer it${why}`, async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      green: String,
      dim: String,
    };
    expect(await keysAdmin(location, ['create'], { name: 'admin-made', rpm: '3' }, io)).toBe(0);
    const secret = out.at(-1)!;
    expect(secret).toMatch(/^sk-gw-/);
    // The URL's password is never printed.
    if (database !== undefined) expect(err.join('\n')).not.toContain(new URL(database.url).password);
    expect(await keysAdmin(location, ['list'], { json: true }, io)).toBe(0);
    const listed = JSON.parse(out.at(-1)!) as Array<{ id: string; name: string; rpm?: number }>;
    const made = listed.find((k) => k.name === 'admin-made')!;
    expect(made.rpm).toBe(3);
    expect(await keysAdmin(location, ['revoke', made.id], {}, io)).toBe(0);
    const store = await openKeyStore(location);
    try {
      expect(store.entries().find((e) => e.hash === hashKey(secret))?.record.revokedAt).toBeTypeOf('number');
    } finally {
      await store.close();
    }
  });
});
