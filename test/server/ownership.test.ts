/**
 * One store, one live owner, over real sockets: a second `agentcrate serve` on the same file
 * is refused (naming the owner's pid and host) and runs nothing twice, `traces` still reads
 * the store meanwhile, and after the owner is killed with -9 the next `serve` takes over at
 * once and finishes its jobs.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLEAN_ENV, runCli } from '../support/cli.js';
import { processFixture } from '../support/process-fixture.js';
import { submitAsync } from '../support/serve-process.js';
import { THREE_STEPS_YAML, waitUntil } from './helpers.js';

const fx = processFixture('agentcrate-owner-', 'three.yaml', THREE_STEPS_YAML);
const serve = (store: string) => fx.serve(store);
const submit = (base: string, n: number) => submitAsync(base, { n: String(n) });

const completed = async (base: string, ids: string[]) => {
  const res = await fetch(`${base}/jobs?status=completed&limit=100`);
  const done = new Set(((await res.json()) as { jobs: Array<{ job_id: string }> }).jobs.map((j) => j.job_id));
  return ids.every((id) => done.has(id));
};

describe('store ownership', () => {
  it('refuses a second serve on a live store, and takes over at once from one killed with -9', async () => {
    const store = join(fx.dir, 'jobs.db');
    const first = serve(store);
    const base = await first.url;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await submit(base, i));
    await waitUntil(() => fx.mock.chatRequests().length >= 6, 15_000);

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
    expect(fx.mock.chatRequests()).toHaveLength(6 * 3);

    // The owner dies mid-run; the next server does not wait for the lease to expire.
    fx.mock.reset();
    const more = [await submit(base, 10), await submit(base, 11)];
    await waitUntil(() => fx.mock.chatRequests().length >= 2, 15_000);
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
