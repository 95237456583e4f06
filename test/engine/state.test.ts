/**
 * The run's state at its two edges: inputs checked strictly against the state types (every
 * problem at once, what HTTP callers and input files get) and filled from defaults, `-i` text
 * converted where lossless, and the outputs users see (bookkeeping keys left inside).
 */
import { describe, expect, it } from 'vitest';
import { buildInitialState, coerceCliInputs, publicOutputs } from '../../src/engine/index.js';
import { AgentcrateError } from '../../src/errors.js';
import { workflowFrom } from '../support/workflows.js';

const WORKFLOW = workflowFrom(`schema_version: "1.0"
flow: {name: shop}
state:
  fields:
    customer: {type: str, required: true, description: Who is asking}
    quantity: {type: int, default: 1}
    tags: {type: "list[str]", default: [a, b]}
    options: {type: "dict[str, int]", default: {x: 1}}
    note: {type: str}
    answer: {type: str, default: ""}
nodes:
  - {id: reply, prompt: "{state.customer}", outputs: [answer], output_schema: {type: str}}
edges:
  - {from: START, to: reply}
  - {from: reply, to: END}
`);

function refusal(inputs: Record<string, unknown>): AgentcrateError {
  try {
    buildInitialState(WORKFLOW, inputs);
  } catch (error) {
    expect(error).toBeInstanceOf(AgentcrateError);
    return error as AgentcrateError;
  }
  throw new Error(`accepted ${JSON.stringify(inputs)}`);
}

const issuesOf = (error: AgentcrateError) =>
  (error.details as { issues: Array<{ path: string; message: string }> }).issues;

describe('buildInitialState', () => {
  it('fills every field: the inputs, then defaults, then null', () => {
    const state = buildInitialState(WORKFLOW, { customer: 'Ada', quantity: 3 });
    expect(state).toEqual({
      customer: 'Ada',
      quantity: 3,
      tags: ['a', 'b'],
      options: { x: 1 },
      note: null,
      answer: '',
    });
  });

  it('gives each run its own copy of a default, so one run cannot change the next', () => {
    const first = buildInitialState(WORKFLOW, { customer: 'a' });
    (first.tags as string[]).push('changed');
    (first.options as Record<string, number>).x = 99;
    const second = buildInitialState(WORKFLOW, { customer: 'b' });
    expect(second.tags).toEqual(['a', 'b']);
    expect(second.options).toEqual({ x: 1 });
  });

  it('reports every problem at once: unknown (with a suggestion), missing and mistyped', () => {
    const error = refusal({ custmer: 'Ada', quantity: 'three', tags: [1] });
    expect(error.code).toBe('E_INVALID_INPUT');
    const issues = issuesOf(error);
    expect(issues.map((i) => i.path).sort()).toEqual(['custmer', 'customer', 'quantity', 'tags[0]']);
    expect(issues.find((i) => i.path === 'custmer')?.message).toMatch(/did you mean 'customer'\?/);
    // The description says what the field is for.
    expect(issues.find((i) => i.path === 'customer')?.message).toBe(
      "'customer' is required (str): Who is asking",
    );
    // One message lists them all, for a reader who sees only the message.
    for (const issue of issues) expect(error.message).toContain(issue.message);
  });

  it('takes null for an optional field and refuses it for a required one', () => {
    expect(buildInitialState(WORKFLOW, { customer: 'Ada', note: null }).note).toBeNull();
    expect(issuesOf(refusal({ customer: null })).map((i) => i.path)).toEqual(['customer']);
  });

  it('refuses integers JSON cannot carry exactly (1e308, 2^63) and fractions for int', () => {
    for (const quantity of [1e308, 2 ** 63, Number.MAX_SAFE_INTEGER + 1, 1.5]) {
      expect(
        issuesOf(refusal({ customer: 'Ada', quantity })).map((i) => i.path),
        String(quantity),
      ).toEqual(['quantity']);
    }
    expect(buildInitialState(WORKFLOW, { customer: 'Ada', quantity: Number.MAX_SAFE_INTEGER }).quantity).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('treats __proto__ and constructor as the unknown keys they are', () => {
    const inputs = JSON.parse('{"customer": "Ada", "__proto__": {"polluted": true}, "constructor": 1}');
    expect(
      issuesOf(refusal(inputs))
        .map((i) => i.path)
        .sort(),
    ).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('coerceCliInputs', () => {
  it('turns -i text into the field type where lossless, and keeps unknown keys for the strict check', () => {
    const { inputs, issues } = coerceCliInputs(WORKFLOW, {
      customer: 'Ada',
      quantity: '4',
      tags: '["x","y"]',
      options: '{"k": 2}',
      mystery: '1',
    });
    expect(issues).toEqual([]);
    expect(inputs).toEqual({
      customer: 'Ada',
      quantity: 4,
      tags: ['x', 'y'],
      options: { k: 2 },
      mystery: '1',
    });
    expect(issuesOf(refusal(inputs)).map((i) => i.path)).toEqual(['mystery']);
  });

  it('says which -i value cannot become its field type', () => {
    const { issues } = coerceCliInputs(WORKFLOW, { customer: 'Ada', quantity: '2.5' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'quantity', expected: 'int', received: '"2.5"' });
    expect(issues[0]!.message).toMatch(/^'quantity': /);
  });
});

describe('publicOutputs', () => {
  it('shows state fields only, missing ones as null', () => {
    const state = { customer: 'Ada', answer: 'hi', _loop_iteration_reply: 2, _parallel_item: 'x' };
    expect(publicOutputs(WORKFLOW, state)).toEqual({
      customer: 'Ada',
      quantity: null,
      tags: null,
      options: null,
      note: null,
      answer: 'hi',
    });
  });
});
