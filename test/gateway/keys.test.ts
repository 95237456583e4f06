/**
 * Virtual keys on a real socket with a real SQLite file: required once one exists, limits per
 * minute, budgets priced from the cost table, allowed models, revocation by another process's
 * connection (the CLI's) seen within a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/gateway/keys/store.js';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { chat, startTestGateway } from './helpers.js';

let mock: MockLlm;
let gateway: RunningGateway;
let dir: string;
let cli: KeyStore; // a second connection, as `agentcrate gateway keys …` opens one

const ask = (key?: string, model = 'fast') =>
  chat(
    gateway.url,
    { model, messages: [{ role: 'user', content: 'hello there, how are you?' }] },
    key ? { authorization: `Bearer ${key}` } : {},
  );
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  mock = await startMockLlm();
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-gw-keys-'));
  const db = join(dir, 'gateway.db');
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
  cli = KeyStore.open(db);
});
afterAll(async () => {
  cli?.close();
  await gateway?.close();
  await mock?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => mock.reset());

describe('gateway: virtual keys and limits', () => {
  it('needs no key until one exists, then refuses requests without a valid one', async () => {
    expect((await ask()).status).toBe(200);
    const { secret } = cli.create('ci', {});
    await pause(1100); // another connection's commit is seen within a second
    const none = await ask();
    expect(none.status).toBe(401);
    expect(none.json.error).toMatchObject({ code: 'missing_api_key', type: 'authentication_error' });
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await ask('sk-gw-not-a-key')).status).toBe(401);
    expect((await ask(secret)).status).toBe(200);
    expect((await fetch(`${gateway.url}/v1/models`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });

  it('answers 429 with Retry-After past the requests-per-minute limit', async () => {
    const { secret } = cli.create('rpm', { rpm: 2 });
    await pause(1100);
    expect((await ask(secret)).status).toBe(200);
    expect((await ask(secret)).status).toBe(200);
    const third = await ask(secret);
    expect(third.status).toBe(429);
    expect(third.json.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(third.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(mock.chatRequests()).toHaveLength(2);
  });

  it('answers 429 past the tokens-per-minute limit', async () => {
    const { secret } = cli.create('tpm', { tpm: 5 });
    await pause(1100);
    expect((await ask(secret)).status).toBe(200); // uses more than 5 tokens
    const next = await ask(secret);
    expect(next.status).toBe(429);
    expect(next.json.error).toMatchObject({ code: 'tokens_limit_exceeded' });
  });

  it('stops a key at its budget, priced from the cost table, and keeps the spending in the file', async () => {
    const { secret, record } = cli.create('budget', { budgetUsd: 1 });
    await pause(1100);
    expect((await ask(secret)).status).toBe(200); // ~$10+ at a million dollars per million tokens
    const over = await ask(secret);
    expect(over.status).toBe(429);
    expect(over.json.error).toMatchObject({ code: 'budget_exceeded' });
    await pause(1100); // spending is written once a second
    const stored = cli.get(record.id)!;
    expect(stored.spentUsd).toBeGreaterThan(1);
    expect(stored.requests).toBe(1);
  });

  it('keeps a key to its models', async () => {
    const { secret } = cli.create('scoped', { models: ['other'] });
    await pause(1100);
    expect((await ask(secret, 'other')).status).toBe(200);
    const refused = await ask(secret, 'fast');
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'model_not_allowed', type: 'permission_error' });
  });

  it('refuses a key revoked by another connection within a second', async () => {
    const { secret, record } = cli.create('revoke-me', {});
    await pause(1100);
    expect((await ask(secret)).status).toBe(200);
    expect(cli.revoke(record.id)?.revokedAt).toBeTypeOf('number');
    await pause(1100);
    expect((await ask(secret)).status).toBe(401);
  });
});
