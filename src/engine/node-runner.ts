/**
 * One execution of an LLM node: render inputs and prompt, ask the model for the node's
 * answer (with its tools), check the answer against the state types and, when it does not
 * fit, ask again with the problems fed back — up to `max_retries` — then fail naming the
 * node, the field, what was expected and what came back.
 */
import type { ModelMessage } from 'ai';
import type { NodeDef } from '../config/types.js';
import { AgentcrateError, toAgentcrateError } from '../errors.js';
import type { ModelResponse, ResolvedLlm, Usage } from '../models/types.js';
import { runCodeNode } from './code-node.js';
import { loadMemory, withMemory } from './memory.js';
import { checkNodeOutput } from './output-schema.js';
import { renderTemplate, scopeLookup } from './template-render.js';
import { type AdaptedTools, adaptTools } from './tool-adapter.js';
import type { EngineDeps, EngineEvent, MemoryChange, Plan } from './types.js';

export interface NodeRunContext {
  plan: Plan;
  deps: EngineDeps;
  runId: string;
  node: NodeDef;
  /** State plus loop counters and, in parallel runs, `_parallel_item`/`_parallel_index`. */
  scope: Record<string, unknown>;
  parallelIndex?: number;
  signal: AbortSignal;
  now: () => number;
  emit: (event: EngineEvent) => void;
  /** Told the tokens of every model call as it returns, failed attempts included. */
  addUsage: (usage: Usage) => void;
  /** Takes a succeeded node's memory writes, kept with the next checkpoint (engine/memory.ts). */
  stageMemory: (changes: readonly MemoryChange[]) => void;
  /** The host asked for prompt capture on every node. */
  logPrompts?: boolean;
}

type ModelCallEvent = Extract<EngineEvent, { type: 'model-call' }>;

export interface NodeRunResult {
  writes: Record<string, unknown>;
}

/** A node without tools: nothing to adapt, nothing that can fail fatally. */
const NO_TOOLS: AdaptedTools = Object.freeze({ tools: Object.freeze({}), fatal: () => undefined });

/** Each node's system prompt, made once (it depends on the node and the workflow's name only). */
const systemPrompts = new WeakMap<NodeDef, { flow: string; text: string }>();
function systemPrompt(node: NodeDef, flow: string): string {
  const known = systemPrompts.get(node);
  if (known?.flow === flow) return known.text;
  const text = [
    `You are the step '${node.id}' of the workflow '${flow}'.`,
    node.description ? `Your task: ${node.description}` : '',
    'Answer with a JSON object that matches the given schema exactly: no prose, no code fences.',
  ]
    .filter(Boolean)
    .join('\n');
  systemPrompts.set(node, { flow, text });
  return text;
}

