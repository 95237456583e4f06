import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainWorkflow } from '../support/chain-workflow.js';
import { CLEAN_ENV, ROOT, runCli } from '../support/cli.js';
import { spawnServe, spawnServeExample } from '../support/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'agentcrate-serve-'));

describe('agentcrate serve', () => {
  it('serves the example in dry-run mode, runs it, shows its trace, and stops cleanly on SIGINT', async () => {
    const store = join(dir, 'jobs.db');
    const s = spawnServeExample(store);
    const base = await s.url;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${base}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'AI' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; job_id: string; outputs: Record<string, unknown> };
    expect(body.status).toBe('success');
    expect(body.outputs.topic).toBe('AI');
    const status = await (await fetch(`${base}/status/${body.job_id}`)).json();
    expect(status).toMatchObject({ job_id: body.job_id, status: 'completed' });
    expect((await fetch(`${base}/ui`)).headers.get('content-type')).toMatch(/text\/html/);
    // Spans are batched off the hot path; they reach the store within about a second.
    let trace: { spans?: unknown[] } = {};
    for (let i = 0; i < 30 && !trace.spans?.length; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const t = await fetch(`${base}/traces/${body.job_id}`);
      if (t.ok) trace = (await t.json()) as { spans?: unknown[] };
    }
    expect(JSON.stringify(trace)).toContain('research');
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toMatch(/shutting down/);
  });

  it('serves, and run --trace runs, a workflow whose MLflow tracking_uri is no server (sqlite:, none)', async () => {
    const example = readFileSync(join(ROOT, 'examples/research-brief.yaml'), 'utf8');
    for (const mlflow of ['{enabled: true, tracking_uri: "sqlite:///mlflow.db"}', '{enabled: true}']) {
      const file = join(dir, 'mlflow.yaml');
      writeFileSync(file, `${example}  observability:\n    mlflow: ${mlflow}\n`);
      const run = await runCli(['run', file, '--dry-run', '--trace', '-i', 'topic=AI'], { env: CLEAN_ENV });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/traces stay in agentcrate's trace store/);
      const s = spawnServe([file, '--dry-run', '--port', '0', '--store', join(dir, 'mlflow.db')]);
      const base = await s.url;
      expect((await fetch(`${base}/ready`)).status).toBe(200);
      s.child.kill('SIGINT');
      expect(await s.exited).toBe(0);
    }
  });

  it('a stop signal while a large workflow loads ends the process then, not after the load', async () => {
    const file = join(dir, 'chain.yaml');
    writeFileSync(file, chainWorkflow(20_000));
    const s = spawnServe([file, '--dry-run', '--port', '0', '--store', ':memory:']);
    const ended = new Promise<NodeJS.Signals | null>((resolve) =>
      s.child.once('exit', (_c, sig) => resolve(sig)),
    );
    // Said before the load starts: the load is synchronous, so nothing is printed during it.
    await expect.poll(() => s.stderr(), { timeout: 20_000 }).toMatch(/loading .*chain\.yaml \(2\.\d MB\)/);
    s.child.kill('SIGTERM');
    // Ended by the signal itself: it neither served nor waited for the load to drain nothing.
    expect(await ended).toBe('SIGTERM');
    expect(s.stderr()).not.toMatch(/serving|shutting down/);
  });

  it('refuses an invalid workflow before binding a port (exit 2)', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'schema_version: "1.0"\nflow: {name: x}\n');
    const r = await runCli(['serve', bad, '--port', '0'], { env: CLEAN_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a valid workflow/);
    expect(r.stderr).not.toMatch(/serving/);
  });
});

describe('agentcrate serve settings from the environment', () => {
  /** The settings under test come from `env` alone, not from the shell that runs the tests. */
  const UNSET = {
    AGENTCRATE_LOG_REQUESTS: undefined,
    AGENTCRATE_LOG_LEVEL: undefined,
    AGENTCRATE_API_KEYS: undefined,
    HOST: undefined,
  };

  async function served(env: Record<string, string>) {
    const s = spawnServeExample(':memory:', [], { env: { ...UNSET, ...env } });
    return {
      base: await s.url,
      logs: s.stdout,
      async stop() {
        s.child.kill('SIGTERM');
        expect(await s.exited).toBe(0);
      },
    };
  }

  it('AGENTCRATE_LOG_REQUESTS writes one JSON line per request; AGENTCRATE_LOG_LEVEL filters them', async () => {
    const logging = await served({ AGENTCRATE_LOG_REQUESTS: '1' });
    await fetch(`${logging.base}/health`);
    await logging.stop();
    const lines = logging
      .logs()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { path?: string; url?: string; msg?: string });
    expect(lines.some((l) => JSON.stringify(l).includes('/health'))).toBe(true);

    const quiet = await served({ AGENTCRATE_LOG_REQUESTS: '1', AGENTCRATE_LOG_LEVEL: 'error' });
    await fetch(`${quiet.base}/health`);
    await quiet.stop();
    expect(quiet.logs()).not.toContain('/health');
  });

  it('the container-only HOST variable does not move the CLI off loopback', async () => {
    const s = await served({ HOST: '0.0.0.0' });
    expect(s.base).toMatch(/^http:\/\/127\.0\.0\.1:/);
    await s.stop();
  });

  it('AGENTCRATE_API_KEYS protects the API, as in the container', async () => {
    const s = await served({ AGENTCRATE_API_KEYS: 'k-123' });
    expect((await fetch(`${s.base}/jobs`)).status).toBe(401);
    expect((await fetch(`${s.base}/jobs`, { headers: { authorization: 'Bearer k-123' } })).status).toBe(200);
    await s.stop();
  });
});
