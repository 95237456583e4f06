// One-shot images (`agentcrate build` / `exec`) and the single executable, against a real
// Docker engine and the loopback mock model (0 ms), printed as one JSON object:
//   - bytes the workflow's layers add over the one-shot base (echo: ollama only, google; the
//     type-enforcement fixture), and the runner's own bytes;
//   - in the container, process start → first model request leaving (the runner's debug log
//     line, milliseconds since the process started), beside a bare node's first line, a bare
//     node's own first fetch leaving, a bare node's first `node:http` request leaving (a Node
//     process that sends one request without loading Node's fetch) and the same after one
//     `new Headers()` (what the AI SDK's providers build for every request; Node's own loads
//     its undici), and
//     `docker run` → exit as seen from the host;
//   - `agentcrate exec --dry-run` of a built image, command start → JSON on stdout, against
//     `agentcrate run --dry-run --json` on the host and a bare `docker run <base> node -e 0` (the
//     floor), with the median time of each of exec's steps (`exec -v`: image found, container
//     created, started, first output, exited);
//   - `exec --batch` of 1,000 inputs through one container against the 0 ms mock (runs/s);
//   - the single executable (`build --binary`): size and command start → JSON, dry.
// Needs the built CLI (`node scripts/build.mjs`), a Docker engine and the one-shot base
// (scripts/docker/build-oneshot-base.sh). On a shared machine run it under the bench lock:
//   flock /work/.bench.lock node_modules/.bin/node bench/oneshot.mjs [--runs 15] [--start-only]
// Removes every image and file it makes.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startMock } from './lib/mock.mjs';
import { NODE, ROOT } from './lib/paths.mjs';
import { stopAll } from './lib/proc.mjs';
import { median, round } from './lib/stats.mjs';

const BIN = join(ROOT, 'bin/agentcrate.js');
const FIXTURES = join(ROOT, '../shared/fixtures/configurable-agents');
const BASE = 'agentcrate-oneshot-base:24';
const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 15;
const BATCH = 1000;
const START_ONLY = process.argv.includes('--start-only');
const PREFIX = `ac-bench-oneshot-${process.pid}`;
const GOALS = { layerBytes: 1_000_000, firstRequestMs: 60, execMs: 400, batchRunsPerS: 500 };

const tmp = mkdtempSync(join(tmpdir(), 'agentcrate-bench-oneshot-'));
const made = [];

function docker(...args) {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a command; resolves with its wall time to the first stdout byte and to its exit. */
function timed(command, args, { input, env } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstOut;
    let stdout = '';
    let stderr = '';
    const child = spawn(command, args, { env: { ...process.env, ...env }, cwd: tmp });
    child.stdout.on('data', (d) => {
      firstOut ??= performance.now() - started;
      stdout += d;
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout, stderr, firstOutMs: firstOut, totalMs: performance.now() - started }),
    );
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

const cli = (args, opts) => timed(NODE, [BIN, ...args], opts);

/** `docker run --rm --network host --read-only [flags] [-e K=V…] image args…`. */
function dockerRun(flags, { env = {}, image, args }) {
  const envFlags = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  return timed('docker', [
    'run',
    '--rm',
    '--network',
    'host',
    '--read-only',
    ...flags,
    ...envFlags,
    image,
    ...args,
  ]);
}

async function build(file, tag, extra = []) {
  const run = await cli([
    'build',
    file,
    '-t',
    tag,
    '--json',
    '--output',
    join(tmp, `ctx-${made.length}`),
    ...extra,
  ]);
  if (run.code !== 0) throw new Error(`build ${file} failed: ${run.stderr}`);
  made.push(tag);
  return JSON.parse(run.stdout);
}

function imageBytes(ref) {
  return Number(docker('image', 'inspect', ref, '--format', '{{.Size}}').trim());
}

async function repeat(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await fn(i));
  return out;
}

function ok(run, what) {
  if (run.code !== 0 && run.code !== null)
    throw new Error(`${what} exited ${run.code}: ${run.stderr.slice(-2000)}`);
  return run;
}

