import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/index.js';
import { otlpExporters } from '../../src/telemetry/otlp.js';
import { createRedactor, REDACTED, redactValue } from '../../src/telemetry/redact.js';
import { StoreSpanExporter } from '../../src/telemetry/store-exporter.js';
import { traceIdForJob } from '../../src/telemetry/trace-id.js';
import { runTraced } from './helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('redaction', () => {
  it('hides secret env values and well-known token shapes', () => {
    const redact = createRedactor({
      env: {
        OPENAI_API_KEY: 'plain-secret-value-123',
        HOME: '/root',
        DB_PASSWORD: 'hunter2hunter2',
        SHORT_TOKEN: 'abc',
      },
    });
    expect(redact('key plain-secret-value-123 here')).toBe(`key ${REDACTED} here`);
    expect(redact('pw=hunter2hunter2')).not.toContain('hunter2hunter2');
    expect(redact('home is /root')).toBe('home is /root'); // not a secret name
    expect(redact('abc stays')).toBe('abc stays'); // too short to replace blindly
    expect(redact('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig')).toBe(
      `Authorization: Bearer ${REDACTED}`,
    );
    expect(redact('use sk-proj-AbCdEfGhIjKlMnOpQrSt now')).toBe(`use ${REDACTED} now`);
    expect(redact('google AIzaSyA1234567890abcdefghijklmnopqrstu')).toBe(`google ${REDACTED}`);
    expect(redact('aws AKIAABCDEFGHIJKLMNOP')).toBe(`aws ${REDACTED}`);
    expect(redact('{"api_key": "zzzzzzzzzzzz"}')).toBe(`{"api_key": "${REDACTED}"}`);
    expect(
      redactValue({ headers: { Authorization: 'xyz-long-value' }, q: 'sk-abcdefghijklmnopqrstuvwx' }, redact),
    ).toEqual({
      headers: { Authorization: REDACTED },
      q: REDACTED,
    });
  });

  it('a secret placed in a prompt never reaches the store or the OTLP exporter', async () => {
    const secret = 'sk-live-SECRETVALUE-0123456789';
    const envSecret = 'correct-horse-battery-staple-42';
    const received: Buffer[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-redact-'));
    const store = await createSqliteStore(join(dir, 'spans.db'));
    const env = {
      MY_SERVICE_TOKEN: envSecret,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    };
    const { result } = await runTraced({
      exporters: [new StoreSpanExporter(store), ...otlpExporters({ env }).exporters],
      jobId: 'job-redact',
      logPrompts: true,
      // The topic lands in the 'plan' prompt; the 'right' model answers with the secret.
      topic: `${secret} and ${envSecret}`,
      secret,
      env,
    });
    expect(result.status).toBe('success');

    const spans = await store.listSpans(traceIdForJob('job-redact'));
    const stored = JSON.stringify(spans);
    // Prompts were captured (log_prompts) — redacted.
    const plan = spans.find(
      (s) => s.name === 'chat gpt-4o-mini' && s.attributes['agentcrate.node.id'] === 'plan',
    )!;
    expect(String(plan.attributes['gen_ai.input.messages'])).toContain(`plan ${REDACTED} and ${REDACTED}`);
    const right = spans.find(
      (s) => s.attributes['agentcrate.node.id'] === 'right' && s.name.startsWith('chat'),
    )!;
    expect(String(right.attributes['gen_ai.output.messages'])).toContain(REDACTED);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(envSecret);
    await store.close();
    // Not in the database files either (WAL included).
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
      expect(bytes.includes(Buffer.from(envSecret))).toBe(false);
    }

    const exported = Buffer.concat(received).toString('utf8');
    expect(exported).toContain('gen_ai.input.messages');
    expect(exported).toContain(REDACTED);
    expect(exported).not.toContain(secret);
    expect(exported).not.toContain(envSecret);
  });
});
