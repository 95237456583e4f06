/**
 * Runs a plan through the real model client (AI SDK, OpenAI-compatible wire format) against
 * a server on loopback: the project's mock model or a real llama.cpp server.
 */
import { type EngineEvent, execute, type Plan } from '../../src/engine/index.js';
import { createModelClient } from '../../src/models/index.js';
import { createToolRegistry } from '../../src/tools/index.js';
import type { ToolRegistry } from '../../src/tools/types.js';

export async function runAgainst(
  plan: Plan,
  server: { url: string; model: string; provider?: string },
  inputs: Record<string, unknown> = {},
  tools: ToolRegistry = createToolRegistry(),
) {
  const models = createModelClient({
    env: { OPENAI_API_KEY: 'test' },
    override: { provider: server.provider ?? 'openai', baseURL: server.url, model: server.model },
    sleep: async () => undefined,
  });
  const events: EngineEvent[] = [];
  const result = await execute(
    plan,
    inputs,
    { models, tools, env: {}, cwd: process.cwd() },
    { onEvent: (e) => events.push(e) },
  );
  return { result, events, calls: events.filter((e) => e.type === 'model-call') };
}
