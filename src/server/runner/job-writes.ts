/**
 * What a running job writes to the store and how: its events in batches (each checkpoint,
 * and the end, carries the ones emitted since the last), its checkpoints with secrets hidden.
 */
import type { Checkpoint } from '../../engine/index.js';
import { type Redactor, redactValue } from '../../secrets/index.js';
import type { Store } from '../../store/index.js';
import type { ActiveJob } from './active-job.js';

/** Writes the events not yet stored; on failure they stay queued for the next try, in order. */
export async function flushEvents(store: Store, active: ActiveJob): Promise<void> {
  if (active.unflushed.length === 0) return;
  const batch = active.unflushed;
  active.unflushed = [];
  try {
    await store.appendEvents(active.id, batch);
  } catch (error) {
    active.unflushed = batch.concat(active.unflushed);
    throw error;
  }
}

/**
 * Events, then the checkpoint: both issued before either is awaited, so they share one
 * commit (the store groups writes made in the same turn).
 */
export async function saveProgress(
  store: Store,
  active: ActiveJob,
  checkpoint: Checkpoint,
  redact: Redactor | undefined,
): Promise<void> {
  await Promise.all([
    flushEvents(store, active),
    store.saveCheckpoint(active.id, storedCheckpoint(active, checkpoint, redact)),
  ]);
}

/**
 * The checkpoint as stored: secrets in its state hidden, as in the events. The engine goes on
 * with its own state; a run resumed from the store sees `[REDACTED]` where a secret was. A
 * checkpoint repeats the whole state, so each field is redacted only when its value changed.
 */
export function storedCheckpoint(
  active: ActiveJob,
  checkpoint: Checkpoint,
  redact: Redactor | undefined,
): Checkpoint {
  if (redact === undefined) return checkpoint;
  active.stored ??= new Map();
  const cache = active.stored;
  let state: Record<string, unknown> | undefined;
  for (const key of Object.keys(checkpoint.state)) {
    const value = checkpoint.state[key];
    const hit = cache.get(key);
    let clean: unknown;
    if (hit !== undefined && hit[0] === value) clean = hit[1];
    else {
      clean = redactValue(value, redact);
      cache.set(key, [value, clean]);
    }
    if (clean !== value) {
      state ??= { ...checkpoint.state };
      state[key] = clean;
    }
  }
  return state === undefined ? checkpoint : { ...checkpoint, state };
}
