import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, execute } from '../../src/engine/index.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { chainWorkflow } from '../support/chain-workflow.js';
import { scriptedModel } from '../support/scripted-model.js';
import { workflowFrom } from '../support/workflows.js';

/** START → a0 and b0; two chains of `n` nodes that join at `join`, then END. */
function twoBranchesYaml(n: number): string {
  const lines = [
    'schema_version: "1.0"',
    'flow: {name: branches}',
    `config: {execution: {max_steps: ${2 * n + 5}}}`,
    'state:',
    '  fields:',
  ];
  for (const side of ['a', 'b']) for (let i = 0; i < n; i++) lines.push(`    ${side}${i}: str`);
  lines.push('    done: str', 'nodes:');
  for (const side of ['a', 'b']) {
    for (let i = 0; i < n; i++) {
      lines.push(`- {id: ${side}n${i}, prompt: "p", outputs: [${side}${i}], output_schema: {type: str}}`);
    }
  }
  lines.push(
    '- {id: join, prompt: "{a' +
      (n - 1) +
      '} {b' +
      (n - 1) +
      '}", outputs: [done], output_schema: {type: str}}',
  );
  lines.push('edges:', '- {from: START, to: [an0, bn0]}');
  for (const side of ['a', 'b']) {
    for (let i = 0; i + 1 < n; i++) lines.push(`- {from: ${side}n${i}, to: ${side}n${i + 1}}`);
    lines.push(`- {from: ${side}n${n - 1}, to: join}`);
  }
  lines.push('- {from: join, to: END}');
  return `${lines.join('\n')}\n`;
}

describe('compile', () => {
  it('indexes a chain in work linear in its size (no reachable set per node)', () => {
    for (const n of [2000, 8000]) {
      const plan = compile(workflowFrom(chainWorkflow(n)));
      expect(plan.nodes.size).toBe(n);
      expect(plan.outputSchemas.size).toBe(n);
      // n + 1 sources (START and the nodes) and n edges between them.
      expect(plan.reachability.work).toBeLessThanOrEqual(4 * (2 * n + 1));
      expect(plan.reachability.canReach('START', `n${n - 1}`)).toBe(true);
      expect(plan.reachability.canReach(`n${n - 1}`, 'n0')).toBe(false);
    }
  });

  it('runs two long branches into a join with linear reachability work over the whole run', async () => {
    const n = 300;
    const plan = compile(workflowFrom(twoBranchesYaml(n)));
    const built = plan.reachability.work;
    const model = scriptedModel((node, request) =>
      node === 'join' ? { done: request.messages[0]!.content } : { [node.replace('n', '')]: node },
    );
    const result = await execute(
      plan,
      {},
      { models: model, tools: createToolRegistry(), env: {}, cwd: process.cwd() },
    );
    expect(result.status).toBe('success');
    // The join ran once, after both branches, and saw both last answers.
    expect(model.calls.filter((c) => c.nodeId === 'join')).toHaveLength(1);
    expect(model.calls.at(-1)!.nodeId).toBe('join');
    expect(result.outputs.done).toBe(`an${n - 1} bn${n - 1}`);
    // Every question "can this running node still reach the waiting join?" is answered from
    // one cached walk per target: the total stays proportional to the graph, not to steps × nodes.
    const vertices = 2 * n + 2;
    const edges = 2 * n + 2;
    expect(plan.reachability.work - built).toBeLessThanOrEqual(4 * (vertices + edges));
  });

  it('indexes the example: outgoing edges in file order, parallel targets, answer schemas, joins', () => {
    const example = readFileSync(new URL('../../examples/research-brief.yaml', import.meta.url), 'utf8');
    const plan = compile(workflowFrom(example));
    expect([...plan.outgoing].map(([from, edges]) => [from, edges.map((e) => e.kind)])).toEqual([
      ['START', ['direct']],
      ['plan', ['parallel', 'direct']],
      ['research', ['direct']],
      ['outline', ['direct']],
      ['write', ['direct']],
      ['review', ['routes']],
    ]);
    expect([...plan.parallelTargets]).toEqual(['research']);
    // A single output is wrapped in an object (structured output wants one at the root);
    // the type is the state field's, with its description.
    expect(plan.outputSchemas.get('plan')).toEqual({
      type: 'object',
      properties: {
        questions: { type: 'array', items: { type: 'string' }, description: 'Research questions to answer' },
      },
      required: ['questions'],
      additionalProperties: false,
    });
    expect(plan.outputSchemas.get('review')).toMatchObject({ required: ['approved', 'feedback'] });
    // The join: write waits while research or outline can still lead to it; review loops back.
    const r = plan.reachability;
    expect(r.canReach('research', 'write')).toBe(true);
    expect(r.canReach('outline', 'write')).toBe(true);
    expect(r.canReach('research', 'outline')).toBe(false);
    expect(r.canReach('review', 'write')).toBe(true);
    expect(r.canReach('write', 'write')).toBe(true);
    expect(r.canReach('plan', 'plan')).toBe(false);
  });

  it("makes each node's loop counter key, the zero counters and each chain step's route once", () => {
    const example = readFileSync(new URL('../../examples/research-brief.yaml', import.meta.url), 'utf8');
    const plan = compile(workflowFrom(example));
    expect(plan.counterKeys.get('review')).toBe('_loop_iteration_review');
    expect(plan.zeroCounters).toEqual(
      Object.fromEntries(plan.workflow.nodes.map((n) => [`_loop_iteration_${n.id}`, 0])),
    );
    expect(Object.isFrozen(plan.zeroCounters)).toBe(true);
    // One plain edge to one node (or END): decided here. A parallel edge beside a direct one,
    // or routes, depend on the state: decided per run.
    expect([...plan.fixedNext.keys()]).toEqual(['START', 'research', 'outline', 'write']);
    expect(plan.fixedNext.get('START')).toEqual({ targets: ['plan'], batches: [], reachedEnd: false });
    const next = plan.fixedNext.get('outline')!;
    expect(next).toEqual({ targets: ['write'], batches: [], reachedEnd: false });
    // Shared by every run: nothing may change it.
    expect(Object.isFrozen(next) && Object.isFrozen(next.targets) && Object.isFrozen(next.batches)).toBe(
      true,
    );
  });
});
