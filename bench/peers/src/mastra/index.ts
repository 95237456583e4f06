// The benchmark workflows as Mastra workflows: the same prompts as bench/workflows/*.yaml, one
// model call per step through an Agent on the AI SDK openai-compatible provider, pointed at the
// loopback mock (MOCK_URL, read when the server starts). Built by `mastra build` (bench/run.mjs).
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { Mastra } from '@mastra/core';
import { Agent } from '@mastra/core/agent';
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { LibSQLStore } from '@mastra/libsql';
import { z } from 'zod';

const provider = createOpenAICompatible({
  name: 'mock',
  baseURL: process.env.MOCK_URL ?? 'http://127.0.0.1:9/v1',
  apiKey: 'bench-not-a-secret',
  includeUsage: true,
});

const writer = new Agent({
  id: 'writer',
  name: 'writer',
  instructions: 'You write short sentences.',
  model: provider.chatModel('mock-model'),
});

const ask = async (prompt: string): Promise<string> => (await writer.generate(prompt)).text;

const answer = createStep({
  id: 'answer',
  inputSchema: z.object({ topic: z.string() }),
  outputSchema: z.object({ topic: z.string(), a: z.string() }),
  execute: async ({ inputData }) => ({
    topic: inputData.topic,
    a: await ask(`Write one sentence about ${inputData.topic}.`),
  }),
});

const second = createStep({
  id: 'second',
  inputSchema: z.object({ topic: z.string(), a: z.string() }),
  outputSchema: z.object({ topic: z.string(), a: z.string(), b: z.string() }),
  execute: async ({ inputData }) => ({ ...inputData, b: await ask(`Improve this sentence: ${inputData.a}`) }),
});

const third = createStep({
  id: 'third',
  inputSchema: z.object({ topic: z.string(), a: z.string(), b: z.string() }),
  outputSchema: z.object({ topic: z.string(), a: z.string(), b: z.string(), c: z.string() }),
  execute: async ({ inputData }) => ({ ...inputData, c: await ask(`Shorten this sentence: ${inputData.b}`) }),
});

const one = createWorkflow({
  id: 'one',
  inputSchema: z.object({ topic: z.string() }),
  outputSchema: z.object({ topic: z.string(), a: z.string() }),
})
  .then(answer)
  .commit();

const three = createWorkflow({
  id: 'three',
  inputSchema: z.object({ topic: z.string() }),
  outputSchema: z.object({ topic: z.string(), a: z.string(), b: z.string(), c: z.string() }),
})
  .then(answer)
  .then(second)
  .then(third)
  .commit();

// agentcrate persists every job to SQLite; the comparable Mastra setup is its documented
// persistent adapter (a libsql file). MASTRA_DB=memory keeps Mastra's in-memory default.
const db = process.env.MASTRA_DB ?? 'file:./mastra-bench.db';

export const mastra = new Mastra({
  agents: { writer },
  workflows: { one, three },
  ...(db === 'memory' ? {} : { storage: new LibSQLStore({ id: 'bench', url: db }) }),
  server: { host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 4111) },
});
