// The events a served run stores for node `i` of a bench workflow (node n<i> writing f<i>), as
// the engine emits them: its start, its model call and its end. For the store benches that
// write a run's events without the server.
export function nodeEvents(runId, i, at) {
  const ev = (type, extra) => ({ type, runId, at, ...extra });
  return [
    ev('node-start', { nodeId: `n${i}`, step: i, iteration: 1 }),
    ev('model-call', {
      nodeId: `n${i}`,
      provider: 'openai-compatible',
      model: 'mock-model',
      attempt: 1,
      transportAttempts: 1,
      inputTokens: 60,
      outputTokens: 4,
      latencyMs: 6,
      finishReason: 'stop',
      ok: true,
      costUnknown: true,
    }),
    ev('node-end', {
      nodeId: `n${i}`,
      step: i,
      iteration: 1,
      ok: true,
      durationMs: 6,
      writes: { [`f${i}`]: `mock ${i}` },
    }),
  ];
}
