/**
 * The crash-loop guard's decision, the same for every `Store`: what to do with the jobs a
 * dead owner left running. A job that crashes the process must be stopped, or every restart
 * crashes again; a job merely in flight when something else killed the process (the OOM
 * killer, an operator's kill -9, a host going down) must not be.
 *
 * The jobs in flight at a crash are its suspects. Each gets one more crash on its count
 * (`crashes`, cleared by its next checkpoint: a job that moves on is not looping). The crash
 * is blamed on a job only when it is the sole suspect: it was alone in flight, or it was the
 * only *isolated* job in flight. A job in flight at ISOLATE_AFTER_CRASHES crashes without a
 * checkpoint between them is resumed isolated: the runner runs at most one isolated job at a
 * time (others, not suspected, run beside it), which is a bisection: a job that keeps crashing
 * the process is soon alone among suspects, blamed each time, and failed once its blamed
 * crashes reach `maxCrashes`. Jobs present at unrelated kills are blamed only when they happen
 * to be the one isolated job at several kills in a row before their next checkpoint.
 */
import type { Job, JobError, RecoveredJob } from './types.js';
import { CRASH_LOOP_CODE, ISOLATE_AFTER_CRASHES } from './types.js';

export interface RecoveryDecision {
  id: string;
  action: RecoveredJob['action'];
  reason: string;
  blamed: boolean;
  suspects: number;
  crashes: number;
  blamedCrashes: number;
  /** Set when the job is failed. */
  error?: JobError;
}

/** Decides for every job in flight at one crash (all of them, in any order). */
export function decideRecovery(interrupted: readonly Job[]): RecoveryDecision[] {
  const suspects = interrupted.length;
  const isolated = interrupted.filter((job) => job.crashes >= ISOLATE_AFTER_CRASHES);
  const sole = suspects === 1 ? interrupted[0] : isolated.length === 1 ? isolated[0] : undefined;
  return interrupted.map((job) => {
    const blamed = job === sole;
    const crashes = job.crashes + 1;
    const blamedCrashes = job.blamedCrashes + (blamed ? 1 : 0);
    const base = { id: job.id, blamed, suspects, crashes, blamedCrashes };
    if (blamedCrashes >= job.maxCrashes) {
      const error: JobError = {
        code: CRASH_LOOP_CODE,
        message: `Job ${job.id} was the only suspect of ${blamedCrashes} crashes of the process (limit ${job.maxCrashes}) without reaching its next checkpoint, so it is not resumed again; check the server logs around its last runs for the cause.`,
        details: { crashes, blamedCrashes, maxCrashes: job.maxCrashes },
      };
      return {
        ...base,
        action: 'failed',
        reason: `the sole suspect of ${blamedCrashes} crashes (limit ${job.maxCrashes})`,
        error,
      };
    }
    const why = blamed
      ? suspects === 1
        ? 'it was the only job in flight at the crash'
        : `it was the only isolated job among ${suspects} in flight at the crash`
      : `${suspects} jobs were in flight at the crash: not blamed`;
    if (crashes >= ISOLATE_AFTER_CRASHES) {
      return {
        ...base,
        action: 'isolated',
        reason: `in flight at ${crashes} crashes since its last checkpoint, resumed alone among suspects; ${why}${blamed ? ` (blamed ${blamedCrashes} of ${job.maxCrashes})` : ''}`,
      };
    }
    return {
      ...base,
      action: 'resumed',
      reason: `${why}${blamed ? ` (blamed ${blamedCrashes} of ${job.maxCrashes})` : ''}`,
    };
  });
}
