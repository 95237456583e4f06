/**
 * One execution of a code node: its inputs as typed values, its memory scope, the code run in
 * the injected sandbox, the run's trace given the stdout, stderr, duration and limits, and the
 * `result` checked against the state types of the node's outputs (one output: the result is
 * its value; several: the result is a dict with one key per output). Memory changes are
 * stored only when all of that succeeded.
 */
import { AgentcrateError } from '../errors.js';
import { applyMemory, loadMemory, withMemory } from './memory.js';
import type { NodeRunContext, NodeRunResult } from './node-runner.js';
import { checkNodeOutput } from './output-schema.js';
import { renderTemplate, scopeLookup, type TemplateLookup } from './template-render.js';

export async function runCodeNode(ctx: NodeRunContext): Promise<NodeRunResult> {
  const { node, deps } = ctx;
  const code = node.code!;
  if (deps.sandbox === undefined) {
    throw new AgentcrateError(
      'E_SANDBOX_UNAVAILABLE',
      `node '${node.id}' runs code, but this host has no code sandbox`,
      { details: { node: node.id } },
    );
  }
  const memory = node.memory?.enabled === true ? await loadMemory(ctx) : undefined;
  const lookup = withMemory(scopeLookup({}, ctx.scope), memory);
  const inputs: Record<string, unknown> = {};
  for (const input of node.inputs) inputs[input.name] = typedInput(input.template, lookup);

  const outcome = await deps.sandbox.run({
    nodeId: node.id,
    code: code.source,
    inputs,
    memory: { enabled: memory !== undefined, values: memory ?? {} },
    settings: code.sandbox,
    signal: ctx.signal,
  });
  ctx.emit({
    type: 'code-call',
    runId: ctx.runId,
    at: ctx.now(),
    nodeId: node.id,
    mode: outcome.mode,
    ok: outcome.ok,
    durationMs: outcome.durationMs,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    limits: {
      timeoutMs: outcome.limits.timeoutMs,
      memoryBytes: outcome.limits.memoryBytes,
      cpus: outcome.limits.cpus,
    },
    ...(outcome.failure ? { error: outcome.failure } : {}),
    ...(ctx.parallelIndex === undefined ? {} : { parallelIndex: ctx.parallelIndex }),
  });

  if (!outcome.ok) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const f = outcome.failure!;
    const where = f.line === undefined ? '' : ` (line ${f.line} of its code)`;
    throw new AgentcrateError(f.code, `node '${node.id}': ${f.message}${where}`, {
      details: {
        node: node.id,
        ...(f.type ? { type: f.type } : {}),
        ...(f.line === undefined ? {} : { line: f.line }),
        ...(f.traceback ? { traceback: f.traceback } : {}),
      },
    });
  }

  const answer = node.outputs.length === 1 ? { [node.outputs[0]!]: outcome.result } : outcome.result;
  const problems = checkNodeOutput(node, ctx.plan.fields, answer);
  if (problems.length > 0) {
    const first = problems[0]!;
    const shape =
      node.outputs.length === 1
        ? `result must be a ${first.expected} for '${node.outputs[0]}'`
        : `result must be a dict with ${node.outputs.map((o) => `'${o}'`).join(', ')}`;
    throw new AgentcrateError(
      'E_CODE_OUTPUT',
      `node '${node.id}': the code's result does not fit the state types: field '${first.path}' expected ${first.expected}, received ${first.received}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}; ${shape}`,
      { details: { node: node.id, problems } },
    );
  }
  const record = answer as Record<string, unknown>;
  const writes: Record<string, unknown> = {};
  for (const name of node.outputs) writes[name] = record[name];
  applyMemory(ctx, outcome.memory);
  return { writes };
}

/**
 * An input that is exactly one placeholder (`{numbers}`, `{state.profile.name}`) passes its
 * value as it is (a list stays a list); any other template renders to text.
 */
function typedInput(template: Parameters<typeof renderTemplate>[0], lookup: TemplateLookup): unknown {
  const [only, ...rest] = template.parts;
  if (only?.kind === 'ref' && rest.length === 0) {
    const found = lookup(only.path);
    if (found.found) return found.value;
  }
  return renderTemplate(template, lookup);
}
