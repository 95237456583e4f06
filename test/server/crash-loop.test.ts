/**
 * The crash-loop guard with real kill -9s of the real entry process. Jobs merely in flight at
 * external kills are not failed; a job whose node takes the process down each time it runs is
 * stopped with E_CRASH_LOOP while the others complete; every restart logs one decision per job.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MockLlm, type MockRequest, startMockLlm } from '../support/mock-llm.js';
import { THREE_STEPS_YAML, waitUntil } from './helpers.js';
import { type EntryProcess, killHard, startEntry } from './support/entry-process.js';

let dir: string;
let mock: MockLlm;
const running: EntryProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-crashloop-'));
  writeFileSync(join(dir, 'three.yaml'), THREE_STEPS_YAML);
});
afterEach(async () => {
  for (const entry of running.splice(0)) entry.child.kill('SIGKILL');
  await mock?.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function promptOf(request: MockRequest): string {
  const user = [...(request.body.messages ?? [])].reverse().find((m) => m.role === 'user');
  return typeof user?.content === 'string' ? user.content : '';
}

async function start(store: string): Promise<EntryProcess> {
  const entry = await startEntry({
    cwd: dir,
    workflow: join(dir, 'three.yaml'),
    store,
    mockUrl: mock.url,
    env: { AGENTCRATE_MAX_CONCURRENT_RUNS: '16' },
  });
  running.push(entry);
  return entry;
}

async function submit(base: string, n: string): Promise<string> {
  const res = await fetch(`${base}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', Prefer: 'respond-async' },
    body: JSON.stringify({ n }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { job_id: string }).job_id;
}

type Status = {
  status: string;
  error: { code: string; message: string } | null;
  progress: { nodes: string[] };
};
async function status(base: string, id: string): Promise<Status> {
  return (await (await fetch(`${base}/status/${id}`)).json()) as Status;
}

/** The recovery decisions a process logged at start, by job id. */
function decisions(entry: EntryProcess): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of entry.logs()) {
    if (typeof line.msg !== 'string' || !line.msg.startsWith('recovery:')) continue;
    const id = String(line.jobId);
    out.set(id, [...(out.get(id) ?? []), String(line.decision)]);
  }
  return out;
}

describe('crash-loop guard', () => {
  it('five slow, harmless jobs survive three external kill -9s and all complete', async () => {
    // Slow enough that every kill lands while the calls counted below are still in flight.
    mock = await startMockLlm({ latencyMs: 2500 });
    const store = join(dir, 'harmless.db');
    let before = mock.chatRequests().length;
    let entry = await start(store);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await submit(entry.url, String(i)));
    for (let kill = 1; kill <= 3; kill++) {
      // The first two kills find all five in flight; by the third the guard runs the five
      // suspects one at a time, so one is.
      const calls = kill < 3 ? 5 : 1;
      await waitUntil(() => mock.chatRequests().length >= before + calls, 15_000).catch((error: Error) => {
        throw new Error(
          `kill ${kill}: ${mock.chatRequests().length - before} new model calls; decisions ${JSON.stringify([...decisions(entry)])}; ${error.message}`,
        );
      });
      await killHard(entry);
      before = mock.chatRequests().length;
      entry = await start(store);
      // Every job not finished gets exactly one logged decision from this start.
      const logged = decisions(entry);
      expect([...logged.keys()].sort()).toEqual([...ids].sort());
      for (const id of ids) expect(logged.get(id), `kill ${kill}: ${id}`).toHaveLength(1);
      const kinds = [...logged.values()].map((d) => d[0]);
      if (kill === 1) expect(kinds).toEqual(['resumed', 'resumed', 'resumed', 'resumed', 'resumed']);
      if (kill === 2) expect(kinds).toEqual(['isolated', 'isolated', 'isolated', 'isolated', 'isolated']);
      // One isolated job was in flight (and blamed once); the others were waiting their turn.
      if (kill === 3) expect(kinds.sort()).toEqual(['isolated', 'queued', 'queued', 'queued', 'queued']);
    }
    await waitUntil(async () => {
      const all = await Promise.all(ids.map((id) => status(entry.url, id)));
      return all.every((s) => s.status === 'completed' || s.status === 'failed');
    }, 60_000);
    for (const id of ids) {
      const s = await status(entry.url, id);
      expect(s.status, JSON.stringify(s.error)).toBe('completed');
      expect(s.progress.nodes).toEqual(['one', 'two', 'three']);
    }
  }, 120_000);

  it('a job that takes the process down each time it runs is stopped; the others complete', async () => {
    mock = await startMockLlm({ latencyMs: 400 });
    const store = join(dir, 'poison.db');
    let entry = await start(store);
    // The "poison" job's second node crashes the process whenever it runs: the watcher below
    // kills the server the moment that node's model call arrives.
    let kills = 0;
    let seen = 0;
    let current = entry;
    const watcher = setInterval(() => {
      const requests = mock.chatRequests();
      for (; seen < requests.length; seen++) {
        if (promptOf(requests[seen]!) === 'two n=poison' && current.child.exitCode === null) {
          kills += 1;
          current.child.kill('SIGKILL');
        }
      }
    }, 5);
    try {
      const poison = await submit(entry.url, 'poison');
      const healthy = [await submit(entry.url, 'h1'), await submit(entry.url, 'h2')];
      for (let restart = 0; restart < 12; restart++) {
        const code = await Promise.race([
          entry.exited,
          (async () => {
            await waitUntil(async () => (await status(entry.url, poison)).status === 'failed', 30_000);
            return 'poison failed';
          })().catch(() => 'still running'),
        ]);
        if (code === 'poison failed') break;
        entry = await start(store);
        current = entry;
      }
      const failed = await status(entry.url, poison);
      expect(failed.status).toBe('failed');
      expect(failed.error?.code).toBe('E_CRASH_LOOP');
      expect(failed.error?.message).toMatch(/only suspect of 3 crashes/);
      // The node before the poisoned one ran once and was never repeated.
      expect(mock.chatRequests().filter((r) => promptOf(r) === 'one n=poison')).toHaveLength(1);
      expect(kills).toBeGreaterThanOrEqual(3);
      expect(kills).toBeLessThanOrEqual(8);
      const failedLine = entry
        .logs()
        .concat(...running.map((e) => e.logs()))
        .find((l) => l.jobId === poison && l.decision === 'failed');
      expect(failedLine?.reason).toMatch(/sole suspect of 3 crashes/);
      await waitUntil(async () => {
        const all = await Promise.all(healthy.map((id) => status(entry.url, id)));
        return all.every((s) => s.status === 'completed');
      }, 30_000);
    } finally {
      clearInterval(watcher);
    }
  }, 180_000);
});
