/**
 * What a running job writes to the store and how: its events in batches (each checkpoint,
 * and the end, carries the ones emitted since the last), its checkpoints with secrets hidden,
 * its end; and where a job whose state in memory is lost goes on from.
 */
import type { Checkpoint, MemoryChange, RunResult } from '../../engine/index.js';
import { AgentcrateError } from '../../errors.js';
import { type Redactor, redactValue } from '../../secrets/index.js';
import type { CreateJobResult, Job, Store } from '../../store/index.js';
import type { ActiveJob } from './active-job.js';
import type { SubmitInput } from './types.js';

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
  memory: readonly MemoryChange[] = [],
): Promise<void> {
  await Promise.all([
    flushEvents(store, active),
    // The nodes' memory writes in the checkpoint's own transaction (Store.saveCheckpoint).
    store.saveCheckpoint(
      active.id,
      storedCheckpoint(active, checkpoint, redact),
      memory.length > 0 ? { memory } : undefined,
    ),
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

/**
 * The end of a run as stored (events first, in the same commit): completed, failed or
 * cancelled, or back to pending when a shutdown stopped it. A run that ended by itself after
 * its final checkpoint stores that checkpoint's progress with its completion, in place of the
 * checkpoint. Returns the job as stored.
 */
export async function storeEnd(
  store: Store,
  active: ActiveJob,
  result: RunResult,
  redact: Redactor | undefined,
): Promise<Job> {
  const last = active.last;
  const lastMemory = active.lastMemory ?? [];
  const endedByItself = result.status === 'success' && active.stop === undefined;
  // Stopped, failed or cancelled after its last node: that checkpoint is stored as any other,
  // so a resume does not run the node again.
  if (last !== undefined && !endedByItself) await saveProgress(store, active, last, redact, lastMemory);
  // Ended by itself: the last nodes' memory goes with the run's end, issued in the same turn
  // as completeJob below so the store commits them together.
  const memoryWritten = endedByItself && lastMemory.length > 0 ? store.memory.apply(lastMemory) : undefined;
  memoryWritten?.catch(() => {}); // awaited below
  const flushed = flushEvents(store, active);
  flushed.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
  const executionTimeMs = Math.round(result.durationMs);
  if (active.stop === 'shutdown') {
    // Not a crash and not the job's fault: pending again, for the next start.
    const parked = await store.updateJob(active.id, { status: 'pending' });
    await flushed;
    return parked ?? active.job;
  }
  let job: Job | undefined;
  // What the event chain made of the run-end event: the stored job shows what the events show.
  const end = active.end ?? { outputs: result.outputs, ...(result.error ? { error: result.error } : {}) };
  if (result.status === 'success') {
    job = await store.completeJob(active.id, {
      outputs: end.outputs,
      executionTimeMs,
      usage: result.usage,
      ...(last !== undefined ? { progress: { step: last.step, nodesDone: last.completed } } : {}),
    });
    await memoryWritten;
  } else if (result.status === 'failed') {
    const error = end.error ?? { code: 'E_INTERNAL', message: 'the run failed without an error' };
    job = await store.failJob(
      active.id,
      {
        code: error.code,
        message: error.message,
        ...(error.details || error.nodeId
          ? { details: { ...(error.details ?? {}), ...(error.nodeId ? { node: error.nodeId } : {}) } }
          : {}),
      },
      { executionTimeMs, usage: result.usage },
    );
  } else {
    await store.cancelJob(active.id);
  }
  // Cancelled by request (the store row moved first): keep the time and usage it had.
  job ??= await store.updateJob(active.id, { executionTimeMs, usage: result.usage });
  await flushed;
  return job ?? active.job;
}

/**
 * The job as a run starts it, and the checkpoint it goes on from: claimed already (a parked
 * job going on, one held for its caller), stored claimed at creation (`preclaimed`), or
 * claimed now. The claim is issued before anything is awaited, so it joins the writes of the
 * turn that started the run. Undefined when the job is no longer pending (cancelled, or
 * finished elsewhere, meanwhile).
 */
export async function claimForRun(
  store: Store,
  active: ActiveJob,
  preclaimed: Job | undefined,
): Promise<{ job: Job; resume?: Checkpoint } | undefined> {
  if (active.resume !== undefined) {
    const { job, checkpoint } = active.resume;
    active.resume = undefined;
    return checkpoint === undefined ? { job } : { job, resume: checkpoint };
  }
  const job = preclaimed ?? (await store.claimJob(active.id));
  if (job === undefined) return undefined;
  if (job.attempts <= 1 && active.fromCheckpoint !== true) return { job };
  // A previous process ran this job (or it is a replay): continue after its last completed
  // node, and number new events after the ones already stored.
  const resume = (await store.getCheckpoint(active.id))?.checkpoint as Checkpoint | undefined;
  const previous = await store.listEvents(active.id);
  const lastSeq = previous[previous.length - 1]?.seq ?? 0;
  active.firstSeq = lastSeq + 1;
  active.nextSeq = lastSeq + 1;
  return resume === undefined ? { job } : { job, resume };
}

/**
 * For a parked job whose state in memory is unknown: writes its pending events and sets it to
 * go on from what the store holds (`active.resume` when it is running there). Returns the job
 * when it is over instead (finished, or gone).
 */
export async function resumeFromStore(store: Store, active: ActiveJob): Promise<Job | undefined> {
  const job = await store.getJob(active.id);
  if (job === undefined || (job.status !== 'pending' && job.status !== 'running')) return job ?? active.job;
  await flushEvents(store, active);
  if (job.status === 'running') {
    const stored = (await store.getCheckpoint(active.id))?.checkpoint as Checkpoint | undefined;
    active.resume = stored === undefined ? { job } : { job, checkpoint: stored };
  }
  return undefined;
}

/**
 * A submitted run as a new job (or the existing one its idempotency key names); `claim` stores
 * it already running. A replay's checkpoint is saved before it starts, so a crash resumes the
 * replay, not a fresh run.
 */
export async function storeNewJob(
  store: Store,
  input: SubmitInput,
  job: { id: string; workflow: string; claim: boolean; queueLimit?: number },
): Promise<CreateJobResult> {
  const stored = await store.createJob({
    id: job.id,
    workflow: job.workflow,
    inputs: input.inputs,
    ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
    ...(input.webhookUrl !== undefined ? { webhookUrl: input.webhookUrl } : {}),
    ...(job.claim ? { claim: true } : {}),
    ...(job.queueLimit !== undefined ? { queueLimit: job.queueLimit } : {}),
  });
  if (stored.created && input.resume !== undefined) {
    try {
      await store.saveCheckpoint(stored.job.id, { ...input.resume, runId: stored.job.id });
    } catch (error) {
      await store
        .failJob(stored.job.id, { code: 'E_STORE', message: 'the replay checkpoint could not be saved' })
        .catch(() => undefined);
      throw error;
    }
  }
  return stored;
}

/** Cancels a pending or running job in the store; E_NOT_FOUND, or E_CONFLICT when it is already finished. */
export async function cancelInStore(store: Store, id: string): Promise<void> {
  if (await store.cancelJob(id)) return;
  const job = await store.getJob(id);
  if (job === undefined) {
    throw new AgentcrateError('E_NOT_FOUND', `no job with id '${id}'`, { details: { jobId: id } });
  }
  throw new AgentcrateError(
    'E_CONFLICT',
    `job ${id} is already ${job.status}; only pending or running jobs can be cancelled`,
    { details: { jobId: id, status: job.status } },
  );
}

/**
 * Fails a job over an error around its run, its message redacted; the job as stored, or
 * undefined when the store itself is failing (the job stays running and is recovered on the
 * next start).
 */
export async function failInStore(
  store: Store,
  id: string,
  err: AgentcrateError,
  redact: Redactor | undefined,
): Promise<Job | undefined> {
  try {
    const message = redact?.(err.message) ?? err.message;
    // Already finished (its final write landed before the error): the job as stored.
    return (await store.failJob(id, { code: err.code, message })) ?? (await store.getJob(id));
  } catch {
    return undefined;
  }
}

/** How a finished job counts in the run metrics. */
export function runOutcome(job: Job): 'completed' | 'cancelled' | 'failed' {
  return job.status === 'completed' ? 'completed' : job.status === 'cancelled' ? 'cancelled' : 'failed';
}
