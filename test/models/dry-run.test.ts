import { tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { fromJSONSchema, z } from 'zod';
import { createModelClient } from '../../src/models/client.js';
import { placeholderFor } from '../../src/models/schema-sample.js';

const nested = {
  type: 'object',
  properties: {
    title: { type: 'string' },
    count: { type: 'integer', minimum: 3 },
    ratio: { type: 'number' },
    ok: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    level: { type: 'string', enum: ['low', 'high'] },
    maybe: { anyOf: [{ type: 'null' }, { type: 'string' }] },
    scores: { type: 'object', additionalProperties: { type: 'number' } },
    sections: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          heading: { type: 'string' },
          points: { type: 'array', items: { $ref: '#/$defs/point' } },
        },
        required: ['heading', 'points'],
        additionalProperties: false,
      },
    },
  },
  required: ['title', 'count', 'ratio', 'ok', 'tags', 'level', 'maybe', 'scores', 'sections'],
  additionalProperties: false,
  $defs: {
    point: {
      type: 'object',
      properties: { text: { type: 'string' }, weight: { type: 'integer' } },
      required: ['text', 'weight'],
      additionalProperties: false,
    },
  },
} as const;

describe('dry run', () => {
  it('a tuple (prefixItems) gets each position its own type; a label names where strings came from', () => {
    const pair = {
      type: 'object',
      properties: {
        pair: {
          type: 'array',
          prefixItems: [
            { type: 'integer', minimum: 4 },
            { type: 'string', format: 'email' },
          ],
          minItems: 2,
          maxItems: 2,
        },
        name: { type: 'string' },
      },
    };
    expect(placeholderFor(pair)).toEqual({ pair: [4, 'dry-run@example.com'], name: '[dry-run] name' });
    expect(placeholderFor(pair, 'value', 'mock')).toEqual({
      pair: [4, 'mock@example.com'],
      name: 'mock name',
    });
  });

  it('placeholders validate against a nested schema', () => {
    const value = placeholderFor(nested) as Record<string, unknown>;
    const validator = fromJSONSchema(nested as unknown as Parameters<typeof fromJSONSchema>[0]);
    expect(validator.safeParse(value).success).toBe(true);
    // the validator really checks: a wrong nested value fails
    expect(
      validator.safeParse({ ...value, sections: [{ heading: 'h', points: [{ text: 1 }] }] }).success,
    ).toBe(false);
    expect(value.title).toBe('[dry-run] title');
    expect(value.count).toBe(3);
    expect(value.ratio).toBe(0.5);
    expect(value.tags).toEqual(['[dry-run] tags 1', '[dry-run] tags 2']);
    expect(value.level).toBe('low');
    expect(value.scores).toEqual({ key: 0.5 });
    expect((value.sections as unknown[]).length).toBe(2);
  });

  it('answers through generateText without network, tools or credentials', async () => {
    let fetched = 0;
    let toolRuns = 0;
    const models = createModelClient({
      env: {},
      dryRun: true,
      fetch: (async () => {
        fetched++;
        throw new Error('no network in dry run');
      }) as typeof fetch,
    });
    expect(models.dryRun).toBe(true);
    const llm = models.resolve({ provider: 'openai' }, {});
    const res = await models.generate({
      nodeId: 'n',
      llm,
      system: 'sys',
      messages: [{ role: 'user', content: 'go' }],
      outputSchema: nested as unknown as Record<string, unknown>,
      tools: {
        search: tool({
          inputSchema: z.object({ q: z.string() }),
          execute: async () => {
            toolRuns++;
            return 'x';
          },
        }),
      },
      maxToolSteps: 5,
      maxRetries: 3,
      signal: new AbortController().signal,
    });
    expect(fetched).toBe(0);
    expect(toolRuns).toBe(0);
    expect(res.provider).toBe('dry-run');
    expect(res.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(res.attempts).toBe(1);
    expect(res.parseError).toBeUndefined();
    expect(res.output).toEqual(placeholderFor(nested));
  });
});
