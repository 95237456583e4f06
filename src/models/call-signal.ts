/**
 * How a model call's abort reaches the request in flight without an event listener per call.
 *
 * Every provider call gets a signal of its own (transport-policy.ts: the caller's abort and
 * the call's timeout both end it), which the provider hands to the transport, which must drop
 * the connection when it aborts. Through `addEventListener` that is a listener added and
 * removed on every call (Node's EventTarget makes both costly); here the policy that made the
 * signal keeps one slot for it, which the transport fills for the duration of the request and
 * the policy calls when it aborts the signal. A signal the policy did not make (a caller's own,
 * a test's) is followed through its events as before.
 */

export interface CallAbort {
  /** Set by whoever reads the call's answer while the request is in flight. */
  onAbort: ((reason: unknown) => void) | undefined;
}

const calls = new WeakMap<AbortSignal, CallAbort>();

/** A signal for one call, and the function that aborts it (the slot's taker told too). */
export function callSignal(): { signal: AbortSignal; abort: (reason: unknown) => void } {
  const controller = new AbortController();
  const slot: CallAbort = { onAbort: undefined };
  calls.set(controller.signal, slot);
  return {
    signal: controller.signal,
    abort: (reason) => {
      if (controller.signal.aborted) return;
      controller.abort(reason);
      const onAbort = slot.onAbort;
      slot.onAbort = undefined;
      onAbort?.(reason);
    },
  };
}

/**
 * Follows `signal`'s abort with `onAbort` until the returned function is called: through the
 * slot of a call signal, else through an event listener. The signal must not have aborted yet.
 */
export function followAbort(signal: AbortSignal, onAbort: (reason: unknown) => void): () => void {
  const slot = calls.get(signal);
  // One request at a time takes the slot; another one at the same moment listens as usual.
  if (slot !== undefined && slot.onAbort === undefined) {
    slot.onAbort = onAbort;
    return () => {
      if (slot.onAbort === onAbort) slot.onAbort = undefined;
    };
  }
  const listener = (): void => onAbort(signal.reason);
  signal.addEventListener('abort', listener);
  return () => signal.removeEventListener('abort', listener);
}
