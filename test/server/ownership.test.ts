/**
 * One store, one live owner, over real sockets: a second `agentcrate serve` on the same file
 * is refused (naming the owner's pid and host) and runs nothing twice, `traces` still reads
 * the store meanwhile, and after the owner is killed with -9 the next `serve` takes over at
 * once and finishes its jobs.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_ENV, runCli } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { spawnServe } from '../support/serve-process.js';
import { THREE_STEPS_YAML, waitUntil } from './helpers.js';

let dir: string;
let mock: MockLlm;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-owner-'));
  writeFileSync(join(dir, 'three.yaml'), THREE_STEPS_YAML);
  mock = await startMockLlm({ latencyMs: 300 });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

function serve(store: string) {
  const args = [join(dir, 'three.yaml'), '--port', '0', '--store', store];
  return spawnServe([...args, '--provider', 'openai', '--base-url', mock.url, '--model', 'mock-1'], {
    track: children,
  });
}

async function submit(base: string, n: number): Promise<string> {
  const res = await fetch(`${base}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', Prefer: 'respond-async' },
    body: JSON.stringify({ n: String(n) }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job_id: string }).job_id;
}

const completed = async (base: string, ids: string[]) => {
  const res = await fetch(`${base}/jobs?status=completed&limit=100`);
  const done = new Set(((await res.json()) as { jobs: Array<{ job_id: string }> }).jobs.map((j) => j.job_id));
  return ids.every((id) => done.has(id));
};

describe('store ownership', () => {
  it('refuses a second serve on a live store, and takes over at once from one killed with -9', async () => {
    const store = join(dir, 'jobs.db');
    const first = serve(store);
    const base = await first.url;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await submit(base, i));
    await waitUntil(() => mock.chatRequests().length >= 6, 15_000);

    // A second server on the same file while the first runs its jobs: refused, clearly.
    const second = serve(store);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`is in use by agentcrate pid ${first.child.pid} on host ${hostname()}`);
    expect(second.stderr()).toMatch(
      /that process is alive\. Its lease expires in \d+\.\d s if it has stopped/,
    );
    expect(second.stderr()).not.toMatch(/serving/);
    // Reading the store needs no ownership.
    const traces = await runCli(['traces', '--store', store], { env: CLEAN_ENV });
    expect(traces.code, traces.stderr).toBe(0);
    expect((await fetch(`${base}/ready`)).status).toBe(200);

    await waitUntil(() => completed(base, ids), 30_000);
    // Each job ran each node exactly once: the refused server ran nothing.
    expect(mock.chatRequests()).toHaveLength(6 * 3);

    // The owner dies mid-run; the next server does not wait for the lease to expire.
    mock.reset();
    const more = [await submit(base, 10), await submit(base, 11)];
    await waitUntil(() => mock.chatRequests().length >= 2, 15_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const started = Date.now();
    const third = serve(store);
    const next = await third.url;
    expect(Date.now() - started).toBeLessThan(8000);
    await waitUntil(() => completed(next, more), 30_000);
    expect(third.stdout()).toContain('the previous owner of the store died without releasing it');
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 90_000);
});
