import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/index.js';
import { getRunTrace } from '../../src/telemetry/read.js';
import { createRedactor, REDACTED, redactValue } from '../../src/telemetry/redact.js';
import { runJobs, workdir } from './helpers.js';

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

  it('a secret in a prompt or a tool result never reaches the trace, the stored events or the OTLP exporter', async () => {
    const inPrompt = 'sk-live-SECRETVALUE-0123456789';
    const envSecret = 'correct-horse-battery-staple-42';
    const fileToken = 'ghp_abcdefghijklmnopqrstuvwxyz0123';
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
    const store = await createSqliteStore(join(dir, 'runs.db'));
    // The 'plan' node's tool reads this file: its result carries two secrets.
    const cwd = workdir();
    writeFileSync(join(cwd, 'notes.txt'), `notes: ${envSecret} and ${fileToken}`);
    const env = {
      MY_SERVICE_TOKEN: envSecret,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    };
    const { created, jobs } = await runJobs(store, {
      jobIds: ['job-redact'],
      logPrompts: true,
      // The topic lands in the 'plan' prompt.
      topic: `${inPrompt} please`,
      env,
      app: { cwd },
    });
    await created.close(); // flushes the OTLP export
    expect(jobs[0]!.status).toBe('completed');

    const trace = (await getRunTrace(store, 'job-redact'))!;
    // Prompts were captured (log_prompts) — redacted.
    const plan = trace.spans.find(
      (s) => s.name === 'chat gpt-4o-mini' && s.attributes['agentcrate.node.id'] === 'plan',
    )!;
    expect(String(plan.attributes['gen_ai.input.messages'])).toContain(`plan ${REDACTED} please`);
    const read = trace.spans.find((s) => s.name === 'execute_tool file_read' && s.status !== 'error')!;
    expect(String(read.attributes['gen_ai.tool.call.result'])).toContain(
      `notes: ${REDACTED} and ${REDACTED}`,
    );
    const shown = JSON.stringify(trace);
    for (const secret of [inPrompt, envSecret, fileToken]) expect(shown).not.toContain(secret);
    // The stored events (the trace's record, and the SSE stream) hold the masked text too.
    const events = JSON.stringify(
      (await store.listEvents('job-redact')).filter(
        (e) => e.event.type !== 'run-start' && e.event.type !== 'node-end' && e.event.type !== 'run-end',
      ),
    );
    for (const secret of [inPrompt, envSecret, fileToken]) expect(events).not.toContain(secret);
    // The run's inputs are the caller's data, kept as sent (the job API returns them).
    expect((await store.getJob('job-redact'))!.inputs.topic).toBe(`${inPrompt} please`);
    await store.close();
    // Secrets that were never inputs are in no database file (WAL included).
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file));
      expect(bytes.includes(Buffer.from(envSecret))).toBe(false);
      expect(bytes.includes(Buffer.from(fileToken))).toBe(false);
    }

    const exported = Buffer.concat(received).toString('utf8');
    expect(exported).toContain('gen_ai.input.messages');
    expect(exported).toContain(REDACTED);
    for (const secret of [inPrompt, envSecret, fileToken]) expect(exported).not.toContain(secret);
  });
});
