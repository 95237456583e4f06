/**
 * The studio and `agentcrate serve` on one SQLite file, as real processes over real sockets:
 * no job ever runs in both. A studio that owns the store makes a later `serve` refuse, naming
 * the studio's pid; a studio started beside a live `serve` opens the store read-only (history
 * works, runs are refused naming the owner and --store) and takes the store over once that
 * server has stopped.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { THREE_STEPS_YAML, waitUntil } from '../server/helpers.js';
import { processFixture } from '../support/process-fixture.js';
import { spawnStudio, submitAsync } from '../support/serve-process.js';

// The studio's real runs take their model from the workflow and the environment.
const WORKFLOW = `${THREE_STEPS_YAML}config:\n  llm: {provider: openai, model: mock-1}\n`;

const fx = processFixture('agentcrate-studio-owner-', 'three.yaml', WORKFLOW);
const serve = (store: string) => fx.serve(store);

function studio(store: string) {
  return spawnStudio([fx.dir, '--port', '0', '--store', store], {
    env: { OPENAI_BASE_URL: fx.mock.url },
    track: fx.children,
  });
}

/** A studio API call with its token, as the page makes it. */
async function api(openUrl: string, path: string, json?: unknown): Promise<Response> {
  const url = new URL(openUrl);
  const token = url.searchParams.get('token')!;
  return fetch(`${url.origin}/api${path}`, {
    method: json === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(json !== undefined ? { 'content-type': 'application/json', origin: url.origin } : {}),
    },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
}

async function studioRun(openUrl: string, n: number): Promise<Response> {
  return api(openUrl, '/runs', { name: 'three.yaml', inputs: { n: String(n) } });
}

const statusOf = async (openUrl: string, id: string): Promise<string> =>
  ((await (await api(openUrl, `/jobs/${id}`)).json()) as { status: string }).status;

describe('studio and serve on one store', () => {
  it('a studio running jobs owns the store: a serve on the same file is refused and runs nothing twice', async () => {
    const store = join(fx.dir, 'studio-first.db');
    const before = fx.mock.chatRequests().length;
    const s = studio(store);
    const openUrl = await s.url;
    const info = (await (await api(openUrl, '/info')).json()) as { store_access: { mode: string } };
    expect(info.store_access.mode).toBe('owner');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await studioRun(openUrl, i);
      expect(res.status, await res.clone().text()).toBe(202);
      ids.push(((await res.json()) as { job_id: string }).job_id);
    }
    await waitUntil(() => fx.mock.chatRequests().length - before >= 3, 15_000);

    // While the studio runs them, a serve on the same file must not take them for a crash's.
    const second = serve(store);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`is in use by agentcrate pid ${s.child.pid} on host ${hostname()}`);
    expect(second.stderr()).not.toMatch(/serving/);

    for (const id of ids) await waitUntil(async () => (await statusOf(openUrl, id)) === 'completed', 30_000);
    // Each job ran each of its three nodes exactly once.
    expect(fx.mock.chatRequests().length - before).toBe(3 * 3);

    // Stopped cleanly, the studio releases the store: a serve now starts at once.
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    const third = serve(store);
    const base = await third.url;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    third.child.kill('SIGTERM');
    await third.exited;
  });

  it('a studio beside a live serve reads the store, refuses runs naming the owner, and takes over once it stops', async () => {
    const store = join(fx.dir, 'serve-first.db');
    const before = fx.mock.chatRequests().length;
    const server = serve(store);
    const base = await server.url;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await submitAsync(base, { n: String(i) }));
    await waitUntil(() => fx.mock.chatRequests().length - before >= 3, 15_000);

    const s = studio(store);
    const openUrl = await s.url;
    // Said at start, in the terminal.
    expect(s.stderr()).toContain(`owned by agentcrate pid ${server.child.pid} on host ${hostname()}`);
    const info = (await (await api(openUrl, '/info')).json()) as {
      store_access: { mode: string; owner: { pid: number } };
    };
    expect(info.store_access.mode).toBe('read-only');
    expect(info.store_access.owner.pid).toBe(server.child.pid);

    // Reading works: the server's jobs are in the history.
    const history = (await (await api(openUrl, '/jobs')).json()) as { jobs: Array<{ job_id: string }> };
    expect(history.jobs.map((j) => j.job_id).sort()).toEqual([...ids].sort());

    // Running does not, and says why and what to do.
    const refused = await studioRun(openUrl, 99);
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('E_STORE_LOCKED');
    expect(body.error.message).toContain(`agentcrate pid ${server.child.pid} on host ${hostname()}`);
    expect(body.error.message).toContain('--store');

    await waitUntil(async () => {
      const res = await fetch(`${base}/jobs?status=completed&limit=100`);
      return ((await res.json()) as { jobs: unknown[] }).jobs.length === ids.length;
    }, 30_000);
    // The server ran each node once; the studio ran nothing.
    expect(fx.mock.chatRequests().length - before).toBe(3 * 3);

    // The owner stops: the studio's next run takes the store over and runs.
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const res = await studioRun(openUrl, 7);
    expect(res.status, await res.clone().text()).toBe(202);
    const id = ((await res.json()) as { job_id: string }).job_id;
    await waitUntil(async () => (await statusOf(openUrl, id)) === 'completed', 30_000);
    const now = (await (await api(openUrl, '/info')).json()) as { store_access: { mode: string } };
    expect(now.store_access.mode).toBe('owner');
    // And now a serve is the one refused.
    const late = serve(store);
    expect(await late.exited).toBe(1);
    expect(late.stderr()).toContain(`agentcrate pid ${s.child.pid}`);
    s.child.kill('SIGTERM');
    await s.exited;
  });
  it("a studio taking over from a serve killed with -9 leaves its jobs pending for the workflow's server, which finishes them", async () => {
    const store = join(fx.dir, 'dead-owner.db');
    const server = serve(store);
    const base = await server.url;
    const before = fx.mock.chatRequests().length;
    const ids = [await submitAsync(base, { n: '1' }), await submitAsync(base, { n: '2' })];
    await waitUntil(() => fx.mock.chatRequests().length - before >= 2, 15_000);
    server.child.kill('SIGKILL');
    await server.exited;

    const s = studio(store);
    const openUrl = await s.url;
    const info = (await (await api(openUrl, '/info')).json()) as { store_access: { mode: string } };
    expect(info.store_access.mode).toBe('owner');
    // Not shown running with nobody running them: back to pending, and the studio ran none.
    for (const id of ids) expect(await statusOf(openUrl, id)).toBe('pending');
    expect(s.stdout()).toContain('the previous owner of the store died without releasing it');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);

    const next = serve(store);
    const nextBase = await next.url;
    await waitUntil(async () => {
      const res = await fetch(`${nextBase}/jobs?status=completed&limit=100`);
      return ((await res.json()) as { jobs: unknown[] }).jobs.length === ids.length;
    }, 30_000);
    next.child.kill('SIGTERM');
    await next.exited;
  });
});
