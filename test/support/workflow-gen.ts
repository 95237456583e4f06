/**
 * Seeded random workflows for the loader fuzz test: small documents built from the format's
 * parts (state fields and types, nodes with prompts, inputs, outputs, schemas, tools and llm
 * settings, every edge form, config blocks), with names, types, placeholders and conditions
 * drawn from pools that mix valid values with near misses, reserved names and hostile values.
 * Small on purpose: each is read in a fraction of a millisecond, so a run can afford 100,000.
 */
import { dump } from 'js-yaml';

type Rand = () => number;

function pick<T>(rand: Rand, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

function some<T>(rand: Rand, xs: readonly T[], max: number): T[] {
  const n = Math.floor(rand() * (max + 1));
  return Array.from({ length: n }, () => pick(rand, xs));
}

const FIELDS = ['topic', 'draft', 'done', 'items', 'results', 'score', 'info', 'topc', '1bad', 'START', '_x'];
const NODES = ['plan', 'write', 'review', 'fan', 'each', 'wrtie', 'START', 'END', 'bad-id', ''];
const TYPES = [
  'str',
  'int',
  'float',
  'bool',
  'list',
  'dict',
  'list[str]',
  'list[int]',
  'dict[str, int]',
  'dict[int, str]',
  'list[list[float]]',
  'object',
  'list[object]',
  'lst[str]',
  'list[',
  'String',
  '',
];
const VALUES: readonly unknown[] = [
  '',
  'text',
  0,
  -1,
  1.5,
  1e308,
  2 ** 63,
  true,
  null,
  [],
  ['a'],
  [1, 'x'],
  {},
  { summary: 's', score: 1 },
  'NaN',
];
const PLACEHOLDERS = [
  '{state.topic}',
  '{topic}',
  '{state.info.summary}',
  '{state.info.nope}',
  '{ctx}',
  '{_loop_iteration_review}',
  '{state._loop_iteration_review}',
  '{_loop_iteration_nobody}',
  '{_parallel_item}',
  '{_parallel_index}',
  '{state.}',
  '{',
  '}}',
  '{{literal}}',
  '{state.topc}',
];
const CONDITIONS = [
  'state.done == true',
  'state.score > 3 and state.done',
  'not state.done',
  "state.topic == 'x'",
  '_loop_iteration_review >= 2',
  'state.info.summary != null',
  'state.nope == 1',
  'state.score >',
  '((state.done)',
  'state.items contains "a"',
  'default',
  '',
];
const TOOLS = [
  'web_search',
  'file_read',
  'http_get',
  'shell',
  'serper_search',
  'web_serch',
  'dataframe_to_csv',
  '',
];
const PROVIDERS = ['openai', 'anthropic', 'google', 'ollama', 'openai-compatible', 'opneai', ''];

function schema(rand: Rand, depth: number): unknown {
  if (rand() < 0.15) return pick(rand, VALUES);
  const out: Record<string, unknown> = {};
  for (const name of some(rand, ['summary', 'score', 'tags', 'meta', '9x'], 3)) {
    out[name] =
      depth < 2 && rand() < 0.2 ? { type: 'object', schema: schema(rand, depth + 1) } : pick(rand, TYPES);
  }
  return out;
}

function stateField(rand: Rand): unknown {
  if (rand() < 0.1) return pick(rand, TYPES);
  const field: Record<string, unknown> = { type: pick(rand, TYPES) };
  if (rand() < 0.3) field.required = rand() < 0.5;
  if (rand() < 0.4) field.default = pick(rand, VALUES);
  if (rand() < 0.3) field.schema = schema(rand, 0);
  if (rand() < 0.05) field[pick(rand, ['descripton', 'secret', 'enum'])] = 'x';
  return field;
}

function prompt(rand: Rand): string {
  const parts = some(rand, PLACEHOLDERS, 3);
  return `Do it ${parts.join(' and ')}${rand() < 0.2 ? '\nsecond line {state.draft}' : ''}`;
}

function node(rand: Rand): unknown {
  const out: Record<string, unknown> = { id: pick(rand, NODES) };
  if (rand() < 0.95) out.prompt = rand() < 0.05 ? pick(rand, VALUES) : prompt(rand);
  if (rand() < 0.3)
    out.inputs = { ctx: pick(rand, PLACEHOLDERS), ...(rand() < 0.2 ? { 'bad name': 'x' } : {}) };
  const outputs = some(rand, FIELDS, 2);
  if (rand() < 0.95) out.outputs = rand() < 0.05 ? pick(rand, VALUES) : outputs;
  if (rand() < 0.9) {
    out.output_schema =
      rand() < 0.3
        ? { type: 'object', fields: outputs.map((name) => ({ name, type: pick(rand, TYPES) })) }
        : { type: pick(rand, TYPES), ...(rand() < 0.2 ? { schema: schema(rand, 0) } : {}) };
  }
  if (rand() < 0.2)
    out.tools = some(rand, TOOLS, 2).map((t) => (rand() < 0.3 ? { name: t, on_error: 'continue' } : t));
  if (rand() < 0.2) out.llm = { provider: pick(rand, PROVIDERS), temperature: pick(rand, VALUES) };
  if (rand() < 0.05) out[pick(rand, ['code', 'sandbox', 'memory', 'promt'])] = 'x';
  return out;
}

function edge(rand: Rand): unknown {
  const from = rand() < 0.2 ? 'START' : pick(rand, NODES);
  switch (Math.floor(rand() * 6)) {
    case 0:
      return { from, to: rand() < 0.2 ? some(rand, NODES, 3) : pick(rand, [...NODES, 'END']) };
    case 1:
      return { from, to: pick(rand, NODES), condition: pick(rand, CONDITIONS) };
    case 2:
      return {
        from,
        routes: some(rand, CONDITIONS, 3).map((logic) => ({
          condition: { logic },
          to: pick(rand, [...NODES, 'END']),
        })),
      };
    case 3:
      return {
        from,
        loop: {
          condition_field: pick(rand, FIELDS),
          max_iterations: pick(rand, [1, 3, 0, 1000, 'x']),
          exit_to: 'END',
        },
      };
    case 4:
      return {
        from,
        parallel: {
          items_field: pick(rand, FIELDS),
          target_node: pick(rand, NODES),
          collect_field: pick(rand, FIELDS),
        },
      };
    default:
      return { from, to: 'END', ...(rand() < 0.3 ? { routes: [] } : {}) };
  }
}

function config(rand: Rand): unknown {
  const out: Record<string, unknown> = {};
  if (rand() < 0.4)
    out.llm = { provider: pick(rand, PROVIDERS), model: 'gpt-4o', max_tokens: pick(rand, VALUES) };
  if (rand() < 0.4)
    out.execution = { timeout: pick(rand, VALUES), max_steps: pick(rand, [1, 100, 0, -1, 1e308]) };
  if (rand() < 0.3) {
    out.observability = {
      mlflow: {
        enabled: pick(rand, [true, false, 'yes']),
        tracking_uri: pick(rand, ['http://localhost:5000', 'sqlite:///mlflow.db', 'file:./runs', '', 42]),
        ...(rand() < 0.3 ? { log_artifacts: true, retention_days: 7 } : {}),
      },
      ...(rand() < 0.2 ? { logging: { level: 'INFO' } } : {}),
    };
  }
  if (rand() < 0.1) out[pick(rand, ['storage', 'gates', 'memory', 'unknown_block'])] = { enabled: true };
  return out;
}

/** Anything goes: every part drawn from the pools independently (mostly invalid). */
function chaotic(rand: Rand): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  if (rand() < 0.95) doc.schema_version = rand() < 0.9 ? '1.0' : pick(rand, ['2.0', 1, null]);
  if (rand() < 0.95) doc.flow = { name: rand() < 0.95 ? 'fuzz' : pick(rand, VALUES) };
  const fields: Record<string, unknown> = {};
  for (const name of some(rand, FIELDS, 5)) fields[name] = stateField(rand);
  if (rand() < 0.95) doc.state = { fields };
  doc.nodes = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => node(rand));
  const edges = Array.from({ length: Math.floor(rand() * 5) }, () => edge(rand));
  if (rand() < 0.8) edges.unshift({ from: 'START', to: pick(rand, NODES) });
  doc.edges = edges;
  if (rand() < 0.5) doc.config = config(rand);
  return doc;
}

