// A call without tools goes straight to the provider's model and loads the AI SDK (the `ai`
// package, the largest module a run loads) only when it needs its errors: an answer that does
// not parse. Run in a fresh process over the built modules, recording what is resolved.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

it('a direct call that parses does not load the `ai` package; one that does not parse does', () => {
  const script = `
    import { registerHooks } from 'node:module';
    const resolved = new Set();
    registerHooks({ resolve(specifier, context, next) { resolved.add(specifier); return next(specifier, context); } });
    const { createModelClient } = await import('./dist/models/client.js');
    let answer = '{"title": "a", "score": 1}';
    const model = {
      specificationVersion: 'v3', provider: 'test', modelId: 'm', supportedUrls: {},
      doGenerate: async () => ({
        content: [{ type: 'text', text: answer }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: { inputTokens: { total: 3 }, outputTokens: { total: 2 } },
        warnings: [],
      }),
    };
    const client = createModelClient({ env: {}, override: { provider: 'openai-compatible', model: 'm', baseURL: 'http://127.0.0.1:9/v1' }, modelFactory: () => model });
    const request = {
      nodeId: 'n1', llm: client.resolve({}, {}), system: 'terse',
      messages: [{ role: 'user', content: 'Write a title.' }],
      outputSchema: { type: 'object', properties: { title: { type: 'string' }, score: { type: 'integer' } } },
      tools: {}, maxToolSteps: 1, maxRetries: 0, signal: new AbortController().signal,
    };
    const ok = await client.generate(request);
    const aiAfterOk = resolved.has('ai');
    answer = 'not json';
    const bad = await client.generate(request);
    process.stdout.write(JSON.stringify({ ok: ok.output, aiAfterOk, bad: bad.parseError ?? null, aiAfterBad: resolved.has('ai') }));
  `;
  const out = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }),
  );
  expect(out.ok).toEqual({ title: 'a', score: 1 });
  expect(out.aiAfterOk).toBe(false);
  expect(out.bad).toMatch(/pars/i);
  expect(out.aiAfterBad).toBe(true);
});
