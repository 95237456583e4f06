/**
 * A model that echoes configured credentials: over a real socket, the values never come back
 * out of the server, not in the sync answer, the status document, the SSE stream, the webhook
 * payload, nor in any byte of the store's files.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/index.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { oneToolNode } from '../support/workflows.js';
import { waitUntil } from './helpers.js';

const PROVIDER_KEY = 'sk-provider-key-0123456789abcdef';
const TOOL_KEY = 'serper-credential-value-42';
const FROM_ENV_FILE = 'value-from-the-env-file-7';
const DB_PASSWORD = 'db-password-in-a-url';
const API_KEY = 'server-api-key-0001';

// serper_search is declared so its credential (SERPER_API_KEY) is a configured one; the
// model never calls it.
const WORKFLOW = oneToolNode({
  name: 'echo',
  input: 'name',
  output: 'greeting',
  id: 'greet',
  prompt: 'greet {state.name}',
  tools: ['serper_search'],
});

let dir: string;
let mock: MockLlm;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-redaction-'));
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('configured credentials echoed by a model', () => {
  it('are hidden in the answer, status, SSE, webhook payload and the store files', async () => {
    const webhookBodies: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        webhookBodies.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const echoed = `keys ${PROVIDER_KEY} ${TOOL_KEY} ${FROM_ENV_FILE} ${API_KEY} postgres://app:${DB_PASSWORD}@db/x`;
    mock.script([{ json: { greeting: echoed } }]);
    const server = await startServer({
      workflow: WORKFLOW,
      port: 0,
      host: '127.0.0.1',
      storePath: join(dir, 'jobs.db'),
      apiKeys: [API_KEY],
      env: {
        OPENAI_API_KEY: PROVIDER_KEY,
        // A credential by declaration only: its name says nothing secret.
        SERPER_API_KEY: TOOL_KEY,
        ENV_FILE_ENTRY: FROM_ENV_FILE,
        AGENTCRATE_SECRET_ENV: 'ENV_FILE_ENTRY',
      },
      override: { provider: 'openai', baseURL: mock.url, model: 'mock-1' },
      // The receiver is on loopback, which the outbound guard opens only when allowed.
      network: { allowPrivateNetwork: true },
    });
    const auth = { authorization: `Bearer ${API_KEY}` };
    try {
      const res = await fetch(`${server.url}/run?webhook=${encodeURIComponent(hook)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ name: 'Ada' }),
      });
      const answer = await res.text();
      expect(res.status, answer).toBe(200);
      const { job_id: jobId, outputs } = JSON.parse(answer) as {
        job_id: string;
        outputs: { greeting: string };
      };
      // The model's text is kept, only the values are masked.
      expect(outputs.greeting).toBe(
        'keys [REDACTED] [REDACTED] [REDACTED] [REDACTED] postgres://app:[REDACTED]@db/x',
      );
      const status = await (await fetch(`${server.url}/status/${jobId}`, { headers: auth })).text();
      const sse = await (await fetch(`${server.url}/jobs/${jobId}/events`, { headers: auth })).text();
      expect(sse).toContain('event: run-end');
      await waitUntil(() => webhookBodies.length === 1, 5000);
      for (const [where, text] of [
        ['sync answer', answer],
        ['status', status],
        ['SSE', sse],
        ['webhook', webhookBodies[0]!],
      ] as const) {
        expect(text, where).toContain('[REDACTED]');
        for (const secret of [PROVIDER_KEY, TOOL_KEY, FROM_ENV_FILE, API_KEY, DB_PASSWORD]) {
          expect(text, `${where} leaks ${secret}`).not.toContain(secret);
        }
      }
    } finally {
      await server.close(0);
      await new Promise((r) => receiver.close(r));
    }
    // Outputs, events and checkpoints: no byte of the database, its WAL included, holds them.
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      for (const secret of [PROVIDER_KEY, TOOL_KEY, FROM_ENV_FILE, API_KEY, DB_PASSWORD]) {
        expect(bytes.includes(Buffer.from(secret)), `${file} holds ${secret}`).toBe(false);
      }
    }
  });
});
