import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createKeyCheck, presentedToken } from '../../src/server/auth.js';
import { httpStatusFor } from '../../src/server/errors.js';
import { createLogger } from '../../src/server/logger.js';
import { SERVER_SETTINGS } from '../../src/server/settings.js';
import { checkWebhookUrl, deliverWebhook } from '../../src/server/webhook.js';
import { parseRaw } from '../../src/settings/index.js';

describe('logger', () => {
  it('redacts authorization headers and secret environment values from every line', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({
      env: { OPENAI_API_KEY: 'sk-live-abcdef123456', HOME: '/root' },
      apiKeys: ['api-key-987654321'],
      destination,
    });
    logger.info({ headers: { authorization: 'Bearer api-key-987654321' } }, 'request');
    logger.error({ err: 'provider said: invalid key sk-live-abcdef123456' }, 'model failed');
    const text = lines.join('');
    expect(text).not.toContain('sk-live-abcdef123456');
    expect(text).not.toContain('api-key-987654321');
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('model failed');
  });
});

describe('auth', () => {
  it('accepts any configured key and nothing else', () => {
    const check = createKeyCheck(
      parseRaw(SERVER_SETTINGS.apiKeys, ' one-key , two-key ,,', { name: 'AGENTCRATE_API_KEYS', cwd: '/' }),
    );
    expect(check('one-key')).toBe(true);
    expect(check('two-key')).toBe(true);
    expect(check('one-ke')).toBe(false);
    expect(check('')).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(presentedToken('Bearer  abc ', undefined)).toBe('abc');
    expect(presentedToken('Basic abc', 'xyz')).toBe('xyz');
  });
});

describe('errors', () => {
  it('maps codes to HTTP statuses, unknown ones to 500', () => {
    expect(httpStatusFor('E_INVALID_INPUT')).toBe(422);
    expect(httpStatusFor('E_QUEUE_FULL')).toBe(429);
    expect(httpStatusFor('E_TIMEOUT')).toBe(504);
    expect(httpStatusFor('E_CRASH_LOOP')).toBe(500);
  });
});

describe('webhooks', () => {
  it('refuses non-http(s) URLs', () => {
    expect(() => checkWebhookUrl('ftp://example.com/x')).toThrow(/http or https/);
    expect(() => checkWebhookUrl('not a url')).toThrow(/not a valid URL/);
    expect(checkWebhookUrl('https://example.com/hook')).toBe('https://example.com/hook');
  });

  it('signs the raw body and does not retry a 4xx refusal', async () => {
    const seen: Array<{ body: string; signature: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ body, signature: String(req.headers['x-agentcrate-signature']) });
        res.writeHead(400).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const result = await deliverWebhook(
        url,
        'job-1',
        { job_id: 'job-1' },
        // The receiver is on loopback, which the outbound guard opens only when allowed.
        { secret: 's3cret', baseDelayMs: 5, network: { allowPrivateNetwork: true } },
      );
      expect(result).toMatchObject({ ok: false, attempts: 1, status: 400 });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.signature).toBe(
        `sha256=${createHmac('sha256', 's3cret').update(seen[0]!.body).digest('hex')}`,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
