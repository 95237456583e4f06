/**
 * The embedded Store: one SQLite file through the built-in `node:sqlite`, one synchronous
 * connection per process (connection.ts) plus a checkpoint-only worker (checkpointer.ts). The
 * store is assembled from its parts, each owning its tables: jobs (jobs.ts), checkpoints and
 * events (events.ts), memory (memory.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AgentcrateError } from '../../errors.js';
import { prepareChanges } from '../memory-checks.js';
import type { MemoryChange, MemoryStore } from '../memory-types.js';
import type {
  ClaimOptions,
  CompleteJobInput,
  CreateJobInput,
  CreateJobResult,
  FailJobOptions,
  Job,
  JobError,
  JobPatch,
  JobStatus,
  LeaseOptions,
  ListJobsOptions,
  ListJobsResult,
  RecoveredJob,
  Store,
  StoredCheckpoint,
  StoredEvent,
  StoreEvent,
  StoreHealth,
  StoreLease,
} from '../types.js';
import { startCheckpointer } from './checkpointer.js';
import { SqliteConnection } from './connection.js';
import { SqliteEvents } from './events.js';
import { SqliteJobs } from './jobs.js';
import { LastSeqs } from './last-seqs.js';
import { SqliteLease } from './lease.js';
import { SqliteMemory } from './memory.js';
import { applyPragmas, migrate } from './schema.js';

export interface SqliteStoreOptions {
  /** Clock for createdAt/startedAt/completedAt (tests pin it). */
  now?: () => number;
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
  /** Checkpoint the WAL from a worker thread (default true; ignored for `:memory:`). */
  backgroundCheckpoint?: boolean;
  /**
   * New jobs are refused (E_STORE_UNAVAILABLE) and the store reports itself unhealthy while
   * fewer bytes than this are free on its volume, so running jobs keep room to checkpoint.
   * Default DEFAULT_MIN_FREE_BYTES; 0 turns the check off.
   */
  minFreeBytes?: number;
}

/** Opens (creating if needed) the store file at `path`; `:memory:` gives a throwaway store. */
export async function createSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new AgentcrateError(
      'E_STORE',
      'The job store path is empty: pass a file path such as ./agentcrate.db.',
    );
  }
  const memory = path === ':memory:';
  const file = memory ? path : resolve(path);
  if (!memory) {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (error) {
      throw new AgentcrateError(
        'E_STORE',
        `Cannot create the directory for the job store ${file}: ${(error as Error).message}. Choose a --store path in a writable directory.`,
        { cause: error, details: { path: file } },
      );
    }
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file);
    applyPragmas(db, options.busyTimeoutMs ?? 5000);
    migrate(db, file);
  } catch (error) {
    try {
      db?.close();
    } catch {
      // already failing; the open error is the one worth reporting
    }
    throw openError(file, error);
  }
  const checkpointer =
    memory || options.backgroundCheckpoint === false ? undefined : () => startCheckpointer(file);
  return new SqliteStore(
    new SqliteConnection(
      db,
      file,
      options.now ?? Date.now,
      checkpointer,
      options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES,
    ),
  );
}

function openError(file: string, error: unknown): AgentcrateError {
  if (error instanceof AgentcrateError) return error;
  const raw = (error as Error).message ?? String(error);
  let why = `it cannot be opened (${raw})`;
  if (/not a database|malformed|corrupt/i.test(raw)) {
    why = `it is not a SQLite database or is corrupt (${raw}); move it aside or point --store at another file`;
  } else if (/readonly|read-only/i.test(raw)) {
    why = `it is read-only (${raw}); make the file and its directory writable`;
  } else if (/unable to open/i.test(raw)) {
    why = `it cannot be opened (${raw}); check that the path is a file in a writable directory`;
  }
  return new AgentcrateError('E_STORE', `Cannot use the job store ${file}: ${why}.`, {
    cause: error,
    details: { path: file },
  });
}

/** The free-space floor below which new jobs are refused (see `minFreeBytes`). */
export const DEFAULT_MIN_FREE_BYTES = 8 * 1024 * 1024;

/** Bytes the health probe rewrites after a failed write, to prove real writes work again. */
const PROBE_BYTES = 64 * 1024;

class SqliteStore implements Store {
  readonly #c: SqliteConnection;
  readonly #jobs: SqliteJobs;
  readonly #events: SqliteEvents;
  readonly memory: MemoryStore;
  readonly #memory: SqliteMemory;
  /** One owner at a time (lease.ts): its runner queues work itself and recovers only at start. */
  readonly shared = false;
  #lease: SqliteLease | undefined;
  #leaseReleased = false;

  constructor(connection: SqliteConnection) {
    this.#c = connection;
    // What each job's last event seq is, known to both: a new job has none, a finished one is forgotten.
    const lastSeqs = new LastSeqs(() => connection.rollbacks);
    this.#jobs = new SqliteJobs(connection, lastSeqs);
    this.#events = new SqliteEvents(connection, lastSeqs);
    this.#memory = new SqliteMemory(connection);
    this.memory = this.#memory;
  }