const result = {
  runs: RUNS,
  base: BASE,
  base_bytes: 0,
  goals: GOALS,
  load_average_at_start: loadavg().map((x) => round(x, 1)),
};
const echo = join(FIXTURES, 'echo.yaml');
const types = join(FIXTURES, 'type_enforcement.yaml');
const mock = await startMock(0);
try {
  result.base_bytes = imageBytes(BASE);

  // Sizes: what each workflow's layers add over the base.
  const sizes = {};
  for (const [name, file, extra] of [
    ['echo (ollama)', echo, ['--provider', 'ollama', '--model', 'llama3']],
    ['echo (google)', echo, []],
    ['type_enforcement (google)', types, []],
  ]) {
    const tag = `${PREFIX}-${Object.keys(sizes).length}:1`;
    const built = await build(file, tag, extra);
    sizes[name] = {
      runner_bytes: built.runner_bytes,
      layers_over_base_bytes: imageBytes(tag) - result.base_bytes,
    };
  }
  result.sizes = sizes;

  // Start → first model request in the container (mock on 127.0.0.1, host network).
  const mockTag = `${PREFIX}-mock:1`;
  const mockFlags = ['--provider', 'openai-compatible', '--model', 'mock-1', '--base-url', mock.url];
  await build(echo, mockTag, mockFlags);
  // Interleaved rounds: the runner, a bare node (process start → its first line of code) and a
  // bare node's fetch of the mock (process start → the request leaving: Node loads its fetch on
  // the first call), each in the same base on the host's network.
  const firsts = [];
  const calls = [];
  const dockerRuns = [];
  const nodeFloor = [];
  const fetchFloor = [];
  const httpFloor = [];
  const headersHttpFloor = [];
  // 'finish': the request (headers and body) has been handed to the socket.
  const httpPost =
    "const r=require('node:http').request(process.argv[1],{method:'POST',headers:{'content-type':'application/json'}});r.on('finish',()=>{process.stdout.write(String(Math.round(performance.now())));process.exit(0)});r.on('error',()=>{});r.end('{}')";
  // The AI SDK's providers build a `Headers` for every request (provider-utils'
  // withUserAgentSuffix): with Node's own, that loads Node's whole internal undici, whatever
  // transport they are given (the runner installs its own `Headers`: runner/web-fetch.ts).
  const headersHttpPost = `new Headers({'user-agent':'ai-sdk'});${httpPost}`;
  const sentAt =
    "const dc=require('node:diagnostics_channel');dc.subscribe('undici:client:sendHeaders',()=>{process.stdout.write(String(Math.round(performance.now())));process.exit(0)});fetch(process.argv[1]).catch(()=>{})";
  for (const _ of Array.from({ length: RUNS })) {
    const run = ok(
      await dockerRun(['--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '1000:1000'], {
        env: { AGENTCRATE_LOG_LEVEL: 'debug' },
        image: mockTag,
        args: ['{"message": "hi"}'],
      }),
      'docker run',
    );
    const logged = (msg) => {
      const line = run.stderr.split('\n').find((l) => l.includes(`"msg":"${msg}"`));
      if (line === undefined) throw new Error(`no '${msg}' log line: ${run.stderr}`);
      return JSON.parse(line).since_start_ms;
    };
    firsts.push(logged('first model request'));
    calls.push(logged('first model call'));
    dockerRuns.push(run.totalMs);
    const bare = ok(
      await dockerRun([], {
        image: BASE,
        args: ['node', '-e', 'process.stdout.write(String(Math.round(performance.now())))'],
      }),
      'node floor',
    );
    nodeFloor.push(Number(bare.stdout));
    const fetched = ok(
      await dockerRun([], { image: BASE, args: ['node', '-e', sentAt, `${mock.url}/chat/completions`] }),
      'fetch floor',
    );
    fetchFloor.push(Number(fetched.stdout));
    const posted = ok(
      await dockerRun([], { image: BASE, args: ['node', '-e', httpPost, `${mock.url}/chat/completions`] }),
      'node:http floor',
    );
    httpFloor.push(Number(posted.stdout));
    const withHeaders = ok(
      await dockerRun([], {
        image: BASE,
        args: ['node', '-e', headersHttpPost, `${mock.url}/chat/completions`],
      }),
      'Headers + node:http floor',
    );
    headersHttpFloor.push(Number(withHeaders.stdout));
  }
  result.first_model_request_ms = {
    median: median(firsts),
    min: Math.min(...firsts),
    max: Math.max(...firsts),
    first_model_call_median: median(calls),
    bare_node_start_to_code_median: median(nodeFloor),
    bare_node_fetch_request_sent_median: median(fetchFloor),
    bare_node_http_request_sent_median: median(httpFloor),
    bare_node_headers_then_http_request_sent_median: median(headersHttpFloor),
  };
  result.docker_run_to_exit_ms = round(median(dockerRuns));

  // `--start-only`: sizes and the start alone (a short run under the bench lock).
  if (!START_ONLY) {
    // exec --dry-run of a built image vs run on the host vs the bare docker run floor.
    const dryTag = `${PREFIX}-dry:1`;
    await build(echo, dryTag);
    const input = '{"message": "hi"}';
    // Interleaved rounds (exec, the host run, the floor), so the machine's drift falls on all three.
    const execRuns = [];
    const hostRuns = [];
    const floorRuns = [];
    for (let i = 0; i < RUNS; i++) {
      execRuns.push(ok(await cli(['exec', echo, input, '--dry-run', '-t', dryTag, '-v']), 'exec'));
      hostRuns.push(ok(await cli(['run', echo, '-i', 'message=hi', '--dry-run', '--json']), 'run'));
      floorRuns.push(ok(await timed('docker', ['run', '--rm', BASE, 'node', '-e', '0']), 'floor'));
    }
    // `exec -v`: when each step happened, in ms since the CLI's process started.
    const execSteps = execRuns.map((r) =>
      JSON.parse(/exec steps, ms since the process started: (\{.*\})/.exec(r.stderr)?.[1] ?? '{}'),
    );
    result.exec_dry_run_ms = {
      exec_median: round(median(execRuns.map((r) => r.firstOutMs))),
      host_run_median: round(median(hostRuns.map((r) => r.firstOutMs))),
      bare_docker_run_node_median: round(median(floorRuns.map((r) => r.totalMs))),
      exec_over_floor_per_round_median: round(
        median(execRuns.map((r, i) => r.firstOutMs / floorRuns[i].totalMs)),
        2,
      ),
      exec_steps_median_ms_since_process_start: Object.fromEntries(
        Object.keys(execSteps[0] ?? {}).map((k) => [k, round(median(execSteps.map((s) => s[k])))]),
      ),
    };

    // --batch: 1,000 inputs through one container against the 0 ms mock.
    const inputs = join(tmp, 'inputs.jsonl');
    writeFileSync(
      inputs,
      `${Array.from({ length: BATCH }, (_, i) => JSON.stringify({ message: `m${i}` })).join('\n')}\n`,
    );
    const results = join(tmp, 'results.jsonl');
    const batch = ok(
      await cli([
        'exec',
        echo,
        '--batch',
        inputs,
        '--concurrency',
        '64',
        '--output',
        results,
        '-t',
        mockTag,
        '--network',
        'host',
        ...mockFlags,
      ]),
      'batch',
    );
    const lines = readFileSync(results, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const succeeded = lines.filter((l) => l.status === 'success').length;
    const finished = batch.stderr.split('\n').find((l) => l.includes('"batch finished"'));
    const inContainerMs = finished !== undefined ? JSON.parse(finished).duration_ms : undefined;
    result.batch = {
      inputs: BATCH,
      succeeded,
      concurrency: 64,
      command_ms: round(batch.totalMs),
      runs_per_s_command: round((BATCH / batch.totalMs) * 1000),
      in_container_ms: inContainerMs,
      runs_per_s_in_container: inContainerMs ? round((BATCH / inContainerMs) * 1000) : undefined,
    };

    // The single executable.
    const binary = join(tmp, 'echo-bin');
    const sea = ok(await cli(['build', echo, '--binary', binary, '--json']), 'build --binary');
    const seaRuns = await repeat(RUNS, async () =>
      ok(await timed(binary, [input, '--dry-run'], { env: { PATH: tmp } }), 'binary'),
    );
    result.binary = {
      bytes: statSync(binary).size,
      build_ms: JSON.parse(sea.stdout).duration_ms,
      start_to_json_median_ms: round(median(seaRuns.map((r) => r.firstOutMs))),
    };
  }
} finally {
  for (const tag of made) {
    try {
      docker('rmi', tag);
    } catch {
      // Already gone.
    }
  }
  await mock.close();
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
}
result.load_average_at_end = loadavg().map((x) => round(x, 1));
console.log(JSON.stringify(result, null, 2));
