/**
 * The distributed Store: PostgreSQL through postgres.js, shared by any number of replicas.
 * Assembled from its parts, each owning its tables: jobs (jobs.ts), checkpoints and events
 * (events.ts), memory (memory.ts), the replica lease (lease.ts), recovery of dead replicas'
 * jobs (recovery.ts) and the change feed (changes.ts). The schema is created and migrated on
 * open (schema.ts).
 */
import { AgentcrateError } from '../../errors.js';
import { isPostgresLocation } from '../location.js';
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
  StoreChange,
  StoredCheckpoint,
  StoredEvent,
  StoreEvent,
  StoreHealth,
  StoreLease,
} from '../types.js';
import { DEFAULT_LEASE_TTL_MS } from '../types.js';
import { ChangeFeed } from './changes.js';
import { DB_NOW, PgConnection, type PgSettings } from './connection.js';
import { PgEvents } from './events.js';
import { PgJobs } from './jobs.js';
import { PgLease } from './lease.js';
import { PgMemory } from './memory.js';
import { recoverOrphans } from './recovery.js';
import { migrate } from './schema.js';

export interface PostgresStoreOptions {
  /** Schema the tables live in (default: the URL's `?schema=`, else `agentcrate`). */
  schema?: string;
  /** Connections in the pool (default 10; the lease and the change feed use one more each). */
  poolSize?: number;
  connectTimeoutSeconds?: number;
  /** Clock for createdAt/startedAt/completedAt (leases use the database server's clock). */
  now?: () => number;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * `?synchronous_commit=` in the URL (postgres.js sends the URL's other parameters as the
 * session's settings, over the store's default `off`): what a commit waits for. Checked here so
 * a typo is refused by name before anything connects.
 */
const SYNCHRONOUS_COMMIT = ['off', 'local', 'on', 'remote_write', 'remote_apply'];

/** The URL without agentcrate's own `schema` parameter, and that schema. */
function splitSchema(url: string, option: string | undefined): { url: string; schema: string } {
  let schema = option;
  let rest = url;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // postgres.js reports a malformed URL in its own words below.
  }
  const commit = parsed?.searchParams.get('synchronous_commit');
  if (commit != null && !SYNCHRONOUS_COMMIT.includes(commit)) {
    throw new AgentcrateError(
      'E_USAGE',
      `Invalid synchronous_commit "${commit}" in the job store URL: use one of ${SYNCHRONOUS_COMMIT.join(', ')} (off, the default, does not wait for the disk; on waits for it at each commit).`,
    );
  }
  const fromUrl = parsed?.searchParams.get('schema');
  if (parsed !== undefined && fromUrl != null) {
    parsed.searchParams.delete('schema');
    rest = parsed.toString();
    schema ??= fromUrl;
  }
  schema ??= 'agentcrate';
  if (!SCHEMA_NAME.test(schema)) {
    throw new AgentcrateError(
      'E_USAGE',
      `Invalid PostgreSQL schema name "${schema}" for the job store: use letters, digits and _ (not first), at most 63.`,
    );
  }
  return { url: rest, schema };
}

/** Opens the store at `url`, creating or migrating its schema; fails with E_STORE* when it cannot. */
export async function createPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  return new PostgresStore(await openPgConnection(url, options));
}

/**
 * A connection to the store's database with its schema created or migrated: the job store's,
 * and the gateway's virtual keys' when they live in PostgreSQL (migration v3's table).
 */
