/**
 * Turns a node's tools into AI SDK tools. The adapter is where `on_error` lives and where
 * every call becomes a `tool-call` event, so tools stay ignorant of models and events.
 */
import type { Tool } from 'ai';
import type { NodeDef } from '../config/types.js';
import { AgentcrateError, toAgentcrateError } from '../errors.js';
import type { ToolContext, ToolRegistry } from '../tools/types.js';

export interface ToolAdapterContext {
  node: NodeDef;
  registry: ToolRegistry;
  baseContext: Omit<ToolContext, 'config' | 'signal'>;
  signal: AbortSignal;
  now: () => number;
  onCall: (call: {
    tool: string;
    args: unknown;
    ok: boolean;
    latencyMs: number;
    result?: unknown;
    error?: string;
  }) => void;
}

/**
 * A failing tool with `on_error: fail` aborts the node: the error is kept here and rethrown
 * by the node runner, because the AI SDK would otherwise hand it to the model as text.
 */
export interface AdaptedTools {
  tools: Record<string, Tool>;
  fatal: () => AgentcrateError | undefined;
}

export function adaptTools(ctx: ToolAdapterContext): AdaptedTools {
  const tools: Record<string, Tool> = {};
  let fatal: AgentcrateError | undefined;
  for (const nodeTool of ctx.node.tools) {
    const def = ctx.registry.get(nodeTool.canonical);
    if (!def) {
      throw new AgentcrateError(
        'E_TOOL',
        `node '${ctx.node.id}': tool '${nodeTool.name}' is not in the registry`,
      );
    }
    const config = { ...ctx.node.toolConfig, ...nodeTool.config };
    // A plain object: the AI SDK's `tool()` is the identity, and importing it would load the
    // whole SDK at startup (it is loaded on the first model call instead).
    const adapted: Tool = {
      description: def.description,
      inputSchema: def.inputSchema,
      execute: async (args: unknown) => {
        const started = ctx.now();
        try {
          const result = await def.run(args, { ...ctx.baseContext, config, signal: ctx.signal });
          ctx.onCall({ tool: nodeTool.name, args, ok: true, latencyMs: ctx.now() - started, result });
          return result;
        } catch (error) {
          const err = toAgentcrateError(error, 'E_TOOL');
          ctx.onCall({
            tool: nodeTool.name,
            args,
            ok: false,
            latencyMs: ctx.now() - started,
            error: err.message,
          });
          if (nodeTool.onError === 'continue') return { error: err.message };
          fatal ??= new AgentcrateError(
            err.code === 'E_INTERNAL' ? 'E_TOOL' : err.code,
            `node '${ctx.node.id}': tool '${nodeTool.name}' failed: ${err.message}`,
            { cause: err, details: { node: ctx.node.id, tool: nodeTool.name } },
          );
          throw fatal;
        }
      },
    };
    tools[nodeTool.name] = adapted;
  }
  return { tools, fatal: () => fatal };
}
