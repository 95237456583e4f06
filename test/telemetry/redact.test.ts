import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/secrets/index.js';
import { createSqliteStore } from '../../src/store/index.js';
import { getRunTrace } from '../../src/telemetry/trace-reader.js';
import { runJobs, workdir } from './helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('redaction', () => {
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
    // The stored events (the trace's record, and the SSE stream) hold the masked text too,
    // the inputs on run-start and the values nodes wrote included.
    const events = JSON.stringify(await store.listEvents('job-redact'));
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
