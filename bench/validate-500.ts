/**
 * How long loading + validating a 500-node workflow takes (goal: median < 50 ms).
 * Run: node_modules/.bin/node bench/validate-500.ts
 *
 * Node's type stripping cannot resolve the sources' `.js` import specifiers, so the config
 * room (with `yaml`) is bundled by esbuild into a temporary module first; that is not timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const NODES = 500;
const RUNS = 50;
const GOAL_MS = 50;

/** A chain START → n0 → … → n499 → END with a fan-out/join and an object output every 50 nodes. */
export function generateWorkflow(nodes: number): string {
  const lines: string[] = ['schema_version: "1.0"', 'flow:', '  name: bench_500', 'state:', '  fields:'];
  lines.push('    topic: {type: str, required: true}');
  for (let i = 0; i < nodes; i++) {
    if (i % 50 === 25) {
      lines.push(
        `    f${i}:`,
        '      type: object',
        '      schema: {summary: str, score: int, tags: "list[str]"}',
      );
    } else {
      lines.push(`    f${i}: {type: str, default: ""}`);
    }
  }
  lines.push('nodes:');
  for (let i = 0; i < nodes; i++) {
    const prev = i === 0 ? 'state.topic' : i % 50 === 26 ? `state.f${i - 1}.summary` : `state.f${i - 1}`;
    lines.push(
      `  - id: n${i}`,
      '    prompt: |',
      `      Step ${i} about {state.topic}.`,
      `      Previous: {${prev}}`,
    );
    lines.push(`    inputs: {ctx: "{state.topic}"}`, `    outputs: [f${i}]`);
    if (i % 50 === 25) {
      lines.push(
        '    output_schema:',
        '      type: object',
        '      fields:',
        `        - {name: f${i}, type: object, schema: {summary: str, score: int, tags: "list[str]"}}`,
      );
    } else {
      lines.push('    output_schema: {type: str}');
    }
  }
  lines.push('edges:', '  - {from: START, to: n0}');
  for (let i = 0; i + 1 < nodes; i++) lines.push(`  - {from: n${i}, to: n${i + 1}}`);
  lines.push(`  - {from: n${nodes - 1}, to: END}`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'agentcrate-bench-'));
  try {
    // Two entries sharing chunks: the loader, and the parser alone (to report its share).
    await build({
      entryPoints: {
        config: join(root, 'src/config/index.ts'),
        yaml: join(root, 'src/config/yaml/parse.ts'),
      },
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      logLevel: 'warning',
      // yaml's CommonJS build calls require('process'); give the ESM bundle a real require.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    const mod = (await import(
      pathToFileURL(join(dir, 'config.mjs')).href
    )) as typeof import('../src/config/index.ts');
    const yaml = (await import(
      pathToFileURL(join(dir, 'yaml.mjs')).href
    )) as typeof import('../src/config/yaml/parse.ts');
    const source = generateWorkflow(NODES);
    const first = mod.loadWorkflowFromString(source);
    const errors = first.diagnostics.filter((d) => d.severity === 'error');
    if (first.workflow === undefined) {
      console.error('generated workflow did not validate:', errors.slice(0, 5));
      process.exitCode = 1;
      return;
    }
    for (let i = 0; i < 5; i++) mod.loadWorkflowFromString(source);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      mod.loadWorkflowFromString(source);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const p90 = times[Math.floor(times.length * 0.9)]!;
    const min = times[0]!;
    console.log(
      `validate-500: ${NODES} nodes, ${source.split('\n').length} lines, ${RUNS} runs: min ${min.toFixed(1)} ms, median ${median.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms (goal < ${GOAL_MS} ms) ${median < GOAL_MS ? 'OK' : 'SLOW'}`,
    );
    // The parse alone (YAML text → value and source map), to show its share of the total.
    const parseTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      yaml.parseSource(source, 'yaml');
      parseTimes.push(performance.now() - t);
    }
    parseTimes.sort((a, b) => a - b);
    console.log(
      `  of which parsing: min ${parseTimes[0]!.toFixed(1)} ms, median ${parseTimes[Math.floor(RUNS / 2)]!.toFixed(1)} ms`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (/validate-500\.ts$/.test(process.argv[1] ?? '')) await main();
