/**
 * A full disk under a real server process: its SQLite file on a small tmpfs mounted for the
 * test (as root; skipped otherwise, saying why). While the disk is full, new runs get 503 with
 * Retry-After, /ready is false and running jobs are parked, not left `running` with nobody
 * running them; once space is freed they go on from the node they had finished and complete,
 * no finished node run twice.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockLlm, type MockRequest, startMockLlm } from '../support/mock-llm.js';
import { THREE_STEPS_YAML, waitUntil } from './helpers.js';
import { type EntryProcess, startEntry } from './support/entry-process.js';

const JOBS = 3;
const BIG = 1024 * 1024; // node two's answer: far more than the WAL holds when the disk fills

function mountTmpfs(): { dir: string } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'mounting a tmpfs needs root (CI runs as root)' };
  const dir = mkdtempSync(join(tmpdir(), 'agentcrate-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs here: ${(error as Error).message.split('\n')[0]}` };
  }
}

const mounted = mountTmpfs();
const skip = 'skip' in mounted ? mounted.skip : undefined;
const volume = 'dir' in mounted ? mounted.dir : '';
let work: string;
let mock: MockLlm;
let entry: EntryProcess | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'agentcrate-diskfull-work-'));
  writeFileSync(join(work, 'three.yaml'), THREE_STEPS_YAML);
  mock = await startMockLlm({
    latencyMs: 100,
    defaultAnswer: (request) =>
      promptOf(request).startsWith('two ')
        ? { json: { b: 'x'.repeat(BIG) } }
        : { json: { a: 'ok', c: 'ok' } },
  });
});
afterAll(async () => {
  entry?.child.kill('SIGKILL');
  await entry?.exited;
  await mock?.close();
  if (volume !== '') {
    try {
      execFileSync('umount', [volume], { stdio: 'pipe' });
    } finally {
      rmSync(volume, { recursive: true, force: true });
    }
  }
  rmSync(work, { recursive: true, force: true });
});

function promptOf(request: MockRequest): string {
  const user = [...(request.body.messages ?? [])].reverse().find((m) => m.role === 'user');
  return typeof user?.content === 'string' ? user.content : '';
}

/** Writes zeros until the volume refuses more. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(256 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

type Status = { status: string; progress: { nodes: string[] } };

describe.skipIf(skip !== undefined)(`a full disk${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('503 + Retry-After and /ready false while full; parked jobs complete once space returns', async () => {
    const data = join(volume, 'data');
    mkdirSync(data);
    mock.script(
      Array.from({ length: JOBS }, () => ({ match: 'two n=', delayMs: 5000, json: { b: 'x'.repeat(BIG) } })),
    );
    entry = await startEntry({
      cwd: work,
      workflow: join(work, 'three.yaml'),
      store: join(data, 'jobs.db'),
      mockUrl: mock.url,
    });
    const base = entry.url;
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const res = await fetch(`${base}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', Prefer: 'respond-async' },
        body: JSON.stringify({ n: String(i) }),
      });
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { job_id: string }).job_id);
    }
    const status = async (id: string) => (await (await fetch(`${base}/status/${id}`)).json()) as Status;
    // Every job has stored its small first node and asked for the big second one, whose
    // answers are held back until the disk is full.
    await waitUntil(
      () => mock.chatRequests().filter((r) => promptOf(r).startsWith('two ')).length === JOBS,
      20_000,
    );
    for (const id of ids) expect((await status(id)).progress.nodes).toEqual(['one']);
    const filler = join(volume, 'filler');
    fill(filler);

    // Not ready, saying why (the store's volume is full) ...
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/job store/);
    // ... and new runs get 503 with Retry-After, never a 500 (the free-space reading it goes
    // by is at most a second old).
    await new Promise((r) => setTimeout(r, 1100));
    const refused = await fetch(`${base}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 'late' }),
    });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('E_STORE_UNAVAILABLE');

    // The running jobs cannot store their second node: parked, no third node started.
    await waitUntil(() => entry!.logs().filter((l) => l.decision === 'parked').length === JOBS, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(mock.chatRequests().filter((r) => promptOf(r).startsWith('three '))).toHaveLength(0);
    for (const id of ids) expect((await status(id)).status).toBe('running');

    rmSync(filler);
    await waitUntil(async () => (await fetch(`${base}/ready`)).status === 200, 20_000);
    await waitUntil(
      async () => (await Promise.all(ids.map(status))).every((s) => s.status === 'completed'),
      30_000,
    );
    for (const id of ids) expect((await status(id)).progress.nodes).toEqual(['one', 'two', 'three']);
    // Each node of each job ran once: the parked jobs went on from the node they had finished.
    const prompts = mock.chatRequests().map(promptOf);
    for (let i = 0; i < JOBS; i++) {
      for (const node of ['one', 'two', 'three']) {
        expect(
          prompts.filter((p) => p === `${node} n=${i}`),
          `${node} n=${i}`,
        ).toHaveLength(1);
      }
    }
    // And the server takes new work again.
    const after = await fetch(`${base}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 'after' }),
    });
    expect(after.status, await after.clone().text()).toBe(200);
  }, 120_000);
});
