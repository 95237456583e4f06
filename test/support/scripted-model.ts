/**
 * An in-process ModelClient for engine tests: answers come from a function of the node and
 * the request, with optional delays; it records every call and the peak concurrency. The
 * engine is the thing under test here; the network path is tested with the mock server.
 */
import type { LlmSettings, Workflow } from '../../src/config/types.js';
import type {
  CredentialProblem,
  ModelClient,
  ModelRequest,
  ModelResponse,
  ResolvedLlm,
} from '../../src/models/types.js';

export interface ScriptedCall {
  nodeId: string;
  request: ModelRequest;
  startedAt: number;
}

export type Answer =
  | unknown
  | { delayMs?: number; output?: unknown; text?: string; toolCalls?: Array<{ name: string; args: unknown }> };

export interface ScriptedModel extends ModelClient {
  calls: ScriptedCall[];
  peakConcurrency: number;
}

export function scriptedModel(
  answer: (nodeId: string, request: ModelRequest, callIndex: number) => Answer | Promise<Answer>,
  opts: { missing?: CredentialProblem[] } = {},
): ScriptedModel {
  let active = 0;
  const model: ScriptedModel = {
    calls: [],
    peakConcurrency: 0,
    dryRun: false,
    resolve(workflowLlm: Workflow['config']['llm'], nodeLlm: LlmSettings): ResolvedLlm {
      return {
        provider: nodeLlm.provider ?? workflowLlm.provider ?? 'scripted',
        model: nodeLlm.model ?? workflowLlm.model ?? 'scripted-1',
      };
    },
    missingCredentials: () => opts.missing ?? [],
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const index = model.calls.length;
      model.calls.push({ nodeId: request.nodeId, request, startedAt: Date.now() });
      active += 1;
      model.peakConcurrency = Math.max(model.peakConcurrency, active);
      const started = Date.now();
      try {
        const raw = await answer(request.nodeId, request, index);
        const spec = (
          raw &&
          typeof raw === 'object' &&
          ('output' in raw || 'delayMs' in raw || 'toolCalls' in raw || 'text' in raw)
            ? raw
            : { output: raw }
        ) as {
          delayMs?: number;
          output?: unknown;
          text?: string;
          toolCalls?: Array<{ name: string; args: unknown }>;
        };
        for (const call of spec.toolCalls ?? []) {
          const t = request.tools[call.name];
          if (!t?.execute) throw new Error(`no tool ${call.name}`);
          await t.execute(call.args, {
            toolCallId: `call-${index}`,
            messages: [],
            abortSignal: request.signal,
          });
        }
        if (spec.delayMs) await sleep(spec.delayMs, request.signal);
        return {
          output: spec.output,
          text: spec.text ?? JSON.stringify(spec.output ?? null),
          ...(spec.output === undefined ? { parseError: 'the answer is not valid JSON' } : {}),
          usage: { inputTokens: 10, outputTokens: 5 },
          finishReason: 'stop',
          latencyMs: Date.now() - started,
          attempts: 1,
          provider: request.llm.provider,
          model: request.llm.model,
        };
      } finally {
        active -= 1;
      }
    },
  };
  return model;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
