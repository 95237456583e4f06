/**
 * Crash recovery end to end: the real entry process is killed with SIGKILL mid-run and
 * started again on the same store. Every job must complete, and no node that a job's
 * checkpoint recorded as done may be called again for that job.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/index.js';
import { type MockLlm, type MockRequest, startMockLlm } from '../support/mock-llm.js';
import { THREE_STEPS_YAML } from './helpers.js';
import { startEntry } from './support/entry-process.js';

const JOBS = 20;
const NODES = ['one', 'two', 'three'];

const WORKFLOW = THREE_STEPS_YAML.replace('flow: {name: three}', 'flow: {name: crashy}');

let dir: string;
let mock: MockLlm;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-crash-'));
  writeFileSync(join(dir, 'workflow.yaml'), WORKFLOW);
  mock = await startMockLlm({ latencyMs: 300 });
});
afterAll(async () => {
  await mock?.close();
  rmSync(dir, { recursive: true, force: true });
});

function start() {
  return startEntry({
    cwd: dir,
    workflow: join(dir, 'workflow.yaml'),
    store: join(dir, 'jobs.db'),
    mockUrl: mock.url,
    env: { AGENTCRATE_MAX_CONCURRENT_RUNS: String(JOBS) },
  });
}

function promptOf(request: MockRequest): string {
  const user = [...(request.body.messages ?? [])].reverse().find((m) => m.role === 'user');
  return typeof user?.content === 'string' ? user.content : '';
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('crash recovery', () => {
  it('resumes 20 jobs after kill -9 without re-running a checkpointed node', async () => {
    const first = await start();
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const res = await fetch(`${first.url}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', Prefer: 'respond-async' },
        body: JSON.stringify({ n: String(i) }),
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { job_id: string }).job_id);
    }
    // Mid-run: every job has started, some are past their first node.
    await waitFor(() => mock.chatRequests().length >= 30, 15_000);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    // Requests the killed process had fully sent may still be in the mock's socket buffers.
    await new Promise((r) => setTimeout(r, 300));
    const beforeRestart = mock.chatRequests().length;

    const store = await createSqliteStore(join(dir, 'jobs.db'));
    const doneAtCrash = new Map<string, string[]>();
    for (const [i, id] of ids.entries()) {
      const job = await store.getJob(id);
      // Claimed and mid-run, or (under load) accepted but not yet claimed, or (a slow machine
      // submitting the last jobs while the first ran) already finished.
      expect(['running', 'pending', 'completed'], `job ${i}`).toContain(job?.status);
      doneAtCrash.set(String(i), job!.progress.nodesDone);
    }
    await store.close();
    const totalDone = [...doneAtCrash.values()].reduce((n, d) => n + d.length, 0);
    // The kill really happened mid-run: some nodes were checkpointed, not all.
    expect(totalDone).toBeGreaterThan(0);
    expect(totalDone).toBeLessThan(JOBS * NODES.length);

    const second = await start();
    try {
      await waitFor(async () => {
        const res = await fetch(`${second.url}/jobs?status=completed&limit=100`);
        return ((await res.json()) as { jobs: unknown[] }).jobs.length === JOBS;
      }, 40_000);
      for (const [i, id] of ids.entries()) {
        const status = (await (await fetch(`${second.url}/status/${id}`)).json()) as {
          status: string;
          outputs: Record<string, string>;
          progress: { nodes: string[] };
        };
        expect(status.status).toBe('completed');
        expect(status.outputs.n).toBe(String(i));
        expect(status.progress.nodes).toEqual(NODES);
      }
      const after = mock.chatRequests().slice(beforeRestart).map(promptOf);
      for (let i = 0; i < JOBS; i++) {
        const done = doneAtCrash.get(String(i))!;
        for (const node of NODES) {
          const calls = after.filter((p) => p === `${node} n=${i}`).length;
          // Checkpointed nodes never run again; every other node runs exactly once more.
          expect(calls, `job n=${i} node ${node} (done at crash: ${done.join(',')})`).toBe(
            done.includes(node) ? 0 : 1,
          );
        }
      }
      // The trace of a job the kill interrupted after its first node: one run span per process,
      // the first failed as interrupted, each finished node under the process that ran it.
      const index = [...doneAtCrash.entries()].find(([, d]) => d.length > 0 && d.length < NODES.length)?.[0];
      expect(index, 'a job interrupted between its nodes').toBeDefined();
      if (index !== undefined) {
        const trace = (await (await fetch(`${second.url}/traces/${ids[Number(index)]}`)).json()) as {
          run: { status: string };
          spans: Array<{
            span_id: string;
            parent_span_id: string | null;
            name: string;
            attributes: Record<string, unknown>;
          }>;
        };
        expect(trace.run.status).toBe('success');
        const runs = trace.spans.filter((s) => s.parent_span_id === null);
        expect(runs.map((r) => r.attributes['agentcrate.run.status'])).toEqual(['interrupted', 'success']);
        const okNodes = (run: (typeof runs)[number]) =>
          trace.spans
            .filter(
              (s) =>
                s.parent_span_id === run.span_id &&
                s.name.startsWith('node ') &&
                !s.attributes['agentcrate.error.code'],
            )
            .map((s) => s.name.slice(5));
        const done = doneAtCrash.get(index)!;
        expect(okNodes(runs[0]!)).toEqual(done);
        expect(okNodes(runs[1]!)).toEqual(NODES.filter((n) => !done.includes(n)));
      }
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  }, 90_000);
});
