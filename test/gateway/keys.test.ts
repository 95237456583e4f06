/**
 * Virtual keys on a real socket, with the key store in a real SQLite file and, the same tests,
 * in a real PostgreSQL database (`--keys-db postgres://…`; skipped with the reason without
 * one): required once one exists, limits per minute, budgets priced from the cost table,
 * allowed models, keys created and revoked through another process's connection (the CLI's)
 * seen within a second (from PostgreSQL: when it notifies).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openKeyStore } from '../../src/gateway/keys/open.js';
import type { GatewayKeyStore } from '../../src/gateway/keys/store.js';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';
import { chat, startTestGateway } from './helpers.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pgSkip = pgSkipReason();

const BACKENDS = [
  { name: 'SQLite', seenMs: 1100, skip: undefined },
  { name: 'PostgreSQL', seenMs: 1700, skip: pgSkip },
] as const;

describe.each(BACKENDS)('gateway keys in $name', ({ name, seenMs, skip }) => {
  let mock: MockLlm;
  let gateway: RunningGateway;
  let dir: string;
  let database: TestDatabase | undefined;
  let cli: GatewayKeyStore; // a second connection, as `agentcrate gateway keys …` opens one

  const ask = (key?: string, model = 'fast') =>
    chat(
      gateway.url,
      { model, messages: [{ role: 'user', content: 'hello there, how are you?' }] },
      key ? { authorization: `Bearer ${key}` } : {},
    );

  beforeAll(async () => {
    if (skip !== undefined) return;
    mock = await startMockLlm();
    dir = mkdtempSync(join(tmpdir(), 'agentcrate-gw-keys-'));
    database = name === 'PostgreSQL' ? createTestDatabase('agentcrate_gwkeys') : undefined;
    const db = database?.url ?? join(dir, 'gateway.db');
    gateway = await startTestGateway(
      `
upstreams:
  local: {provider: openai-compatible, base_url: ${mock.url}}
routes:
  fast: {targets: [local/priced-model]}
  other: {targets: [local/priced-model]}
prices:
  priced-model: {input: 1000000, output: 1000000}
`,
      { flags: { keysDb: db } },
    );
    cli = await openKeyStore(db);
  });
  afterAll(async () => {
    await cli?.close();
    await gateway?.close();
    await mock?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    database?.drop();
  });
  afterEach(() => mock?.reset());

  describe(`virtual keys and limits${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it.skipIf(skip !== undefined)(
      'needs no key until one exists, then refuses requests without a valid one',
      async () => {
        expect((await ask()).status).toBe(200);
        const { secret } = await cli.create('ci', {});
        await pause(seenMs); // another connection's commit is seen within a second
        const none = await ask();
        expect(none.status).toBe(401);
        expect(none.json.error).toMatchObject({ code: 'missing_api_key', type: 'authentication_error' });
        expect(none.headers.get('www-authenticate')).toBe('Bearer');
        expect((await ask('sk-gw-not-a-key')).status).toBe(401);
        expect((await ask(secret)).status).toBe(200);
        expect((await fetch(`${gateway.url}/v1/models`)).status).toBe(401);
        expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
      },
    );

    it.skipIf(skip !== undefined)(
      'answers 429 with Retry-After past the requests-per-minute limit',
      async () => {
        const { secret } = await cli.create('rpm', { rpm: 2 });
        await pause(seenMs);
        expect((await ask(secret)).status).toBe(200);
        expect((await ask(secret)).status).toBe(200);
        const third = await ask(secret);
        expect(third.status).toBe(429);
        expect(third.json.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
        expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number(third.headers.get('retry-after'))).toBeLessThanOrEqual(60);
        expect(mock.chatRequests()).toHaveLength(2);
      },
    );

    it.skipIf(skip !== undefined)('answers 429 past the tokens-per-minute limit', async () => {
      const { secret } = await cli.create('tpm', { tpm: 5 });
      await pause(seenMs);
      expect((await ask(secret)).status).toBe(200); // uses more than 5 tokens
      const next = await ask(secret);
      expect(next.status).toBe(429);
      expect(next.json.error).toMatchObject({ code: 'tokens_limit_exceeded' });
    });

    it.skipIf(skip !== undefined)(
      'stops a key at its budget, priced from the cost table, and keeps the spending in the file',
      async () => {
        const { secret, record } = await cli.create('budget', { budgetUsd: 1 });
        await pause(seenMs);
        expect((await ask(secret)).status).toBe(200); // ~$10+ at a million dollars per million tokens
        const over = await ask(secret);
        expect(over.status).toBe(429);
        expect(over.json.error).toMatchObject({ code: 'budget_exceeded' });
        await pause(seenMs); // spending is written once a second
        const stored = (await cli.list()).find((k) => k.id === record.id)!;
        expect(stored.spentUsd).toBeGreaterThan(1);
        expect(stored.requests).toBe(1);
      },
    );

    it.skipIf(skip !== undefined)('keeps a key to its models', async () => {
      const { secret } = await cli.create('scoped', { models: ['other'] });
      await pause(seenMs);
      expect((await ask(secret, 'other')).status).toBe(200);
      const refused = await ask(secret, 'fast');
      expect(refused.status).toBe(403);
      expect(refused.json.error).toMatchObject({ code: 'model_not_allowed', type: 'permission_error' });
    });

    it.skipIf(skip !== undefined)('refuses a key revoked by another connection within a second', async () => {
      const { secret, record } = await cli.create('revoke-me', {});
      await pause(seenMs);
      expect((await ask(secret)).status).toBe(200);
      expect((await cli.revoke(record.id))?.revokedAt).toBeTypeOf('number');
      await pause(seenMs);
      expect((await ask(secret)).status).toBe(401);
    });
  });
});
