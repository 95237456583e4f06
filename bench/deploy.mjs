// `agentcrate deploy` costs against a real Docker engine, printed as one JSON object:
//   - artifact generation in-process (renderArtifacts / generateArtifacts, median of 50);
//   - deploy to healthy with the base image cached (the built CLI, as users run it);
//   - redeploy after editing the workflow YAML (how long until the new image exists, and healthy);
//   - bytes our layers add over the base image;
//   - container start to healthy (`docker start` → GET /health 200).
// Needs the built CLI (`node scripts/build.mjs`), a Docker engine and the local base image:
//   node_modules/.bin/node bench/deploy.mjs [--base-image agentcrate-test-base:24]
// Uses --network host and AGENTCRATE_DRY_RUN=1 so no model is needed. Removes what it creates.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { workflowEnvVars } from '../dist/cli/env-vars.js';
import { loadWorkflowFromString } from '../dist/config/load.js';
import { generateArtifacts, renderArtifacts } from '../dist/deploy/index.js';
import { exampleInput, inputsSchema, outputsSchema } from '../dist/server/openapi.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/agentcrate.js');
const FIXTURE = fileURLToPath(
  new URL('../../shared/fixtures/configurable-agents/echo.yaml', import.meta.url),
);
const argBase = process.argv.indexOf('--base-image');
const BASE =
  argBase > 0
    ? process.argv[argBase + 1]
    : (process.env.AGENTCRATE_TEST_BASE_IMAGE ?? 'agentcrate-test-base:24');
const NAME = `ac-bench-deploy-${process.pid}`;
const RUNS = 50;
const GOALS = { generateMs: 20, deployMs: 15_000, rebuildMs: 5_000, addedBytes: 5 * 1024 * 1024 };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function docker(...args) {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function tryDocker(...args) {
  try {
    return docker(...args);
  } catch {
    return undefined;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The CLI with --json: NDJSON progress on stderr (kept, timestamped), the result on stdout. */
function cli(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--', BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0)
        return reject(new Error(`agentcrate ${args[0]} exited ${code}: ${stderr.slice(-2000)}`));
      const events = stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      resolve({ wallMs, stdout, events });
    });
  });
}

