// The loopback OpenAI-compatible mock model (test/support/mock-llm.ts) as its own process, so
// its work is not billed to the system under test and every system talks to the same one.
import { join } from 'node:path';
import { NODE, ROOT } from './paths.mjs';
import { firstJsonLine, spawnTracked, stopChild } from './proc.mjs';

export async function startMock(latencyMs, { chunkDelayMs = 0 } = {}) {
  const child = spawnTracked(NODE, [
    join(ROOT, 'test/support/mock-llm.ts'),
    '--port',
    '0',
    '--latency',
    String(latencyMs),
    '--chunk-delay',
    String(chunkDelayMs),
  ]);
  child.stderr.resume();
  const { url } = await firstJsonLine(child);
  const base = url.replace(/\/v1$/, '');
  return {
    url,
    latencyMs,
    child,
    /** Forget recorded requests: the mock keeps every one, which would grow without bound under load. */
    reset: () => fetch(`${base}/__mock/reset`, { method: 'POST' }).then((r) => r.arrayBuffer()),
    /** Chat completions received since the last reset (a restart must not repeat finished steps). */
    requestCount: () =>
      fetch(`${base}/__mock/requests`)
        .then((r) => r.json())
        .then((list) => list.filter((r) => r.method === 'POST' && /chat\/completions/.test(r.path)).length),
    /** Appends scripted steps (test/support/mock-llm.ts MockStep) for the next requests. */
    script: (steps) =>
      fetch(`${base}/__mock/script`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(steps),
      }).then((r) => r.arrayBuffer()),
    close: () => stopChild(child),
  };
}
