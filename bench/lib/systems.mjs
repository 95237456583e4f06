// The systems under test, each behind the same small interface so every suite treats them
// alike: availability (peers are optional), a one-time build, start as its own process on its
// own port against the shared mock, one run over HTTP, and async submit + status for the
// durability suite. Workflows: 'one' (one model call) and 'three' (three calls in sequence).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleOnce } from './bundles.mjs';
import { NODE, PEERS, ROOT, SCRATCH } from './paths.mjs';
import { freePort, spawnTracked, waitUntil } from './proc.mjs';

const { SERVER_NODE_FLAGS, SERVER_ALLOCATOR_ENV } = await import(
  new URL('../../dist/deploy/types.js', import.meta.url).href
).catch(() => ({ SERVER_NODE_FLAGS: [], SERVER_ALLOCATOR_ENV: {} }));

export { SERVER_NODE_FLAGS };

// Peers must not phone home (there is no network but loopback, and it would add noise).
const QUIET = {
  MASTRA_TELEMETRY_DISABLED: '1',
  LANGSMITH_TRACING: 'false',
  LANGCHAIN_TRACING_V2: 'false',
  NO_UPDATE_NOTIFIER: '1',
};

const json = (body) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function getJson(url, init) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

function peerVersion(pkg) {
  try {
    return JSON.parse(readFileSync(join(PEERS, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of [dir]) {
    try {
      newest = Math.max(newest, statSync(entry).mtimeMs);
    } catch {
      // missing
    }
  }
  return newest;
}

/**
 * agentcrate is measured as it runs in the container `agentcrate deploy` builds: the server
 * bundle (entry + chunks, made by the same bundleServer, cached by its inputs), the same Node
 * flags, and Node's compile cache in the state directory as on the container's /data volume
 * (so a fresh state directory is a first start, a reused one a restart).
 */
const serverBundle = bundleOnce({
  what: 'the agentcrate server',
  outFile: join(SCRATCH, 'server', 'server.mjs'),
  module: 'dist/deploy/bundle.js',
  fn: 'bundleServer',
  requires: 'dist/server/entry.js',
});

export const agentcrate = {
  name: 'agentcrate',
  // Bundled before any clock starts.
  available: () => serverBundle.available(),
  versions() {
    return { agentcrate: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version };
  },
  prepare() {},
  start({ port, mockUrl, stateDir, workflow, logFile, traces = true, env = {}, entry, nodeFlags = [] }) {
    // The same Node flags and allocator settings as the generated container
    // (src/deploy/types.ts SERVER_NODE_FLAGS, SERVER_ALLOCATOR_ENV).
    return spawnTracked(NODE, [...SERVER_NODE_FLAGS, ...nodeFlags, entry ?? serverBundle.ensure()], {
      cwd: stateDir,
      logFile,
      env: {
        ...SERVER_ALLOCATOR_ENV,
        NODE_COMPILE_CACHE: join(stateDir, '.node-compile-cache'),
        AGENTCRATE_WORKFLOW: join(
          ROOT,
          'bench/workflows',
          workflow === 'one' ? 'one-step.yaml' : 'three-step.yaml',
        ),
        PORT: String(port),
        HOST: '127.0.0.1',
        AGENTCRATE_STORE: join(stateDir, 'agentcrate.db'),
        AGENTCRATE_LLM_PROVIDER: 'openai-compatible',
        AGENTCRATE_LLM_MODEL: 'mock-model',
        AGENTCRATE_LLM_BASE_URL: mockUrl,
        AGENTCRATE_LOG_LEVEL: 'warn',
        AGENTCRATE_TRACES: traces ? 'true' : 'false',
        ...env,
      },
    });
  },
  readyProbe: (base) => fetch(`${base}/health`).then((r) => r.ok),
  runRequest: () => ({ path: '/run', ...json({ topic: 'containers' }) }),
  isSuccess: (status, text) => status === 200 && text.includes('"status":"success"'),
  async submitAsync(base) {
    const r = await getJson(`${base}/run`, {
      ...json({ topic: 'containers' }),
      headers: { 'content-type': 'application/json', prefer: 'respond-async' },
    });
    if (r.status !== 202) throw new Error(`agentcrate async submit: ${r.status} ${JSON.stringify(r.body)}`);
    return { id: r.body.job_id };
  },
  async jobStatus(base, job) {
    const r = await getJson(`${base}/status/${job.id}`);
    if (r.status !== 200) return 'unknown';
    return r.body.status === 'completed' ? 'completed' : r.body.status;
  },
};

const MASTRA_OUT = join(PEERS, '.mastra/output/index.mjs');
export const mastra = {
  name: 'mastra',
  available() {
    if (
      !existsSync(join(PEERS, 'node_modules/mastra')) ||
      !existsSync(join(PEERS, 'node_modules/@mastra/core'))
    ) {
      return {
        ok: false,
        why: 'not installed: run `npm install --prefix bench/peers` (CI does not install the peers)',
      };
    }
    return { ok: true };
  },
  versions: () => ({
    mastra: peerVersion('mastra'),
    '@mastra/core': peerVersion('@mastra/core'),
    '@mastra/libsql': peerVersion('@mastra/libsql'),
    '@ai-sdk/openai-compatible': peerVersion('@ai-sdk/openai-compatible'),
  }),
  /** `mastra build` once (its output is reused until src/mastra/index.ts changes). */
  prepare() {
    const source = join(PEERS, 'src/mastra/index.ts');
    if (existsSync(MASTRA_OUT) && newestMtime(MASTRA_OUT) > newestMtime(source)) return;
    process.stderr.write('bench: building the Mastra peer (mastra build)…\n');
    const r = spawnSync(NODE, [join(PEERS, 'node_modules/mastra/dist/index.js'), 'build'], {
      cwd: PEERS,
      env: { ...process.env, ...QUIET, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (r.status !== 0 || !existsSync(MASTRA_OUT)) {
      throw new Error(`mastra build failed (${r.status}):\n${(r.stdout + r.stderr).slice(-2000)}`);
    }
  },
  start({ port, mockUrl, stateDir, logFile, mastraDb }) {
    return spawnTracked(NODE, [MASTRA_OUT], {
      cwd: stateDir,
      logFile,
      env: {
        ...QUIET,
        PORT: String(port),
        HOST: '127.0.0.1',
        MOCK_URL: mockUrl,
        MASTRA_DB: mastraDb ?? `file:${join(stateDir, 'mastra.db')}`,
        NODE_ENV: 'production',
      },
    });
  },
  readyProbe: (base) => fetch(`${base}/api/workflows`).then((r) => r.ok),
  runRequest: (workflow) => ({
    path: `/api/workflows/${workflow}/start-async`,
    ...json({ inputData: { topic: 'containers' } }),
  }),
  isSuccess: (status, text) => status === 200 && text.includes('"status":"success"'),
  async submitAsync(base, workflow) {
    const created = await getJson(`${base}/api/workflows/${workflow}/create-run`, json({}));
    const runId = created.body?.runId;
    if (!runId) throw new Error(`mastra create-run: ${created.status} ${JSON.stringify(created.body)}`);
    const started = await getJson(
      `${base}/api/workflows/${workflow}/start?runId=${runId}`,
      json({ inputData: { topic: 'containers' } }),
    );
    if (started.status >= 300)
      throw new Error(`mastra start: ${started.status} ${JSON.stringify(started.body)}`);
    return { id: runId, workflow };
  },
  /** Mastra does not resume runs by itself; its documented call restarts the active ones. */
  async recover(base, workflow) {
    const r = await getJson(`${base}/api/workflows/${workflow}/restart-all-active-workflow-runs`, json({}));
    if (r.status >= 300)
      throw new Error(`mastra restart-all-active-workflow-runs: ${r.status} ${JSON.stringify(r.body)}`);
  },
  async jobStatus(base, job) {
    const r = await getJson(`${base}/api/workflows/${job.workflow}/runs/${job.id}`);
    if (r.status !== 200) return 'unknown';
    const status = r.body?.status ?? r.body?.snapshot?.status;
    return status === 'success' ? 'completed' : (status ?? 'unknown');
  },
};

export const langgraph = {
  name: 'langgraph',
  available() {
    if (!existsSync(join(PEERS, 'node_modules/@langchain/langgraph-api'))) {
      return {
        ok: false,
        why: 'not installed: run `npm install --prefix bench/peers` (CI does not install the peers)',
      };
    }
    return { ok: true };
  },
  versions: () => ({
    '@langchain/langgraph-api': peerVersion('@langchain/langgraph-api'),
    '@langchain/langgraph': peerVersion('@langchain/langgraph'),
    '@langchain/openai': peerVersion('@langchain/openai'),
    '@langchain/core': peerVersion('@langchain/core'),
    '@langchain/langgraph-checkpoint': peerVersion('@langchain/langgraph-checkpoint'),
  }),
  prepare() {},
  start({ port, mockUrl, stateDir, logFile }) {
    return spawnTracked(NODE, [join(PEERS, 'langgraph/server.mjs')], {
      cwd: stateDir,
      logFile,
      env: { ...QUIET, PORT: String(port), MOCK_URL: mockUrl, STATE_DIR: stateDir, NODE_ENV: 'production' },
    });
  },
  readyProbe: (base) => fetch(`${base}/ok`).then((r) => r.ok),
  runRequest: (workflow) => ({
    path: '/runs/wait',
    ...json({ assistant_id: workflow, input: { topic: 'containers' } }),
  }),
  isSuccess: (status, text) => status === 200 && text.includes('"a":"') && !text.includes('"__error__"'),
  async submitAsync(base, workflow) {
    const thread = await getJson(`${base}/threads`, json({}));
    const threadId = thread.body?.thread_id;
    if (!threadId)
      throw new Error(`langgraph create thread: ${thread.status} ${JSON.stringify(thread.body)}`);
    const run = await getJson(
      `${base}/threads/${threadId}/runs`,
      json({ assistant_id: workflow, input: { topic: 'containers' } }),
    );
    if (!run.body?.run_id) throw new Error(`langgraph create run: ${run.status} ${JSON.stringify(run.body)}`);
    return { id: run.body.run_id, threadId };
  },
  async jobStatus(base, job) {
    const r = await getJson(`${base}/threads/${job.threadId}/runs/${job.id}`);
    if (r.status !== 200) return 'unknown';
    return r.body.status === 'success' ? 'completed' : r.body.status;
  },
};

/** Mastra with its in-memory default store (not durable): only when named in --systems. */
export const mastraInMemory = {
  ...mastra,
  name: 'mastra-inmemory',
  start: (options) => mastra.start({ ...options, mastraDb: 'memory' }),
};

/** agentcrate with tracing off: the peer for "tracing costs ≤ 5% of throughput". */
export const agentcrateNoTrace = {
  ...agentcrate,
  name: 'agentcrate-notrace',
  start: (options) => agentcrate.start({ ...options, traces: false }),
};

/**
 * The floor (bench/floor/server.mjs): the minimal durable server — a job row before the model
 * call, the result after, nothing else — whose runs/s agentcrate's are compared with. The
 * 'three' workflow makes three calls in sequence, each reading the previous answer. It has no
 * async API or resume, so it joins the throughput suite only.
 */
export const floor = {
  name: 'floor',
  suites: ['throughput'],
  available: () => ({ ok: true }),
  versions: () => ({}),
  prepare() {},
  start({ port, mockUrl, stateDir, workflow, logFile }) {
    return spawnTracked(NODE, [join(ROOT, 'bench/floor/server.mjs')], {
      cwd: stateDir,
      logFile,
      env: {
        PORT: String(port),
        MOCK_URL: mockUrl,
        FLOOR_DB: join(stateDir, 'floor.db'),
        FLOOR_STEPS: workflow === 'one' ? '1' : '3',
      },
    });
  },
  readyProbe: (base) => fetch(`${base}/health`).then((r) => r.ok),
  runRequest: () => ({ path: '/run', ...json({ topic: 'containers' }) }),
  isSuccess: (status, text) => status === 200 && text.includes('"status":"success"'),
};

export const ALL_SYSTEMS = [agentcrate, floor, mastra, langgraph];
export const EXTRA_SYSTEMS = [mastraInMemory, agentcrateNoTrace];

/** Starts a system and waits until it answers its readiness probe. */
export async function startSystem(system, options) {
  const started = Date.now();
  const child = system.start(options);
  const base = `http://127.0.0.1:${options.port}`;
  await waitUntil(() => system.readyProbe(base), {
    timeoutMs: options.readyTimeoutMs ?? 60000,
    everyMs: 10,
    what: `${system.name} start`,
    child,
  });
  return { child, base, readyMs: Date.now() - started };
}

/** Starts a system on a free port with a fresh state directory of the suite (`ctx.stateFor`). */
export async function startFresh(system, ctx, mockUrl, workflow) {
  const port = await freePort();
  const started = await startSystem(system, { port, mockUrl, workflow, ...ctx.stateFor(system) });
  return { system, ...started };
}

/** One run through the system's HTTP API; true when the response says it succeeded. */
export async function runOnce(system, base, workflow) {
  const req = system.runRequest(workflow);
  const res = await fetch(base + req.path, {
    method: req.method,
    headers: req.headers,
    body: req.body,
    signal: AbortSignal.timeout(30000),
  });
  return system.isSuccess(res.status, await res.text());
}