const GOOD_TYPES = ['str', 'int', 'float', 'bool', 'list[str]', 'dict[str, int]', 'object'];

/**
 * A workflow that validates: a chain of nodes, each writing its own typed field from the
 * previous one, sometimes a loop or routes at the end, then a few random perturbations
 * (a part replaced by a chaotic one), so most cases are near misses of a valid file.
 */
function coherent(rand: Rand): Record<string, unknown> {
  const n = 1 + Math.floor(rand() * 5);
  const fields: Record<string, unknown> = {
    topic: { type: 'str', required: true },
    done: { type: 'bool', default: false },
  };
  const nodes: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    const type = pick(rand, GOOD_TYPES);
    fields[`o${i}`] =
      type === 'object'
        ? { type, schema: { summary: 'str', score: 'int' } }
        : { type, ...(rand() < 0.3 ? { description: 'd' } : {}) };
    const prev =
      i === 0
        ? 'state.topic'
        : `state.o${i - 1}${nodes.length > 0 && fields[`o${i - 1}`] !== undefined && (fields[`o${i - 1}`] as { type: string }).type === 'object' ? '.summary' : ''}`;
    nodes.push({
      id: `n${i}`,
      prompt: rand() < 0.3 ? `Step ${i}\nafter {${prev}}\n` : `Step ${i} after {${prev}}`,
      outputs: [`o${i}`],
      output_schema: { type },
      ...(rand() < 0.2 ? { tools: ['web_search'] } : {}),
    });
  }
  const edges: Array<Record<string, unknown>> = [{ from: 'START', to: 'n0' }];
  for (let i = 0; i + 1 < n; i++) edges.push({ from: `n${i}`, to: `n${i + 1}` });
  const last = `n${n - 1}`;
  const end = rand();
  if (end < 0.2) {
    nodes.push({
      id: 'check',
      prompt: 'Done? {state.topic}',
      outputs: ['done'],
      output_schema: { type: 'bool' },
    });
    edges.push(
      { from: last, to: 'check' },
      { from: 'check', loop: { condition_field: 'done', max_iterations: 3, exit_to: 'END' } },
    );
  } else if (end < 0.4) {
    edges.push({
      from: last,
      routes: [
        { condition: { logic: 'state.done == true' }, to: 'END' },
        { condition: { logic: 'default' }, to: 'END' },
      ],
    });
  } else {
    edges.push({ from: last, to: 'END' });
  }
  const doc: Record<string, unknown> = {
    schema_version: '1.0',
    flow: { name: 'fuzz', description: 'generated' },
    state: { fields },
    nodes,
    edges,
  };
  if (rand() < 0.3) doc.config = config(rand);
  for (let k = Math.floor(rand() * 3); k > 0; k--) perturb(rand, doc, fields, nodes, edges);
  return doc;
}