export async function runNode(ctx: NodeRunContext): Promise<NodeRunResult> {
  const { node, plan, deps } = ctx;
  if (node.code !== undefined) return runCodeNode(ctx);
  const workflow = plan.workflow;

  const memory = node.memory?.enabled === true ? await loadMemory(ctx) : undefined;
  const localInputs: Record<string, unknown> = {};
  if (node.inputs.length > 0) {
    const stateLookup = withMemory(scopeLookup({}, ctx.scope), memory);
    for (const input of node.inputs) localInputs[input.name] = renderTemplate(input.template, stateLookup);
  }
  const prompt = renderTemplate(node.prompt, withMemory(scopeLookup(localInputs, ctx.scope), memory));

  const llm = deps.models.resolve(workflow.config.llm, node.llm);
  const logPrompts = ctx.logPrompts === true || node.logPrompts || workflow.config.observability.logPrompts;
  const adapted: AdaptedTools =
    node.tools.length === 0
      ? NO_TOOLS
      : adaptTools({
          node,
          registry: deps.tools,
          baseContext: {
            runId: ctx.runId,
            cwd: deps.cwd,
            // Resolving real paths touches the disk: only nodes with tools need it.
            allowedPaths:
              node.tools.length > 0 ? deps.tools.allowedPaths(node.toolConfig, deps.cwd, deps.env) : [],
            env: deps.env,
            network: deps.network ?? {},
          },
          signal: ctx.signal,
          now: ctx.now,
          onCall: (call) =>
            ctx.emit({
              type: 'tool-call',
              runId: ctx.runId,
              at: ctx.now(),
              nodeId: node.id,
              ...call,
              ...(ctx.parallelIndex === undefined ? {} : { parallelIndex: ctx.parallelIndex }),
            }),
        });

  const system = systemPrompt(node, workflow.flow.name);
  const messages: ModelMessage[] = [{ role: 'user', content: prompt }];
  const attempts = workflow.config.execution.maxRetries + 1;
  // The token limit of the calls: raised once when an answer is cut off by it (see cutOff).
  let callLlm = llm;
  let firstCut: FirstCut | undefined;

  for (let attempt = 1; ; attempt++) {
    let response: ModelResponse;
    const started = ctx.now();
    try {
      response = await deps.models.generate({
        nodeId: node.id,
        llm: callLlm,
        system,
        messages,
        outputSchema: plan.outputSchemas.get(node.id)!,
        tools: adapted.tools,
        maxToolSteps: workflow.config.execution.maxToolSteps,
        maxRetries: workflow.config.execution.maxRetries,
        signal: ctx.signal,
      });
    } catch (error) {
      const fatal = adapted.fatal();
      const err = fatal ?? toAgentcrateError(error, 'E_MODEL');
      ctx.emit({
        type: 'model-call',
        runId: ctx.runId,
        at: ctx.now(),
        nodeId: node.id,
        provider: llm.provider,
        model: llm.model,
        attempt,
        transportAttempts: Number(err.details?.attempts ?? 1),
        inputTokens: 0,
        outputTokens: 0,
        latencyMs: ctx.now() - started,
        finishReason: 'error',
        ok: false,
        error: err.message,
        ...(ctx.parallelIndex === undefined ? {} : { parallelIndex: ctx.parallelIndex }),
        ...(logPrompts ? { prompt } : {}),
      });
      if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
      throw (
        fatal ??
        new AgentcrateError(err.code, `node '${node.id}': ${err.message}`, {
          cause: err,
          details: { ...err.details, node: node.id },
        })
      );
    }
    ctx.addUsage(response.usage);
    // An answer the token limit cut off: asking again unchanged gets the same cut.
    const cutOff = response.finishReason === 'length' && response.output === undefined;

    const problems =
      response.output === undefined
        ? [
            {
              path: '(answer)',
              expected: 'JSON matching the schema',
              received: truncate(response.text),
              message: cutOff
                ? `the answer was cut off by the token limit (${limitText(callLlm, response)})`
                : (response.parseError ?? 'the answer is not valid JSON'),
            },
          ]
        : checkNodeOutput(node, plan.fields, response.output);

    // The optional fields set after the literal, in the order the event always had them: a
    // spread of a conditional object per field costs a call and an object each.
    const call: ModelCallEvent = {
      type: 'model-call',
      runId: ctx.runId,
      at: ctx.now(),
      nodeId: node.id,
      provider: response.provider,
      model: response.model,
      attempt,
      transportAttempts: response.attempts,
      inputTokens: response.usage.inputTokens,
      outputTokens: response.usage.outputTokens,
      latencyMs: response.latencyMs,
      finishReason: response.finishReason,
      ok: problems.length === 0,
    };
    if (problems.length > 0) call.error = problems.map((p) => p.message).join('; ');
    if (ctx.parallelIndex !== undefined) call.parallelIndex = ctx.parallelIndex;
    if (logPrompts) {
      call.prompt = prompt;
      call.response = response.text;
    }
    ctx.emit(call);

    if (problems.length === 0) {
      const answer = response.output as Record<string, unknown>;
      const writes: Record<string, unknown> = {};
      for (const name of node.outputs) writes[name] = answer[name];
      return { writes };
    }
    if (cutOff) {
      if (firstCut !== undefined || attempt >= attempts)
        throw cutOffError(node.id, callLlm, response, firstCut);
      firstCut = { maxTokens: llm.maxTokens, outputTokens: response.usage.outputTokens };
      callLlm = { ...llm, maxTokens: raisedLimit(llm, response) };
      continue;
    }
    if (attempt >= attempts) {
      const first = problems[0]!;
      throw new AgentcrateError(
        'E_MODEL_OUTPUT',
        `node '${node.id}': the model's answer does not fit the state types after ${attempts} attempt${attempts === 1 ? '' : 's'}: field '${first.path}' expected ${first.expected}, received ${first.received}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''}`,
        { details: { node: node.id, problems } },
      );
    }
    // Feed the problems back so the model can correct itself on the next attempt.
    messages.push({ role: 'assistant', content: response.text || JSON.stringify(response.output ?? null) });
    messages.push({
      role: 'user',
      content: `Your answer does not match the required schema:\n${problems.map((p) => `- ${p.path}: ${p.message} (expected ${p.expected}, received ${p.received})`).join('\n')}\nAnswer again with only the corrected JSON object.`,
    });
  }
}

/** Twice the limit that cut the answer (the one set, else what the server stopped at). */
function raisedLimit(llm: ResolvedLlm, response: ModelResponse): number {
  const limit = llm.maxTokens ?? response.usage.outputTokens;
  return limit > 0 ? limit * 2 : 4096;
}

function limitText(llm: ResolvedLlm, response: ModelResponse): string {
  return llm.maxTokens !== undefined
    ? `max_tokens ${llm.maxTokens}`
    : `no max_tokens set: the provider's or server's own limit, reached at ${response.usage.outputTokens} output tokens`;
}

/** Where the limit stood when an answer was first cut off, for the error if it happens again. */
interface FirstCut {
  maxTokens: number | undefined;
  outputTokens: number;
}

function cutOffError(
  nodeId: string,
  llm: ResolvedLlm,
  response: ModelResponse,
  firstCut: FirstCut | undefined,
): AgentcrateError {
  const stopped = `the answer stopped at ${response.usage.outputTokens} output tokens`;
  const how =
    firstCut === undefined
      ? `(${limitText(llm, response)}) with no attempt left to raise it`
      : `again after max_tokens was raised from ${firstCut.maxTokens ?? `none (cut at ${firstCut.outputTokens} tokens)`} to ${llm.maxTokens}; ${stopped}`;
  const serverLimit = llm.maxTokens === undefined || firstCut?.maxTokens === undefined;
  return new AgentcrateError(
    'E_MODEL_OUTPUT',
    `node '${nodeId}': the model's answer was cut off by the token limit (finish_reason "length") ${how}. Raise llm.max_tokens for this node${serverLimit ? " (and the server's own limit, e.g. llama.cpp --n-predict)" : ''} or ask for a shorter answer`,
    {
      details: {
        node: nodeId,
        finishReason: 'length',
        maxTokens: llm.maxTokens ?? null,
        outputTokens: response.usage.outputTokens,
        ...(firstCut ? { raisedFrom: firstCut.maxTokens ?? null } : {}),
      },
    },
  );
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
