import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedModel } from '../support/scripted-model.js';
import { type Fixture, studioFixture, waitFinished } from './helpers.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** Answers from the prompt, so a replay with an edited field gives different outputs. */
const model = () =>
  scriptedModel((node, req) => {
    const prompt = JSON.stringify(req.messages);
    if (node === 'draft') return { draft: `draft(${/about (\w+)/.exec(prompt)?.[1]})` };
    if (node === 'polish') {
      return {
        polished: `polished(${/Polish (\S+) /.exec(prompt)?.[1]}, ${/(plain|formal)/.exec(prompt)?.[1]})`,
      };
    }
    return { title: 'title' };
  });

describe('studio runs and replay', () => {
  it('runs a dry run, streams its events over SSE and shows its trace', async () => {
    f = await studioFixture();
    const started = await f.request('/api/runs', {
      json: { name: 'chain.yaml', inputs: { topic: 'bees' }, dryRun: true },
    });
    expect(started.status).toBe(202);
    const { job_id } = (await started.json()) as { job_id: string };
    const sse = await (await f.request(`/api/jobs/${job_id}/events`)).text();
    const events = [...sse.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(events.filter((e) => e === 'node-end')).toHaveLength(3);
    expect(events.at(-1)).toBe('end');
    const job = await waitFinished(f, job_id);
    expect(job).toMatchObject({ status: 'completed', dry_run: true });
    expect((job.executions as Array<{ node: string }>).map((e) => e.node)).toEqual([
      'draft',
      'polish',
      'title',
    ]);
    const trace = (await (await f.request(`/api/traces/${job_id}`)).json()) as {
      spans: Array<{ name: string }>;
    };
    expect(trace.spans.map((s) => s.name)).toEqual(
      expect.arrayContaining(['node draft', 'node polish', 'node title']),
    );
  });

  it('answers invalid inputs with the field and the reason', async () => {
    f = await studioFixture();
    const res = await f.request('/api/runs', { json: { name: 'chain.yaml', inputs: {}, dryRun: true } });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { details: { issues: Array<{ path: string }> } } };
    expect(body.error.details.issues.map((i) => i.path)).toEqual(['topic']);
  });

  it('replays a finished job from its second node with an edited field and diffs it against the original', async () => {
    const m = model();
    f = await studioFixture({ models: m });
    const { job_id } = (await (
      await f.request('/api/runs', { json: { name: 'chain.yaml', inputs: { topic: 'bees' } } })
    ).json()) as { job_id: string };
    const original = await waitFinished(f, job_id);
    expect(original.outputs).toMatchObject({
      draft: 'draft(bees)',
      polished: 'polished(draft(bees), plain)',
    });

    const before = (await (await f.request(`/api/jobs/${job_id}/state-before/1`)).json()) as {
      state: Record<string, unknown>;
    };
    expect(before.state).toMatchObject({ topic: 'bees', draft: 'draft(bees)', polished: '' });

    const replay = await f.request(`/api/jobs/${job_id}/replay`, {
      json: { index: 1, edits: { tone: 'formal' } },
    });
    expect(replay.status).toBe(202);
    const replayId = ((await replay.json()) as { job_id: string }).job_id;
    const done = await waitFinished(f, replayId);
    expect(done.status).toBe('completed');
    expect(done.origin).toMatchObject({
      replayOf: job_id,
      fromIndex: 1,
      fromNode: 'polish',
      edited: ['tone'],
    });
    // draft is not run again: the model saw only polish and title.
    expect(m.calls.map((c) => c.nodeId)).toEqual(['draft', 'polish', 'title', 'polish', 'title']);
    expect((done.executions as Array<{ node: string }>).map((e) => e.node)).toEqual(['polish', 'title']);

    const diff = (await (await f.request(`/api/jobs/${replayId}/diff`)).json()) as {
      outputs: Array<{ key: string; original: unknown; replay: unknown; changed: boolean }>;
    };
    const row = (k: string) => diff.outputs.find((r) => r.key === k)!;
    expect(row('tone')).toMatchObject({ original: 'plain', replay: 'formal', changed: true });
    expect(row('polished')).toMatchObject({ replay: 'polished(draft(bees), formal)', changed: true });
    expect(row('draft').changed).toBe(false);
    // The final state of a replay starts from its checkpoint, not from the inputs.
    const stateDiff = (await (await f.request(`/api/jobs/${replayId}/diff`)).json()) as {
      state: Array<{ key: string; replay: unknown; changed: boolean }>;
    };
    expect(stateDiff.state.find((r) => r.key === 'draft')).toMatchObject({
      replay: 'draft(bees)',
      changed: false,
    });
    expect(stateDiff.state.find((r) => r.key === '_loop_iteration_polish')?.changed).toBe(false);

    // A replay can be replayed too: its state before its first node is where it started.
    const again = (await (await f.request(`/api/jobs/${replayId}/state-before/0`)).json()) as {
      state: Record<string, unknown>;
    };
    expect(again.state).toMatchObject({ draft: 'draft(bees)', tone: 'formal', polished: '' });
    const second = await f.request(`/api/jobs/${replayId}/replay`, { json: { index: 1, edits: {} } });
    const secondJob = await waitFinished(f, ((await second.json()) as { job_id: string }).job_id);
    expect(secondJob.outputs).toMatchObject({
      draft: 'draft(bees)',
      polished: 'polished(draft(bees), formal)',
    });
  });

  it('refuses edits that are not state fields or not of their type', async () => {
    f = await studioFixture({ models: model() });
    const { job_id } = (await (
      await f.request('/api/runs', { json: { name: 'chain.yaml', inputs: { topic: 'x' } } })
    ).json()) as { job_id: string };
    await waitFinished(f, job_id);
    const bad = await f.request(`/api/jobs/${job_id}/replay`, {
      json: { index: 1, edits: { tone: 3, nope: 1 } },
    });
    expect(bad.status).toBe(422);
    const msg = ((await bad.json()) as { error: { message: string } }).error.message;
    expect(msg).toContain("'nope' is not a state field");
    expect((await f.request(`/api/jobs/${job_id}/replay`, { json: { index: 9 } })).status).toBe(404);
  });

  it('filters history by status and workflow', async () => {
    f = await studioFixture();
    const ids: string[] = [];
    for (const topic of ['a', 'b']) {
      const r = await f.request('/api/runs', {
        json: { name: 'chain.yaml', inputs: { topic }, dryRun: true },
      });
      ids.push(((await r.json()) as { job_id: string }).job_id);
    }
    for (const id of ids) await waitFinished(f, id);
    const all = (await (await f.request('/api/jobs?workflow=chain')).json()) as {
      jobs: Array<{ job_id: string }>;
    };
    expect(all.jobs.map((j) => j.job_id).sort()).toEqual([...ids].sort());
    expect(
      ((await (await f.request('/api/jobs?workflow=other')).json()) as { jobs: unknown[] }).jobs,
    ).toEqual([]);
    expect(((await (await f.request('/api/jobs?status=failed')).json()) as { jobs: unknown[] }).jobs).toEqual(
      [],
    );
    const future = Date.now() + 60_000;
    expect(
      ((await (await f.request(`/api/jobs?since=${future}`)).json()) as { jobs: unknown[] }).jobs,
    ).toEqual([]);
  });
});

