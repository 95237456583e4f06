/**
 * What a runner does on start, before it runs anything: own the store (its lease), recover
 * the jobs a dead owner left running (the crash-loop guard's decision, store/crash-guard.ts),
 * and queue every pending job of its own workflow. Each decision is one log line per job, so
 * a restart says what it did with every job it found.
 *
 * A store may hold jobs of several workflows (servers of different workflows started on one
 * file in turn, the studio's runs): a job runs only under the workflow it was submitted to, so
 * the others are left pending for their own server. A crash a dead owner left them in is still
 * counted (that owner was running them), so the crash-loop guard sees it when they resume.
 */
import {
  ISOLATE_AFTER_CRASHES,
  type Job,
  type LeaseOptions,
  type Store,
  type StoreLease,
} from '../../store/index.js';
import type { Logger } from '../logger.js';

export interface Recovered {
  lease: StoreLease;
  /** To queue (this workflow's), in order: isolated jobs (most blamed first), then the rest oldest first. */
  queue: Array<{ job: Job; isolated: boolean }>;
  /** Jobs of this workflow a dead owner left running (resumed or failed). */
  recovered: number;
  /** Jobs queued (recovered ones included). */
  queued: number;
}

export async function recoverStore(
  store: Store,
  logger: Logger,
  lease: LeaseOptions,
  workflow: string,
): Promise<Recovered> {
  const owned = await store.acquireLease(lease);
  if (owned.tookOver !== undefined) {
    const { holder, reason } = owned.tookOver;
    logger.warn(
      {
        previousPid: holder.pid,
        previousHost: holder.host,
        since: new Date(holder.since).toISOString(),
        reason,
      },
      reason === 'died'
        ? 'the previous owner of the store died without releasing it; recovering its jobs'
        : 'the previous owner of the store let its lease expire; taking the store over',
    );
  }
  let recovered: Awaited<ReturnType<Store['recoverInterrupted']>>;
  try {
    recovered = await store.recoverInterrupted();
  } catch (error) {
    await owned.release();
    throw error;
  }
  const isolated = new Set<string>();
  const elsewhere = (job: Job) =>
    `a job of workflow '${job.workflow}', not '${workflow}': left pending for its own server`;
  for (const r of recovered) {
    if (r.job.workflow !== workflow && r.action !== 'failed') {
      logger.info({ jobId: r.job.id, decision: 'left', reason: elsewhere(r.job) }, 'recovery: job left');
      continue;
    }
    const line = {
      jobId: r.job.id,
      decision: r.action,
      reason: r.reason,
      crashes: r.job.crashes,
      blamedCrashes: r.job.blamedCrashes,
      maxCrashes: r.job.maxCrashes,
      suspects: r.suspects,
    };
    if (r.action === 'failed') logger.error(line, 'recovery: job failed by the crash-loop guard');
    else logger.info(line, `recovery: job ${r.action}`);
    if (r.action === 'isolated') isolated.add(r.job.id);
  }

  const pending: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listJobs({ status: 'pending', limit: 1000, ...(cursor ? { cursor } : {}) });
    pending.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  pending.reverse(); // oldest first
  const resumed = new Set(recovered.map((r) => r.job.id));
  const own = pending.filter((job) => job.workflow === workflow);
  for (const job of pending) {
    if (resumed.has(job.id)) continue;
    if (job.workflow !== workflow) {
      logger.info({ jobId: job.id, decision: 'left', reason: elsewhere(job) }, 'recovery: job left');
      continue;
    }
    // A job isolated by earlier crashes and parked by a shutdown since keeps its isolation.
    if (job.crashes >= ISOLATE_AFTER_CRASHES) isolated.add(job.id);
    logger.info(
      {
        jobId: job.id,
        decision: 'queued',
        reason: job.attempts > 0 ? 'parked by a shutdown' : 'not started yet',
      },
      'recovery: job queued',
    );
  }
  const first = own.filter((j) => isolated.has(j.id)).sort((a, b) => b.blamedCrashes - a.blamedCrashes);
  const rest = own.filter((j) => !isolated.has(j.id));
  const queue = [...first, ...rest].map((job) => ({ job, isolated: isolated.has(job.id) }));
  return {
    lease: owned,
    queue,
    recovered: recovered.filter((r) => r.job.workflow === workflow).length,
    queued: queue.length,
  };
}
