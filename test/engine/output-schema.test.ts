/**
 * What a node asks the model for (JSON Schema from the state types, an object at the root as
 * providers' structured-output modes want) and the check of what came back.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/engine/index.js';
import { checkNodeOutput } from '../../src/engine/output-schema.js';
import { workflowFrom } from '../support/workflows.js';

const PLAN = compile(
  workflowFrom(`schema_version: "1.0"
flow: {name: review}
state:
  fields:
    text: {type: str, required: true}
    summary: {type: str, default: "", description: Two sentences at most}
    score: {type: int, default: 0}
    labels: {type: "list[str]", default: []}
nodes:
  - id: summarise
    prompt: "Summarise {state.text}"
    outputs: [summary]
    output_schema: {type: str, description: What the text says}
  - id: grade
    prompt: "Grade {state.summary}"
    outputs: [score, labels]
    output_schema:
      type: object
      fields:
        - {name: score, type: int, description: From 0 to 10}
        - {name: labels, type: "list[str]"}
edges:
  - {from: START, to: summarise}
  - {from: summarise, to: grade}
  - {from: grade, to: END}
`),
);

const node = (id: string) => PLAN.workflow.nodes.find((n) => n.id === id)!;
const check = (id: string, answer: unknown) => checkNodeOutput(node(id), PLAN.fields, answer);

describe('node output schemas', () => {
  it('wraps a single value in an object named after its output, described by the output_schema', () => {
    expect(PLAN.outputSchemas.get('summarise')).toEqual({
      type: 'object',
      properties: { summary: { type: 'string', description: 'What the text says' } },
      required: ['summary'],
      additionalProperties: false,
    });
  });

  it('takes an object schema field by field from the state types, every field required', () => {
    expect(PLAN.outputSchemas.get('grade')).toEqual({
      type: 'object',
      properties: {
        score: { type: 'integer', description: 'From 0 to 10' },
        labels: { type: 'array', items: { type: 'string' } },
      },
      required: ['score', 'labels'],
      additionalProperties: false,
    });
  });
});

describe('checkNodeOutput', () => {
  it('accepts an answer with every output well typed (extra keys are not outputs)', () => {
    expect(check('grade', { score: 7, labels: ['clear'], extra: true })).toEqual([]);
    expect(check('summarise', { summary: 'Short.' })).toEqual([]);
  });

  it('refuses what is not an object, naming the outputs expected', () => {
    for (const answer of ['just text', [1, 2], null, 42]) {
      const issues = check('grade', answer);
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ path: '(answer)' });
      expect(issues[0]!.message).toBe("expected a JSON object with 'score', 'labels'");
    }
  });

  it('lists each missing or mistyped output with its path', () => {
    const issues = check('grade', { score: 7.5, labels: ['ok', 3] });
    expect(issues.map((i) => i.path)).toEqual(['score', 'labels[1]']);
    expect(check('grade', { labels: [] })).toMatchObject([{ path: 'score', received: 'missing' }]);
    expect(check('summarise', { summary: undefined })).toMatchObject([
      { path: 'summary', received: 'missing' },
    ]);
  });

  it('cuts a long answer short in its message', () => {
    const [issue] = check('grade', 'x'.repeat(500));
    expect(issue!.received.length).toBeLessThanOrEqual(80);
    expect(issue!.received.endsWith('...')).toBe(true);
  });
});
