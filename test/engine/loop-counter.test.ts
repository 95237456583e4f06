import { describe, expect, it } from 'vitest';
import { compile, execute } from '../../src/engine/index.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { scriptedModel } from '../support/scripted-model.js';
import { workflowFrom } from '../support/workflows.js';

describe('loop counters in templates', () => {
  it('{state._loop_iteration_<node>} validates and renders like {_loop_iteration_<node>}', async () => {
    // The spelling of configurable-agents' own loop example.
    const wf = workflowFrom(`schema_version: "1.0"
flow: {name: loop}
state:
  fields:
    draft: {type: str, default: ""}
    done: {type: bool, default: false}
nodes:
  - id: review
    prompt: "Round {state._loop_iteration_review} (bare: {_loop_iteration_review}) of {state.draft}"
    outputs: [draft, done]
    output_schema:
      type: object
      fields: [{name: draft, type: str}, {name: done, type: bool}]
edges:
  - {from: START, to: review}
  - from: review
    loop: {condition_field: done, max_iterations: 3, exit_to: END}
`);
    const model = scriptedModel((_node, _request, i) => ({ draft: `d${i + 1}`, done: i === 2 }));
    const result = await execute(
      compile(wf),
      {},
      {
        models: model,
        tools: createToolRegistry(),
        env: {},
        cwd: process.cwd(),
      },
    );
    expect(result.status).toBe('success');
    expect(model.calls.map((c) => c.request.messages[0]!.content)).toEqual([
      'Round 0 (bare: 0) of ',
      'Round 1 (bare: 1) of d1',
      'Round 2 (bare: 2) of d2',
    ]);
  });
});
