// Engine overhead per node with an in-process instant model, and a 1,000-item parallel map.
// Runs the built engine (dist/), as users do: `npm run build && node bench/engine-overhead.mjs`.
// Peer in the same run: the same number of bare `await` round-trips through an equivalent
// object-validation step, so the ratio shows what the engine adds over the unavoidable work.
import { performance } from 'node:perf_hooks';
import { loadWorkflowFromString } from '../dist/config/index.js';
import { compile, execute } from '../dist/engine/index.js';
import { createToolRegistry } from '../dist/tools/index.js';

const instant = {
  dryRun: false,
  resolve: () => ({ provider: 'bench', model: 'instant' }),
  missingCredentials: () => [],
  async generate(req) {
    const props = Object.keys(req.outputSchema.properties);
    const output = Object.fromEntries(
      props.map((p) => [p, req.outputSchema.properties[p].type === 'array' ? [] : 'x']),
    );
    return {
      output,
      text: '',
      usage: { inputTokens: 1, outputTokens: 1 },
      finishReason: 'stop',
      latencyMs: 0,
      attempts: 1,
      provider: 'bench',
      model: 'instant',
    };
  },
};
const deps = { models: instant, tools: createToolRegistry(), env: {}, cwd: process.cwd() };

function linear(n) {
  const nodes = [];
  const edges = ['  - {from: START, to: n0}'];
  for (let i = 0; i < n; i++) {
    nodes.push(
      `  - id: n${i}\n    prompt: "step ${i} after {f${i === 0 ? 0 : i - 1}}"\n    outputs: [f${i}]\n    output_schema: {type: str}`,
    );
    edges.push(`  - {from: n${i}, to: ${i === n - 1 ? 'END' : `n${i + 1}`}}`);
  }
  const fields = Array.from({ length: n }, (_, i) => `    f${i}: {type: str, default: ""}`).join('\n');
  return `schema_version: "1.0"\nflow: {name: linear}\nstate:\n  fields:\n${fields}\nnodes:\n${nodes.join('\n')}\nedges:\n${edges.join('\n')}\nconfig:\n  execution: {max_steps: ${n + 10}}\n`;
}

const map = `schema_version: "1.0"
flow: {name: map}
state:
  fields:
    items: {type: "list[str]", required: true}
    one: {type: str, default: ""}
    all: {type: "list[str]", default: []}
    start: {type: str, default: ""}
nodes:
  - {id: begin, prompt: "go", outputs: [start], output_schema: {type: str}}
  - {id: each, prompt: "{_parallel_item}", outputs: [one], output_schema: {type: str}}
edges:
  - {from: START, to: begin}
  - from: begin
    parallel: {items_field: items, target_node: each, collect_field: all}
  - {from: each, to: END}
config:
  execution: {max_parallel: 1000}
`;

function plan(yaml) {
  const r = loadWorkflowFromString(yaml);
  if (!r.workflow) throw new Error(JSON.stringify(r.diagnostics.slice(0, 3)));
  return compile(r.workflow);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn, reps) {
  const samples = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

const N = 200;
const linearPlan = plan(linear(N));
const mapPlan = plan(map);
const items = Array.from({ length: 1000 }, (_, i) => `item ${i}`);
for (let i = 0; i < 5; i++) await execute(linearPlan, {}, deps); // warm-up (JIT)

const linearMs = await time(async () => {
  const r = await execute(linearPlan, {}, deps);
  if (r.status !== 'success') throw new Error(r.error?.message);
}, 15);
const peerMs = await time(async () => {
  for (let i = 0; i < N; i++)
    await instant.generate({ outputSchema: { properties: { x: { type: 'string' } } } });
}, 15);
for (let i = 0; i < 3; i++) await execute(mapPlan, { items }, deps);
const mapMs = await time(async () => {
  const r = await execute(mapPlan, { items }, deps);
  if (r.status !== 'success' || r.outputs.all.length !== 1000) throw new Error('map failed');
}, 9);

const result = {
  node: process.version,
  per_node_ms: +(linearMs / N).toFixed(4),
  per_node_goal_ms: 0.2,
  bare_model_call_ms: +(peerMs / N).toFixed(4),
  overhead_ratio_vs_bare_call: +(linearMs / peerMs).toFixed(1),
  parallel_map_1000_ms: +mapMs.toFixed(1),
  parallel_map_goal_ms: 200,
};
console.log(JSON.stringify(result, null, 2));