async function untilHealthy(url, timeoutMs = 30_000) {
  const started = performance.now();
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`${url} not healthy in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** ms from the deploy's start to its first event of `phase` (from the CLI's own clock). */
const at = (events, phase) => events.find((e) => e.phase === phase)?.elapsedMs;

function generationBench(tmp) {
  const source = readFileSync(FIXTURE, 'utf8');
  const loaded = loadWorkflowFromString(source, { file: FIXTURE });
  if (!loaded.workflow) throw new Error(`fixture did not load: ${JSON.stringify(loaded.diagnostics)}`);
  const workflow = loaded.workflow;
  // What `deploy --generate` computes besides the files, included in the timing.
  const options = () => ({
    workflow,
    outDir: join(tmp, 'generate'),
    port: 8000,
    traces: true,
    envVars: workflowEnvVars(workflow),
    timeoutSeconds: 30,
    exampleInput: exampleInput(workflow),
    inputSchema: inputsSchema(workflow),
    outputSchema: outputsSchema(workflow),
    bundleSha256: 'b'.repeat(64),
  });
  for (let i = 0; i < 10; i++) generateArtifacts(options()); // warm-up (JIT, first write)
  const render = [];
  const generate = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    renderArtifacts(options());
    render.push(performance.now() - t);
    t = performance.now();
    generateArtifacts(options());
    generate.push(performance.now() - t);
  }
  return {
    render_median_ms: round(median(render), 3),
    render_p95_ms: round(p95(render), 3),
    generate_median_ms: round(median(generate), 3),
    generate_p95_ms: round(p95(generate), 3),
  };
}

async function main() {
  if (tryDocker('image', 'inspect', BASE) === undefined) throw new Error(`base image ${BASE} is missing`);
  // Leftovers of an interrupted run with the same pid would block the name.
  tryDocker('rm', '-f', NAME);
  const tmp = mkdtempSync(join(tmpdir(), 'agentcrate-bench-deploy-'));
  const out = join(tmp, 'out');
  const flow = join(tmp, 'echo.yaml');
  const envFile = join(tmp, 'bench.env');
  writeFileSync(flow, readFileSync(FIXTURE, 'utf8'));
  writeFileSync(envFile, 'AGENTCRATE_DRY_RUN=1\n');
  const port = await freePort();
  const health = `http://127.0.0.1:${port}/health`;
  const deployArgs = [
    'deploy',
    flow,
    '--name',
    NAME,
    '--base-image',
    BASE,
    '--network',
    'host',
    '--port',
    String(port),
    '--output',
    out,
    '--env-file',
    envFile,
    '--json',
  ];
  const cleanup = () => {
    tryDocker('rm', '-f', NAME);
    tryDocker('image', 'rm', '-f', `${NAME}:latest`);
    tryDocker('volume', 'rm', '-f', `${NAME}-data`);
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const generation = generationBench(tmp);

    const first = await cli(deployArgs);
    const firstResult = JSON.parse(first.stdout);

    const baseSize = JSON.parse(docker('image', 'inspect', BASE))[0].Size;
    const ourSize = JSON.parse(docker('image', 'inspect', `${NAME}:latest`))[0].Size;

    // Container start to healthy: stop (untimed), then time start → /health 200.
    const starts = [];
    const restarts = [];
    for (let i = 0; i < 3; i++) {
      docker('stop', '-t', '10', NAME);
      const t = performance.now();
      docker('start', NAME);
      await untilHealthy(health);
      starts.push(performance.now() - t);
      const r = performance.now();
      docker('restart', '-t', '10', NAME);
      await untilHealthy(health);
      restarts.push(performance.now() - r);
    }

    // Edit the YAML (a description), remove the running deployment, deploy again.
    writeFileSync(
      flow,
      readFileSync(flow, 'utf8').replace(
        'description: Minimal echo workflow - the simplest possible example',
        'description: Minimal echo workflow, edited for the rebuild benchmark',
      ),
    );
    docker('rm', '-f', NAME);
    const second = await cli(deployArgs);
    const secondResult = JSON.parse(second.stdout);
    // The first image is now untagged (dangling): ours to remove.
    if (secondResult.imageId !== firstResult.imageId) tryDocker('image', 'rm', '-f', firstResult.imageId);
    const rebuildMs = at(second.events, 'run'); // detect + bundle + generate + guard + build
    const rebuildBuildMs = rebuildMs - at(second.events, 'guard');

    const report = {
      bench: 'deploy',
      base_image: BASE,
      docker: docker('version', '--format', '{{.Server.Version}}').trim(),
      generation: {
        runs: RUNS,
        ...generation,
        goal_ms: GOALS.generateMs,
        ok: generation.generate_median_ms <= GOALS.generateMs,
      },
      deploy_to_healthy: {
        cli_wall_ms: Math.round(first.wallMs),
        deploy_elapsed_ms: firstResult.elapsedMs,
        bundle_ms: at(first.events, 'generate') - at(first.events, 'bundle'),
        build_ms: at(first.events, 'run') - at(first.events, 'guard'),
        run_to_healthy_ms: at(first.events, 'done') - at(first.events, 'run'),
        goal_ms: GOALS.deployMs,
        ok: first.wallMs <= GOALS.deployMs,
      },
      rebuild_after_yaml_edit: {
        new_image_ms: rebuildMs,
        of_which_docker_build_ms: rebuildBuildMs,
        of_which_bundle_ms: at(second.events, 'generate') - at(second.events, 'bundle'),
        to_healthy_ms: secondResult.elapsedMs,
        cli_wall_ms: Math.round(second.wallMs),
        image_changed: secondResult.imageId !== firstResult.imageId,
        goal_ms: GOALS.rebuildMs,
        ok: rebuildMs <= GOALS.rebuildMs,
      },
      added_bytes: {
        bytes: ourSize - baseSize,
        mb: round((ourSize - baseSize) / 1024 / 1024),
        base_bytes: baseSize,
        image_bytes: ourSize,
        goal_bytes: GOALS.addedBytes,
        ok: ourSize - baseSize <= GOALS.addedBytes,
      },
      start_to_healthy: {
        docker_start_median_ms: Math.round(median(starts)),
        docker_restart_median_ms: Math.round(median(restarts)),
        samples_start_ms: starts.map(Math.round),
        samples_restart_ms: restarts.map(Math.round),
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    cleanup();
  }
}

main().catch((err) => {
  process.stderr.write(`bench/deploy.mjs failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
