// Suites that measure agentcrate alone (no peer does the same thing); each names the floor it
// is compared with, so a ratio still says what agentcrate adds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NODE, ROOT } from '../lib/paths.mjs';
import { median, ratio, round } from '../lib/stats.mjs';

/** bench/engine-overhead.mjs: per-node engine cost with an instant in-process model. */
export async function engine(ctx) {
  const samples = [];
  for (let i = 0; i < (ctx.smoke ? 1 : ctx.repeat); i++) {
    const r = spawnSync(NODE, [join(ROOT, 'bench/engine-overhead.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`engine-overhead.mjs failed (${r.status}): ${r.stderr.slice(-1500)}`);
    samples.push(JSON.parse(r.stdout));
    ctx.log(`engine #${i + 1}: ${samples.at(-1).per_node_ms} ms/node`);
  }
  const row = {
    per_node_ms: median(samples.map((s) => s.per_node_ms)),
    per_node_goal_ms: samples[0].per_node_goal_ms,
    bare_model_call_ms: median(samples.map((s) => s.bare_model_call_ms)),
    parallel_map_1000_ms: median(samples.map((s) => s.parallel_map_1000_ms)),
    parallel_map_goal_ms: samples[0].parallel_map_goal_ms,
    repeats: samples.length,
  };
  const markdown = [
    '| measure | agentcrate | goal | floor (bare awaited call) |',
    '|---|---|---|---|',
    `| engine overhead per node (200-node chain) | ${row.per_node_ms} ms | ≤ ${row.per_node_goal_ms} ms | ${row.bare_model_call_ms} ms |`,
    `| parallel map, 1,000 items | ${row.parallel_map_1000_ms} ms | ≤ ${row.parallel_map_goal_ms} ms | – |`,
  ].join('\n');
  return { rows: [row], markdown: `${markdown}\n` };
}

/** Load + validate a generated 500-node workflow (the generator of bench/validate-500.ts). */
export async function validate(ctx) {
  const { generateWorkflow } = await import(pathToFileURL(join(ROOT, 'bench/validate-500.ts')).href);
  const { loadWorkflowFromString } = await import(pathToFileURL(join(ROOT, 'dist/config/index.js')).href);
  const { parse } = await import(pathToFileURL(join(ROOT, 'node_modules/yaml/dist/index.js')).href);
  const source = generateWorkflow(500);
  const first = loadWorkflowFromString(source);
  if (!first.workflow) throw new Error('the generated 500-node workflow did not validate');
  const runs = ctx.smoke ? 3 : 30;
  const time = (fn) => {
    for (let i = 0; i < Math.min(5, runs); i++) fn(); // warm-up
    const xs = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      fn();
      xs.push(performance.now() - t);
    }
    return median(xs);
  };
  const loadMs = time(() => loadWorkflowFromString(source));
  const parseMs = time(() => parse(source));
  const row = {
    nodes: 500,
    lines: source.split('\n').length,
    load_validate_ms: round(loadMs),
    yaml_parse_only_ms: round(parseMs),
    goal_ms: 50,
    runs,
  };
  ctx.log(`validate: ${row.load_validate_ms} ms`);
  const markdown = [
    "| measure | agentcrate load + validate | peer: the `yaml` package's `parse` alone | ratio | goal |",
    '|---|---|---|---|---|',
    `| 500-node workflow (${row.lines} lines), median of ${runs} | ${row.load_validate_ms} ms | ${row.yaml_parse_only_ms} ms | ${ratio(loadMs, parseMs)} | < ${row.goal_ms} ms |`,
  ].join('\n');
  return { rows: [row], markdown: `${markdown}\n` };
}

/** Deploy artifact generation through the CLI (`agentcrate deploy --generate`). */
export async function artifacts(ctx) {
  const out = mkdtempSync(join(tmpdir(), 'agentcrate-bench-artifacts-'));
  try {
    // A deployable workflow names a hosted provider (the bench one's mock URL is run-time only).
    const workflow = join(out, 'workflow-in.yaml');
    writeFileSync(
      workflow,
      readFileSync(join(ROOT, 'bench/workflows/one-step.yaml'), 'utf8').replace(
        /provider:\s*openai-compatible,\s*model:\s*mock-model/,
        'provider: openai, model: gpt-4o-mini',
      ),
    );
    const args = [
      join(ROOT, 'bin/agentcrate.js'),
      'deploy',
      workflow,
      '--generate',
      '--output',
      join(out, 'deploy'),
    ];
    const env = process.env;
    const probe = spawnSync(NODE, args, { cwd: out, env, encoding: 'utf8', timeout: 120_000 });
    if (probe.status !== 0) {
      const why = /unknown command/.test(probe.stderr)
        ? '`agentcrate deploy` is not available in this build'
        : `\`agentcrate deploy --generate\` failed (${probe.status}): ${probe.stderr.trim().split('\n').slice(-3).join(' ')}`;
      ctx.log(`artifacts: skipped (${why})`);
      return { rows: [], skipped: why, markdown: `Skipped: ${why}.\n` };
    }
    const samples = [];
    for (let i = 0; i < (ctx.smoke ? 1 : 5); i++) {
      const t = performance.now();
      const r = spawnSync(NODE, args, { cwd: out, env, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`agentcrate deploy --generate failed: ${r.stderr.slice(-1000)}`);
      samples.push(performance.now() - t);
    }
    const files = ['Dockerfile', 'docker-compose.yml', 'README.md', 'server.mjs'].filter((f) =>
      existsSync(join(out, 'deploy', f)),
    );
    if (files.length < 4) throw new Error(`agentcrate deploy --generate wrote only ${files.join(', ')}`);
    const row = {
      generate_ms: round(median(samples)),
      files_checked: files,
      runs: samples.length,
      bundle_bytes: statSync(join(out, 'deploy', 'server.mjs')).size,
    };
    const bundleBytes = statSync(join(out, 'deploy', 'server.mjs')).size;
    ctx.log(`artifacts: ${row.generate_ms} ms`);
    return {
      rows: [row],
      markdown: `| measure | agentcrate |\n|---|---|\n| \`agentcrate deploy --generate\` (process start to files written, incl. server bundle) | ${row.generate_ms} ms (median of ${row.runs}) |\n| server bundle (server.mjs) | ${(bundleBytes / 1024 / 1024).toFixed(2)} MB |\n\nDeploy to healthy and image bytes: the deploy suite.\n`,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** CLI start: `agentcrate --version` against `node -e 0` (the floor any Node CLI pays). */
export async function cliStart(ctx) {
  const runs = ctx.smoke ? 3 : 30;
  const ours = [NODE, join(ROOT, 'bin/agentcrate.js'), '--version'];
  const floor = [NODE, '-e', '0'];
  const hyperfine = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' }).status === 0 && !ctx.smoke;
  let row;
  if (hyperfine) {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-bench-hf-'));
    try {
      const file = join(dir, 'hf.json');
      const q = (argv) => argv.map((a) => `'${a}'`).join(' ');
      const r = spawnSync(
        'hyperfine',
        ['--warmup', '3', '--runs', String(runs), '-N', '--export-json', file, q(ours), q(floor)],
        { encoding: 'utf8', timeout: 300_000 },
      );
      if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
      const results = JSON.parse((await import('node:fs')).readFileSync(file, 'utf8')).results;
      row = {
        tool: 'hyperfine',
        agentcrate_ms: round(results[0].median * 1000),
        node_e0_ms: round(results[1].median * 1000),
        runs,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const time = (argv) => {
      const xs = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
        xs.push(performance.now() - t);
      }
      return median(xs);
    };
    time(ours);
    row = { tool: 'spawnSync', agentcrate_ms: round(time(ours)), node_e0_ms: round(time(floor)), runs };
  }
  ctx.log(`cli-start: ${row.agentcrate_ms} ms vs ${row.node_e0_ms} ms`);
  return {
    rows: [row],
    markdown: `| command | median ms (${row.tool}, ${row.runs} runs) |\n|---|---|\n| \`agentcrate --version\` | ${row.agentcrate_ms} |\n| \`node -e 0\` (floor) | ${row.node_e0_ms} |\n| ratio | ${ratio(row.agentcrate_ms, row.node_e0_ms)} |\n`,
  };
}

/** bench/deploy.mjs: deploy to healthy, rebuild after an edit, image bytes over the base. */
export async function deploy(ctx) {
  const skip = (why) => {
    ctx.log(`deploy: skipped (${why})`);
    return { rows: [], skipped: why, markdown: `Skipped: ${why}.\n` };
  };
  // Building an image takes tens of seconds: nothing to learn from a one-second version.
  if (ctx.smoke) return skip('not run in smoke mode (it builds a container image)');
  if (spawnSync('docker', ['info'], { encoding: 'utf8' }).status !== 0) return skip('no Docker engine');
  const base = process.env.AGENTCRATE_TEST_BASE_IMAGE ?? 'agentcrate-test-base:24';
  if (spawnSync('docker', ['image', 'inspect', base], { encoding: 'utf8' }).status !== 0) {
    return skip(`base image ${base} is missing (bash scripts/docker/build-base-image.sh builds it)`);
  }
  const r = spawnSync(NODE, [join(ROOT, 'bench/deploy.mjs'), '--base-image', base], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`bench/deploy.mjs failed (${r.status}): ${r.stderr.slice(-1500)}`);
  const d = JSON.parse(r.stdout);
  ctx.log(`deploy: ${d.deploy_to_healthy.cli_wall_ms} ms to healthy`);
  const ok = (x) => (x.ok ? 'met' : '**not met**');
  const markdown = [
    `| measure (Docker ${d.docker}, base ${d.base_image}) | agentcrate | goal |`,
    '|---|---|---|',
    `| artifact generation in-process (median of ${d.generation.runs}) | ${d.generation.generate_median_ms} ms | ≤ ${d.generation.goal_ms} ms, ${ok(d.generation)} |`,
    `| \`agentcrate deploy\` to healthy, base cached (CLI wall) | ${d.deploy_to_healthy.cli_wall_ms} ms (bundle ${d.deploy_to_healthy.bundle_ms}, build ${d.deploy_to_healthy.build_ms}, run → healthy ${d.deploy_to_healthy.run_to_healthy_ms}) | ≤ ${d.deploy_to_healthy.goal_ms} ms, ${ok(d.deploy_to_healthy)} |`,
    `| new image after a YAML edit | ${d.rebuild_after_yaml_edit.new_image_ms} ms (healthy after ${d.rebuild_after_yaml_edit.to_healthy_ms} ms) | ≤ ${d.rebuild_after_yaml_edit.goal_ms} ms, ${ok(d.rebuild_after_yaml_edit)} |`,
    `| image bytes over the base | ${d.added_bytes.mb} MB (${d.added_bytes.bytes} B) | ≤ ${(d.added_bytes.goal_bytes / 1024 / 1024).toFixed(0)} MB, ${ok(d.added_bytes)} |`,
    `| \`docker start\` → healthy (median of 3) | ${d.start_to_healthy.docker_start_median_ms} ms | – |`,
  ].join('\n');
  return { rows: [d], markdown: `${markdown}\n` };
}