export async function openPgConnection(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PgConnection> {
  if (typeof url !== 'string' || !isPostgresLocation(url)) {
    throw new AgentcrateError(
      'E_STORE',
      'The job store URL must start with postgres:// or postgresql://, e.g. postgres://user:password@host:5432/db.',
    );
  }
  const split = splitSchema(url, options.schema);
  const settings: PgSettings = {
    url: split.url,
    schema: split.schema,
    poolSize: Math.max(1, Math.floor(options.poolSize ?? 10)),
    connectTimeoutSeconds: options.connectTimeoutSeconds ?? 10,
  };
  let c: PgConnection;
  try {
    c = new PgConnection(settings, options.now ?? Date.now);
  } catch (error) {
    throw new AgentcrateError('E_STORE', `Cannot use the job store: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    await migrate(c);
  } catch (error) {
    await c.close().catch(() => undefined);
    throw openError(c.label, error);
  }
  return c;
}

function openError(label: string, error: unknown): AgentcrateError {
  const err = error as AgentcrateError;
  const cause = (err.cause ?? error) as { code?: string; message?: string };
  const why =
    cause.code === '28P01' || cause.code === '28000'
      ? 'the user name or password was refused; check the URL (or DATABASE_URL)'
      : cause.code === '3D000'
        ? 'that database does not exist; create it (createdb) or fix the URL'
        : cause.code === '42501'
          ? 'the user may not create the schema or its tables; grant it CREATE on the database, or create the schema for it'
          : cause.code === 'ECONNREFUSED' || cause.code === 'CONNECT_TIMEOUT' || cause.code === 'ENOTFOUND'
            ? 'no PostgreSQL server answers there; start it or fix the host and port'
            : undefined;
  if (why === undefined && error instanceof AgentcrateError) return error;
  return new AgentcrateError('E_STORE', `Cannot use the job store ${label}: ${why ?? cause.message}.`, {
    cause: error,
    details: { store: label },
  });
}

class PostgresStore implements Store {
  readonly #c: PgConnection;
  readonly #jobs: PgJobs;
  readonly #events: PgEvents;
  readonly #feed: ChangeFeed;
  readonly memory: MemoryStore;
  readonly #memory: PgMemory;
  readonly shared = true;
  #lease: PgLease | undefined;

  constructor(c: PgConnection) {
    this.#c = c;
    const ownership = {
      owner: () => this.#owner(),
      ttlMs: () => this.#lease?.ttlMs ?? DEFAULT_LEASE_TTL_MS,
    };
    this.#jobs = new PgJobs(c, ownership);
    this.#events = new PgEvents(c, ownership, this.#jobs);
    this.#memory = new PgMemory(c);
    this.memory = this.#memory;
    this.#feed = new ChangeFeed(c);
  }

  /** The lease holder this store claims and writes jobs as, or null without a lease. */
  #owner(): string | null {
    const lease = this.#lease;
    if (lease === undefined || lease.released) return null;
    if (lease.lostError !== undefined) throw lease.lostError;
    return lease.holder.id;
  }

  createJob(input: CreateJobInput): Promise<CreateJobResult> {
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
    const held = this.#lease;
    if (held !== undefined && held.lostError === undefined && !held.released) return held;
    this.#lease = await PgLease.acquire(this.#c, options);
    return this.#lease;
  }

  async recoverInterrupted(): Promise<RecoveredJob[]> {
    const lease = this.#lease;
    if (lease === undefined || lease.released || lease.lostError !== undefined) {
      throw new AgentcrateError(
        'E_STORE',
        `Recovering interrupted jobs of ${this.#c.label} needs a lease on the store (acquireLease): without one, this process cannot tell dead replicas' jobs from its own.`,
      );
    }
    return recoverOrphans(this.#c, lease.holder.id);
  }

  deleteFinishedBefore(epochMs: number): Promise<number> {
    return this.#jobs.deleteFinishedBefore(epochMs);
  }
  countByStatus(): Promise<Record<JobStatus, number>> {
    return this.#jobs.countByStatus();
  }
  async saveCheckpoint(
    jobId: string,
    checkpoint: unknown,
    options?: { memory?: readonly MemoryChange[] },
  ): Promise<void> {
    const memory = prepareChanges(options?.memory ?? []);
    return this.#events.saveCheckpoint(
      jobId,
      checkpoint,
      memory.length > 0 ? (sql) => this.#memory.writePrepared(sql, memory) : undefined,
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

  changes(listener: (change: StoreChange) => void): () => void {
    return this.#feed.subscribe(listener);
  }

  /** Ready to write: open, the lease (if any) held, and a probe write commits. */
  async health(): Promise<StoreHealth> {
    if (this.#c.closed) return { ok: false, reason: `the job store ${this.#c.label} is closed` };
    const lost = this.#lease?.lostError;
    if (lost !== undefined) return { ok: false, reason: lost.message };
    try {
      await this.#c.q(
        'write a health check',
        `INSERT INTO meta (key, value) VALUES ('health_checked_at', ${DB_NOW}::text)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      );
      return { ok: true };
    } catch (error) {
      return {
        ok: false,
        reason: `cannot write to the job store ${this.#c.label}: ${(error as Error).message}`,
      };
    }
  }

  async close(): Promise<void> {
    if (this.#c.closed) return;
    await this.#feed.close();
    if (this.#lease !== undefined && !this.#lease.released) await this.#lease.release();
    await this.#c.close();
  }
}
