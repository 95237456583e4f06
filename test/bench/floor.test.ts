/**
 * The floor system of the benchmarks (bench/floor/server.mjs) is the yardstick agentcrate's
 * throughput is read against, so it must do the durable minimum it claims and nothing less: a
 * job row before the model call, one json_schema request per step (each reading the previous
 * answer), the result written back. Behaviour only; its speed lives in BENCHMARKS.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';

const server = join(import.meta.dirname, '..', '..', 'bench', 'floor', 'server.mjs');
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-floor-'));
let mock: MockLlm;
const children: ChildProcess[] = [];

beforeAll(async () => {
  mock = await startMockLlm();
});
afterEach(() => mock.reset());
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startFloor(steps: number): Promise<{ url: string; db: string }> {
  const db = join(dir, `floor-${steps}-${children.length}.db`);
  const child = spawn(process.execPath, [server], {
    env: { ...process.env, PORT: '0', MOCK_URL: mock.url, FLOOR_DB: db, FLOOR_STEPS: String(steps) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (line: Buffer) =>
      resolve((JSON.parse(line.toString()) as { url: string }).url),
    );
    child.once('exit', (code) => reject(new Error(`floor exited with ${code}`)));
  });
  return { url, db };
}

const run = (url: string, body: unknown) =>
  fetch(`${url}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

function jobs(db: string): Array<{ id: string; status: string; output: string | null }> {
  const conn = new DatabaseSync(db, { readOnly: true });
  try {
    return conn.prepare('SELECT id, status, output FROM jobs').all() as never;
  } finally {
    conn.close();
  }
}

describe('bench floor server', () => {
  it('three steps: three json_schema calls in sequence, each reading the previous answer; the job row holds the result', async () => {
    const { url, db } = await startFloor(3);
    mock.script([
      { json: { answer: 'first' } },
      { json: { answer: 'second' } },
      { json: { answer: 'third' } },
    ]);
    const res = await run(url, { topic: 'containers' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; job_id: string; outputs: Record<string, string> };
    expect(body).toMatchObject({
      status: 'success',
      outputs: { topic: 'containers', a: 'first', b: 'second', c: 'third' },
    });
    const calls = mock.chatRequests();
    expect(calls).toHaveLength(3);
    for (const call of calls) expect(call.body.response_format?.type).toBe('json_schema');
    expect(JSON.stringify(calls[0]?.body.messages)).toContain('containers');
    expect(JSON.stringify(calls[1]?.body.messages)).toContain('first');
    expect(JSON.stringify(calls[2]?.body.messages)).toContain('second');
    expect(jobs(db)).toEqual([{ id: body.job_id, status: 'success', output: JSON.stringify(body.outputs) }]);
  });

  it('writes the job row before the model answers, and records a failed call', async () => {
    const { url, db } = await startFloor(1);
    mock.script([{ delayMs: 400, status: 500 }]);
    const pending = run(url, { topic: 'containers' });
    await expect.poll(() => jobs(db).map((j) => j.status), { timeout: 5000 }).toEqual(['running']);
    const res = await pending;
    expect(res.status).toBe(502);
    expect(jobs(db).map((j) => j.status)).toEqual(['failed']);
  });

  it('refuses a body without a topic and writes nothing', async () => {
    const { url, db } = await startFloor(1);
    const res = await run(url, { nope: 1 });
    expect(res.status).toBe(400);
    expect(jobs(db)).toEqual([]);
    expect(mock.chatRequests()).toHaveLength(0);
  });
});
