/**
 * The one log line per request is built and written after the answer has been handed to the
 * client, not before: serializing and redacting it is then no part of the answer's latency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../../src/gateway/http/app.js';
import type { GatewayLogger } from '../../src/gateway/ops/log.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { configFrom } from './helpers.js';

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock?.close();
});

describe('gateway: the request log line', () => {
  for (const stream of [false, true]) {
    it(`is written after a ${stream ? 'streamed' : 'plain'} answer was handed over, with its fields`, async () => {
      const lines: Array<{ obj: Record<string, unknown>; msg: string | undefined }> = [];
      const record =
        (level: string) =>
        (obj: object, msg?: string): void => {
          lines.push({ obj: { level, ...obj }, msg });
        };
      const logger: GatewayLogger = { info: record('info'), warn: record('warn'), error: record('error') };
      const gateway = createGatewayApp({
        config: configFrom(
          `upstreams:\n  a: {provider: openai-compatible, base_url: ${mock.url}}\nroutes:\n  fast: {targets: [a/m]}\nkeys: {require: never}\n`,
        ),
        logger,
        idleTrimMs: 0,
      });
      try {
        mock.enqueue({ text: 'hello there' });
        const response = await gateway.app.request('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', host: 'localhost' },
          body: JSON.stringify({ model: 'fast', stream, messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(response.status).toBe(200);
        const text = await response.text();
        expect(text).toContain(stream ? 'data: [DONE]' : 'hello there');
        if (!stream) {
          // The answer is in the client's hands and no line was written yet...
          expect(lines.filter((l) => l.msg === 'chat')).toEqual([]);
        }
        // ...it comes right after.
        for (let i = 0; i < 20 && !lines.some((l) => l.msg === 'chat'); i++)
          await new Promise((r) => setImmediate(r));
        expect(lines.filter((l) => l.msg === 'chat')).toEqual([
          {
            msg: 'chat',
            obj: expect.objectContaining({
              level: 'info',
              status: 200,
              route: 'fast',
              upstream: 'a',
              stream,
              attempts: 1,
            }),
          },
        ]);
      } finally {
        await gateway.close();
      }
    });
  }
});