function perturb(
  rand: Rand,
  doc: Record<string, unknown>,
  fields: Record<string, unknown>,
  nodes: Array<Record<string, unknown>>,
  edges: Array<Record<string, unknown>>,
): void {
  switch (Math.floor(rand() * 8)) {
    case 0:
      nodes[Math.floor(rand() * nodes.length)] = node(rand) as Record<string, unknown>;
      break;
    case 1:
      edges[Math.floor(rand() * edges.length)] = edge(rand) as Record<string, unknown>;
      break;
    case 2:
      fields[pick(rand, [...Object.keys(fields), ...FIELDS])] = stateField(rand);
      break;
    case 3: {
      // One misspelt node id: the scenario whose errors must come cause first.
      const target = nodes[Math.floor(rand() * nodes.length)]!;
      target.id = `${String(target.id)}x`;
      break;
    }
    case 4:
      nodes[Math.floor(rand() * nodes.length)]!.prompt = prompt(rand);
      break;
    case 5:
      delete fields[pick(rand, Object.keys(fields))];
      break;
    case 6:
      doc.config = config(rand);
      break;
    default:
      doc[pick(rand, ['memory', 'optimization', 'extra'])] = { enabled: true };
  }
}

/**
 * Block style at the top, each field, node and edge one JSON (flow-style YAML) line: the
 * positions of every part are distinct, and writing it costs little next to reading it.
 */
function emit(doc: Record<string, unknown>): string {
  const out: string[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'state' && isMap(value) && isMap(value.fields)) {
      out.push('state:', '  fields:');
      for (const [name, field] of Object.entries(value.fields))
        out.push(`    ${JSON.stringify(name)}: ${JSON.stringify(field)}`);
    } else if ((key === 'nodes' || key === 'edges') && Array.isArray(value) && value.length > 0) {
      out.push(`${key}:`);
      for (const item of value) out.push(`  - ${JSON.stringify(item)}`);
    } else {
      out.push(`${key}: ${JSON.stringify(value) ?? 'null'}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One random workflow as YAML text: mostly one JSON line per part, sometimes js-yaml's block style. */
export function randomWorkflow(rand: Rand): string {
  const doc = rand() < 0.5 ? coherent(rand) : chaotic(rand);
  return rand() < 0.1 ? dump(doc, { lineWidth: -1, noRefs: true }) : emit(doc);
}
