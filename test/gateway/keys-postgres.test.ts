/**
 * Gateways sharing their virtual keys in one PostgreSQL database (a real server; skipped with
 * the reason without one): a key created or revoked elsewhere is seen when the database says
 * so (LISTEN/NOTIFY), not at the next poll; and a key's per-minute limits hold across two
 * gateway processes (dist/gateway/entry.js) on one database.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeyStore } from '../../src/gateway/keys/open.js';
import { PgKeyStore } from '../../src/gateway/keys/postgres.js';
import { ROOT } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';
import { chat, freePort } from './helpers.js';

const ENTRY = join(ROOT, 'dist/gateway/entry.js');
const skip = pgSkipReason();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(25);
  }
}

describe.skipIf(skip !== undefined)(
  `gateway keys shared in PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let db: TestDatabase;
    let dir: string;
    let mock: MockLlm;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      db = createTestDatabase('agentcrate_gwpg');
      dir = mkdtempSync(join(tmpdir(), 'agentcrate-gw-pg-'));
      mock = await startMockLlm();
    });
    afterAll(async () => {
      for (const child of children) child.kill('SIGKILL');
      await mock?.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      db?.drop();
    });

    it('sees keys created and revoked through another connection when told, without polling', async () => {
      const url = `${db.url}?schema=told`;
      // Polls far apart: only the notification can make the change seen within the test.
      const gateway = await PgKeyStore.open(url, { pollMs: 600_000, fallbackPollMs: 600_000 });
      const cli = await openKeyStore(url);
      try {
        const { record } = await cli.create('elsewhere', { rpm: 5 });
        await until('the new key', () => gateway.get(record.id) !== undefined);
        await cli.revoke(record.id);
        await until('the revocation', () => gateway.get(record.id)?.revokedAt !== undefined);
      } finally {
        await cli.close();
        await gateway.close();
      }
    });

    it("holds a key's requests-per-minute limit across two gateway processes on one database", async () => {
      const url = `${db.url}?schema=replicas`;
      const config = join(dir, 'gateway.yaml');
      writeFileSync(
        config,
        `upstreams:\n  test: {provider: openai-compatible, base_url: ${mock.url}}\nroutes:\n  fast: {targets: [test/m]}\n`,
      );
      const start = async (): Promise<string> => {
        const port = await freePort();
        const child = spawn(process.execPath, [ENTRY], {
          env: {
            PATH: process.env.PATH,
            GATEWAY_PORT: String(port),
            GATEWAY_HOST: '127.0.0.1',
            GATEWAY_CONFIG: config,
            GATEWAY_KEYS_DB: url,
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(child);
        let out = '';
        child.stdout!.on('data', (d) => (out += d));
        await until('the gateway to serve', () => out.includes('agentcrate gateway serving'), 30_000);
        return `http://127.0.0.1:${port}`;
      };
      const [a, b] = [await start(), await start()];
      const cli = await openKeyStore(url);
      try {
        const rpm = 4;
        const { secret, record } = await cli.create('shared', { rpm });
        const ask = (base: string) =>
          chat(
            base,
            { model: 'fast', messages: [{ role: 'user', content: 'hello' }] },
            { authorization: `Bearer ${secret}` },
          );
        // Both gateways know the key: they now refuse a request without one.
        const anonymous = (base: string) =>
          chat(base, { model: 'fast', messages: [{ role: 'user', content: 'hello' }] });
        for (const base of [a, b]) {
          await until('the gateways to know the key', async () => (await anonymous(base)).status === 401);
        }
        mock.reset();
        for (let i = 0; i < rpm; i++) expect((await ask(a)).status).toBe(200);
        const refused = await ask(a);
        expect(refused.status).toBe(429);
        // a's requests reach the shared counts; b, which admitted none itself, refuses the key too.
        await until(
          "a's requests in the shared counts",
          () =>
            Number(
              db.psql(
                `SELECT coalesce(sum(requests), 0) FROM replicas.gateway_key_usage WHERE key_id = '${record.id}'`,
              ),
            ) >= rpm,
        );
        await pause(1500); // b reads the shared counts every half second
        const fromB = await ask(b);
        expect(fromB.status).toBe(429);
        expect(fromB.json.error).toMatchObject({ code: 'rate_limit_exceeded' });
        expect(Number(fromB.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(mock.chatRequests()).toHaveLength(rpm);
      } finally {
        await cli.close();
      }
    }, 60_000);
  },
);
