import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFromString } from '../../src/config/index.js';
import { checkLoad, FIXTURE_MUTATIONS, FUZZ_CASES, GENERATED_PER_FILE } from '../support/loader-fuzz.js';
import { mutate, PARSER_TOKENS, prng } from '../support/mutate.js';

/**
 * Mutation fuzzing of the loader: thousands of broken variants of real workflows must each
 * end in a workflow or in diagnostics — never an unexpected exception, a hang, or a
 * diagnostic without a message. Deterministic (seeded) so a failure reproduces.
 */

const BASE = `schema_version: "1.0"
flow: {name: fuzz, description: base}
state:
  fields:
    topic: {type: str, required: true}
    done: {type: bool, default: false}
    items: {type: "list[str]", default: []}
    results: {type: list, default: []}
    piece: {type: str}
    info:
      type: object
      schema: {title: str, tags: "list[str]", meta: {type: object, schema: {n: int}}}
nodes:
  - id: plan
    prompt: |
      Plan {state.topic} using {t} and {_loop_iteration_plan}
    inputs: {t: "{state.topic}"}
    outputs: [info]
    output_schema:
      type: object
      fields:
        - {name: info, type: object}
    tools: [web_search, {name: file_read, on_error: continue}]
    llm: {provider: openai, model: gpt-4o}
  - id: check
    prompt: "Check {state.info.title}"
    outputs: [done]
    output_schema: {type: bool}
  - id: fan
    prompt: "List parts of {state.topic}"
    outputs: [items]
    output_schema: {type: "list[str]"}
  - id: each
    prompt: "Expand {_parallel_item} ({_parallel_index})"
    outputs: [piece]
    output_schema: {type: str}
edges:
  - {from: START, to: plan}
  - from: plan
    routes:
      - {condition: {logic: "state.done == true and state.info.meta.n > 2"}, to: END}
      - {condition: {logic: default}, to: check}
  - {from: check, loop: {condition_field: done, max_iterations: 3, exit_to: fan}}
  - {from: fan, parallel: {items_field: items, target_node: each, collect_field: results}}
  - {from: each, to: END}
anchors: &x [1, 2]
again: *x
config:
  execution: {timeout: 10, max_retries: 1}
`;

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/configurable-agents/', import.meta.url));

function bases(): Array<{ name: string; text: string }> {
  const out = [{ name: 'inline', text: BASE }];
  if (existsSync(FIXTURES)) {
    for (const f of readdirSync(FIXTURES).sort()) {
      // Comment-only lines cost parse time without exercising anything; drop them.
      const text = readFileSync(`${FIXTURES}${f}`, 'utf8').replace(/^\s*#.*\n/gm, '');
      if (f.endsWith('.yaml')) out.push({ name: f, text });
    }
  }
  return out;
}

/** Tokens aimed at the validator: reserved names, odd values, structure characters. */
const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ': ',
  '"',
  "'",
  '&a ',
  '*a',
  '- ',
  '\t',
  '#',
  '|',
  '>',
  '!!str ',
  '<<: *a',
  '\\',
  '\n',
  ' ',
  ',',
  '---\n',
  '? ',
  '%',
  '@',
  '{{',
  '}}',
  '{state.',
  'START',
  'END',
  '\u0000',
  '\uFEFF',
  'null',
  '~',
  '1e999',
  '-0',
  'NaN',
];

describe('loader fuzzing: mutated real workflows', () => {
  it('with the two generated halves, every run loads at least 100,000 fuzzed files', () => {
    expect(FIXTURE_MUTATIONS + 2 * GENERATED_PER_FILE).toBe(FUZZ_CASES);
    expect(FUZZ_CASES).toBeGreaterThanOrEqual(100_000);
  });

  it('the inline base workflow is valid (so mutations start from a real workflow)', () => {
    const r = loadWorkflowFromString(BASE);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.workflow).toBeDefined();
  });

  it(`${FIXTURE_MUTATIONS.toLocaleString('en-US')} mutated files (with the two generated halves: ${FUZZ_CASES.toLocaleString('en-US')} loader cases per run): never an unexpected throw, always a workflow or diagnostics`, {
    timeout: 240_000,
  }, () => {
    const rand = prng(20240601);
    const sources = bases();
    const problems: string[] = [];
    let valid = 0;
    let slowest = 0;
    let cases = 0;
    for (let i = 0; i < FIXTURE_MUTATIONS; i++) {
      cases++;
      const base = sources[i % sources.length]!;
      // Tokens aimed at the validator and at the YAML parsers, in turn.
      const text = mutate(base.text, rand, i % 2 === 0 ? TOKENS : PARSER_TOKENS);
      const t = performance.now();
      const outcome = checkLoad(text, { format: i % 10 === 0 ? 'json' : 'yaml', strict: i % 7 === 0 });
      slowest = Math.max(slowest, performance.now() - t);
      if (outcome.valid) valid++;
      for (const p of outcome.problems) problems.push(`#${i} (${base.name}): ${p}\n${text}`);
      if (problems.length > 5) break;
    }
    console.log(`loader fuzz (mutated fixtures): ${cases} cases, ${valid} valid`);
    expect(problems, problems.join('\n---\n')).toEqual([]);
    expect(cases).toBe(FIXTURE_MUTATIONS);
    // Some mutations keep the file valid; most must not (or the fuzzer tests nothing).
    expect(valid).toBeGreaterThan(0);
    expect(valid).toBeLessThan(FIXTURE_MUTATIONS / 2);
    // Never a hang: no single file takes long (a generous bound: a pathological case takes
    // seconds, an ordinary one well under a millisecond).
    expect(slowest).toBeLessThan(5000);
  });
});