describe('studio deploy environment', () => {
  it('stores pasted values only in the deploy folder’s .env (0600) and never answers with a value', async () => {
    f = await studioFixture();
    const secret = 'sk-studio-SECRET-value-123456';
    const res = await f.request('/api/deploy/env', {
      json: { name: 'chain.yaml', text: `OPENAI_API_KEY=${secret}\nEXTRA="two words"\n` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(secret);
    expect(text).not.toContain('two words');
    const body = JSON.parse(text) as {
      vars: Array<{ name: string; set: boolean }>;
      missing: string[];
      problems: string[];
    };
    expect(body.vars.find((v) => v.name === 'OPENAI_API_KEY')?.set).toBe(true);
    expect(body.vars.find((v) => v.name === 'EXTRA')?.set).toBe(true);
    expect(body.problems).toEqual([]);
    const file = join(f.dir, 'deploy', 'chain', '.env');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(secret);
    const again = await (await f.request('/api/deploy/env?name=chain.yaml')).text();
    expect(again).not.toContain(secret);
  });

  it('names the credentials a workflow still lacks', async () => {
    f = await studioFixture();
    const body = (await (await f.request('/api/deploy/env?name=chain.yaml')).json()) as {
      problems: string[];
    };
    expect(body.problems.join('\n')).toContain('OPENAI_API_KEY');
  });

  it('reports a bad .env line by number without echoing it', async () => {
    f = await studioFixture();
    const res = await f.request('/api/deploy/env', {
      json: { name: 'chain.yaml', text: 'GOOD=1\nsecret-without-equals\n' },
    });
    expect(res.status).toBe(400);
    const msg = await res.text();
    expect(msg).toContain(':2:');
    expect(msg).not.toContain('secret-without-equals');
  });
});
