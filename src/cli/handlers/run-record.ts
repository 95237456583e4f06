/**
 * A CLI run kept in the job store the way `serve` keeps a job (the job row, the redacted and
 * annotated events, the final status), so `agentcrate traces` and `report costs` see it. It is
 * written when the run ends: a CLI process killed mid-run leaves no `running` job behind for a
 * server on the same store to take for its own and resume. The record never fails the run: a
 * store that cannot be written costs a warning.
 */
import type { EngineEvent, RunResult } from '../../engine/index.js';
import { uuidv7 } from '../../server/job-id.js';
import type { Store, StoreEvent } from '../../store/index.js';

export interface RunRecord {
  jobId: string;
  path: string;
  /** An event after the telemetry chain redacted and annotated it. */
  keep(event: EngineEvent): void;
  /** Stores the events and the outcome; returns a warning when that failed. */
  finish(result: RunResult): Promise<string | undefined>;
}

export function startRecord(
  store: Store,
  path: string,
  workflow: string,
  inputs: Record<string, unknown>,
): RunRecord {
  const jobId = uuidv7();
  const events: StoreEvent[] = [];
  let end: { outputs: Record<string, unknown>; error?: RunResult['error'] } | undefined;
  return {
    jobId,
    path,
    keep(event) {
      if (event.type === 'checkpoint') return;
      if (event.type === 'run-end')
        end = { outputs: event.outputs, ...(event.error ? { error: event.error } : {}) };
      events.push(event);
    },
    async finish(result) {
      try {
        await store.createJob({ id: jobId, workflow, inputs, claim: true });
        await store.appendEvents(jobId, events);
        const executionTimeMs = Math.round(result.durationMs);
        // What the event chain made of the run-end event: the job shows what its events show.
        const shown = end ?? { outputs: result.outputs, ...(result.error ? { error: result.error } : {}) };
        if (result.status === 'success') {
          await store.completeJob(jobId, { outputs: shown.outputs, executionTimeMs, usage: result.usage });
        } else if (result.status === 'failed') {
          const error = shown.error ?? { code: 'E_INTERNAL', message: 'the run failed without an error' };
          await store.failJob(
            jobId,
            {
              code: error.code,
              message: error.message,
              ...(error.nodeId ? { details: { ...(error.details ?? {}), node: error.nodeId } } : {}),
            },
            { executionTimeMs, usage: result.usage },
          );
        } else {
          await store.cancelJob(jobId);
          await store.updateJob(jobId, { executionTimeMs, usage: result.usage });
        }
        return undefined;
      } catch (error) {
        return `the run is not fully recorded in ${path}: ${(error as Error).message}`;
      }
    },
  };
}
