import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateCosts } from '../../src/telemetry/costs.js';
import {
  DEFAULT_PRICES,
  estimateCost,
  findPrice,
  loadPriceTable,
  PRICES_AS_OF,
} from '../../src/telemetry/prices.js';

describe('cost maths', () => {
  it('prices per million input and output tokens', () => {
    // gemini-2.5-flash: $0.30 in, $2.50 out per 1M
    expect(
      estimateCost('google', 'gemini-2.5-flash', { inputTokens: 1_000_000, outputTokens: 0 }),
    ).toBeCloseTo(0.3, 10);
    expect(estimateCost('google', 'gemini-2.5-flash', { inputTokens: 2000, outputTokens: 1000 })).toBeCloseTo(
      0.0006 + 0.0025,
      10,
    );
    // claude-sonnet-4-5: $3 in, $15 out
    expect(
      estimateCost('anthropic', 'claude-sonnet-4-5-20250929', { inputTokens: 1234, outputTokens: 567 }),
    ).toBeCloseTo((1234 * 3 + 567 * 15) / 1e6, 10);
    expect(estimateCost('openai', 'gpt-4o', { inputTokens: 0, outputTokens: 0 })).toBe(0);
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('normalises provider prefixes, date stamps and Bedrock ids', () => {
    expect(findPrice('openai', 'gpt-4o-2024-08-06')).toEqual(DEFAULT_PRICES['gpt-4o']);
    expect(findPrice('openai', 'openai/gpt-4.1-mini')).toEqual(DEFAULT_PRICES['gpt-4.1-mini']);
    expect(findPrice('google', 'gemini/gemini-2.5-pro')).toEqual(DEFAULT_PRICES['gemini-2.5-pro']);
    expect(findPrice('google', 'models/gemini-2.5-flash-lite')).toEqual(
      DEFAULT_PRICES['gemini-2.5-flash-lite'],
    );
    expect(findPrice('bedrock', 'us.anthropic.claude-3-5-haiku-20241022-v1:0')).toEqual(
      DEFAULT_PRICES['claude-3-5-haiku'],
    );
    expect(findPrice('anthropic', 'claude-haiku-4.5')).toEqual(DEFAULT_PRICES['claude-haiku-4-5']);
    expect(findPrice('openai', 'o4-mini')).toEqual({ input: 1.1, output: 4.4 });
    // A local model is a known zero; gpt-4o-mini is not gpt-4o.
    expect(estimateCost('ollama', 'llama3.2', { inputTokens: 500, outputTokens: 500 })).toBe(0);
    expect(findPrice('openai', 'gpt-4o-mini')).not.toEqual(findPrice('openai', 'gpt-4o'));
  });

  it('keeps one answer per provider and model, also past the bound of its memory', () => {
    const table = {
      'a/m': { input: 1, output: 1 },
      'b/m': { input: 2, output: 2 },
      m2: { input: 3, output: 3 },
    };
    for (let round = 0; round < 2; round++) {
      expect(findPrice('a', 'm', table)).toEqual({ input: 1, output: 1 });
      expect(findPrice('b', 'm', table)).toEqual({ input: 2, output: 2 });
      expect(findPrice('c', 'm', table)).toBeUndefined();
      expect(findPrice('a', 'm2', table)).toEqual({ input: 3, output: 3 });
    }
    // More names than it keeps (a gateway reporting many): still right after it starts over.
    for (let i = 0; i < 1500; i++) expect(findPrice('a', `other-${i}`, table)).toBeUndefined();
    expect(findPrice('b', 'm', table)).toEqual({ input: 2, output: 2 });
    expect(findPrice('a', 'm', table)).toEqual({ input: 1, output: 1 });
    // Another table's prices for the same names are its own.
    expect(findPrice('a', 'm', { m: { input: 9, output: 9 } })).toEqual({ input: 9, output: 9 });
  });

  it('unknown models cost "unknown", never a made-up zero', () => {
    expect(estimateCost('openai', 'gpt-9-ultra', { inputTokens: 100, outputTokens: 100 })).toBeUndefined();
    expect(
      estimateCost('openai-compatible', 'meta-llama/Llama-3-70b', { inputTokens: 1, outputTokens: 1 }),
    ).toBeUndefined();
    const report = aggregateCosts(
      new Map([
        [
          't',
          [
            {
              traceId: 't',
              spanId: 'a',
              name: 'run w',
              startMs: 10,
              endMs: 20,
              status: 'ok' as const,
              attributes: { 'agentcrate.span.kind': 'run', 'agentcrate.workflow': 'w' },
            },
            {
              traceId: 't',
              spanId: 'b',
              parentSpanId: 'a',
              name: 'chat x',
              startMs: 11,
              endMs: 12,
              status: 'ok' as const,
              attributes: {
                'agentcrate.span.kind': 'model',
                'gen_ai.request.model': 'x',
                'gen_ai.usage.input_tokens': 5,
                'agentcrate.cost.unknown': true,
              },
            },
            {
              traceId: 't',
              spanId: 'c',
              parentSpanId: 'a',
              name: 'chat y',
              startMs: 12,
              endMs: 13,
              status: 'ok' as const,
              attributes: {
                'agentcrate.span.kind': 'model',
                'gen_ai.request.model': 'y',
                'gen_ai.usage.input_tokens': 5,
                'agentcrate.cost.usd': 0.25,
              },
            },
          ],
        ],
      ]),
      'workflow',
      0,
    );
    expect(report.rows).toEqual([
      { key: 'w', calls: 2, inputTokens: 10, outputTokens: 0, costUsd: 0.25, unpricedCalls: 1 },
    ]);
  });

  it('loads overrides from AGENTCRATE_PRICES and explicit prices, and explains bad ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-prices-'));
    const file = join(dir, 'prices.json');
    writeFileSync(
      file,
      JSON.stringify({
        'openai-compatible/my-model': { input: 1, output: 2 },
        'gpt-4o': { input: 5, output: 20 },
      }),
    );
    const table = loadPriceTable({
      env: { AGENTCRATE_PRICES: file },
      overrides: { 'gpt-4o': { input: 7, output: 21 } },
    });
    expect(
      estimateCost('openai-compatible', 'my-model', { inputTokens: 1e6, outputTokens: 1e6 }, table),
    ).toBe(3);
    expect(findPrice('openai', 'gpt-4o', table)).toEqual({ input: 7, output: 21 });
    expect(findPrice('google', 'gemini-2.5-pro', table)).toEqual(DEFAULT_PRICES['gemini-2.5-pro']);

    writeFileSync(file, JSON.stringify({ 'gpt-4o': { input: 'cheap' } }));
    expect(() => loadPriceTable({ env: { AGENTCRATE_PRICES: file } })).toThrow(
      /price 'gpt-4o' must be \{"input"/,
    );
    writeFileSync(file, '{oops');
    expect(() => loadPriceTable({ env: { AGENTCRATE_PRICES: file } })).toThrow(/not valid JSON/);
    expect(() => loadPriceTable({ env: { AGENTCRATE_PRICES: join(dir, 'missing.json') } })).toThrow(
      /cannot be read/,
    );
  });
});