  async createJob(input: CreateJobInput): Promise<CreateJobResult> {
    this.#c.checkSpace();
    return this.#jobs.createJob(input);
  }
  getJob(id: string): Promise<Job | undefined> {
    return this.#jobs.getJob(id);
  }
  listJobs(options: ListJobsOptions): Promise<ListJobsResult> {
    return this.#jobs.listJobs(options);
  }
  claimJob(id: string): Promise<Job | undefined> {
    return this.#jobs.claimJob(id);
  }
  claimNextPending(options?: ClaimOptions): Promise<Job | undefined> {
    return this.#jobs.claimNextPending(options);
  }
  updateJob(id: string, patch: JobPatch): Promise<Job | undefined> {
    return this.#jobs.updateJob(id, patch);
  }
  completeJob(id: string, result: CompleteJobInput): Promise<Job | undefined> {
    return this.#jobs.completeJob(id, result);
  }
  failJob(id: string, error: JobError, options?: FailJobOptions): Promise<Job | undefined> {
    return this.#jobs.failJob(id, error, options);
  }
  cancelJob(id: string): Promise<boolean> {
    return this.#jobs.cancelJob(id);
  }
  async acquireLease(options?: LeaseOptions): Promise<StoreLease> {
    if (this.#lease !== undefined && this.#lease.lostError === undefined && !this.#leaseReleased) {
      return this.#lease;
    }
    // Released through the lease or by close(): either way this store holds it no more.
    const lease = await SqliteLease.acquire(this.#c, options, () => {
      this.#leaseReleased = true;
    });
    this.#lease = lease;
    this.#leaseReleased = false;
    return lease;
  }

  async recoverInterrupted(): Promise<RecoveredJob[]> {
    if (this.#lease === undefined || this.#leaseReleased) {
      throw new AgentcrateError(
        'E_STORE',
        `Recovering interrupted jobs of ${this.#c.file} needs the store's lease (acquireLease): without it they may be another live process's running jobs.`,
      );
    }
    return this.#jobs.recoverInterrupted();
  }
  deleteFinishedBefore(epochMs: number): Promise<number> {
    return this.#jobs.deleteFinishedBefore(epochMs);
  }
  countByStatus(): Promise<Record<JobStatus, number>> {
    return this.#jobs.countByStatus();
  }
  saveCheckpoint(
    jobId: string,
    checkpoint: unknown,
    options?: { memory?: readonly MemoryChange[] },
  ): Promise<void> {
    // Most checkpoints carry no memory writes: the write's own promise, no async wrapper.
    const changes = options?.memory;
    if (changes === undefined || (Array.isArray(changes) && changes.length === 0))
      return this.#events.saveCheckpoint(jobId, checkpoint);
    return this.#saveWithMemory(jobId, checkpoint, changes);
  }
  async #saveWithMemory(jobId: string, checkpoint: unknown, changes: readonly MemoryChange[]): Promise<void> {
    const memory = prepareChanges(changes);
    return this.#events.saveCheckpoint(
      jobId,
      checkpoint,
      memory.length > 0 ? () => this.#memory.writePrepared(memory) : undefined,
    );
  }
  getCheckpoint(jobId: string): Promise<StoredCheckpoint | undefined> {
    return this.#events.getCheckpoint(jobId);
  }
  appendEvent(jobId: string, event: StoreEvent): Promise<StoredEvent> {
    return this.#events.appendEvent(jobId, event);
  }
  appendEvents(jobId: string, events: readonly StoreEvent[]): Promise<StoredEvent[]> {
    return this.#events.appendEvents(jobId, events);
  }
  listEvents(jobId: string, afterSeq?: number, limit?: number): Promise<StoredEvent[]> {
    return this.#events.listEvents(jobId, afterSeq, limit);
  }

  /**
   * Ready to write: open, still the owner, room on the volume, and a probe write commits. The
   * probe is one tiny row; after a write the store could not make, a larger one too, since a
   * full disk can still take a tiny write in space the WAL already has.
   */
  async health(): Promise<StoreHealth> {
    const c = this.#c;
    if (c.closed) return { ok: false, reason: `the job store ${c.file} is closed` };
    const lost = this.#lease?.lostError;
    if (lost !== undefined) return { ok: false, reason: lost.message };
    const space = c.spaceProblem(true);
    if (space !== undefined) return { ok: false, reason: space };
    const large = c.writeFailing;
    try {
      await c.write(
        'write a health check',
        () => {
          const put = c.q(
            `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          );
          put.run('health_checked_at', String(c.now()));
          if (large) put.run('health_probe', String(c.now()).padEnd(PROBE_BYTES, '.'));
        },
        large,
        true,
      );
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: `cannot write to the job store ${c.file}: ${(error as Error).message}` };
    }
  }

  releaseMemory(): Promise<void> {
    return this.#c.releaseMemory();
  }

  async close(): Promise<void> {
    if (this.#lease !== undefined && !this.#leaseReleased) await this.#lease.release();
    await this.#c.close();
  }
}
