/**
 * The per-call policy around a provider model (src/models/transport-policy.ts): each call gets
 * a signal that the caller's abort and the call's own timeout both end, and leaves nothing on
 * the caller's signal but one listener for all its calls (one signal serves every call of a run).
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { followAbort } from '../../src/models/call-signal.js';
import type { LanguageModelV3 } from '../../src/models/dry-run-model.js';
import { createDryRunModel } from '../../src/models/dry-run-model.js';
import { ModelCallTimeoutError } from '../../src/models/retry.js';
import { withTransportPolicy } from '../../src/models/transport-policy.js';

type CallOptions = Parameters<LanguageModelV3['doGenerate']>[0];

/** A model whose every call waits for its signal, then rejects with the signal's reason. */
function hangingModel(seen: AbortSignal[]): LanguageModelV3 {
  const base = createDryRunModel('hang');
  return {
    ...base,
    doGenerate: (options: CallOptions) =>
      new Promise((_, reject) => {
        const signal = options.abortSignal!;
        seen.push(signal);
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  };
}

const policy = { maxRetries: 0, sleep: async () => {} };
const call = async (model: LanguageModelV3, signal?: AbortSignal) =>
  await model.doGenerate({
    prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    abortSignal: signal,
  });

describe('withTransportPolicy', () => {
  it("ends a call with the caller's reason when the caller aborts", async () => {
    const seen: AbortSignal[] = [];
    const model = withTransportPolicy(hangingModel(seen), { ...policy, callTimeoutMs: 60_000 });
    const caller = new AbortController();
    const pending = call(model, caller.signal);
    await Promise.resolve();
    const reason = new Error('run cancelled');
    caller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(seen[0]?.aborted).toBe(true);
    expect(seen[0]).not.toBe(caller.signal);
  });

  it('passes on an abort that came before the call', async () => {
    const seen: AbortSignal[] = [];
    const model = withTransportPolicy(hangingModel(seen), { ...policy, callTimeoutMs: 60_000 });
    const reason = new Error('already gone');
    await expect(call(model, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('times a call out with ModelCallTimeoutError, with or without a caller signal', async () => {
    for (const signal of [new AbortController().signal, undefined]) {
      const model = withTransportPolicy(hangingModel([]), { ...policy, callTimeoutMs: 20 });
      const error = await call(model, signal).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelCallTimeoutError);
      expect((error as ModelCallTimeoutError).timeoutMs).toBe(20);
    }
  });

  it("keeps one listener on the caller's signal however many calls it serves, and no call once over", async () => {
    const caller = new AbortController();
    const answering = createDryRunModel('quick');
    const model = withTransportPolicy(answering, { ...policy, callTimeoutMs: 60_000 });
    for (let i = 0; i < 50; i++) await call(model, caller.signal);
    const seen: AbortSignal[] = [];
    const hanging = withTransportPolicy(hangingModel(seen), { ...policy, callTimeoutMs: 5 });
    for (let i = 0; i < 5; i++) await call(hanging, caller.signal).catch(() => undefined);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
    // Two calls in flight end with the caller's reason; the timed-out ones, over, are not told again.
    const waiting = withTransportPolicy(hangingModel(seen), { ...policy, callTimeoutMs: 60_000 });
    const pending = [call(waiting, caller.signal), call(waiting, caller.signal)];
    await Promise.resolve();
    const reason = new Error('run cancelled');
    caller.abort(reason);
    for (const p of pending) await expect(p).rejects.toBe(reason);
    expect(seen.slice(0, 5).map((s) => (s.reason as Error).name)).toEqual(
      Array(5).fill('ModelCallTimeoutError'),
    );
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it("ends the transport's request through the call's signal without a listener on it", async () => {
    const seen: AbortSignal[] = [];
    let told: unknown;
    const model = withTransportPolicy(
      {
        ...createDryRunModel('hang'),
        doGenerate: (options: CallOptions) =>
          new Promise((_, reject) => {
            const signal = options.abortSignal!;
            seen.push(signal);
            followAbort(signal, (reason) => {
              told = reason;
              reject(reason);
            });
          }),
      },
      { ...policy, callTimeoutMs: 60_000 },
    );
    const caller = new AbortController();
    const pending = call(model, caller.signal);
    await Promise.resolve();
    expect(getEventListeners(seen[0]!, 'abort')).toHaveLength(0);
    const reason = new Error('stop');
    caller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(told).toBe(reason);
    expect(seen[0]!.reason).toBe(reason);
  });
});
