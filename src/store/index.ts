/** The store room: one `Store` seam and its embedded SQLite implementation. */
export { decodeCursor, encodeCursor } from './cursor.js';
export {
  ANY_SCOPE,
  MAX_MEMORY_VALUE_BYTES,
  type MemoryAddress,
  type MemoryChange,
  type MemoryEntry,
  type MemoryListOptions,
  type MemoryPage,
  type MemoryQuery,
  type MemoryStore,
  memoryNamespace,
} from './memory-types.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite/index.js';
export {
  type CompleteJobInput,
  CRASH_LOOP_CODE,
  type CreateJobInput,
  type CreateJobResult,
  DEFAULT_MAX_ATTEMPTS,
  type FailJobOptions,
  FINISHED_STATUSES,
  JOB_STATUSES,
  type Job,
  type JobError,
  type JobPatch,
  type JobProgress,
  type JobStatus,
  type JobUsage,
  type ListJobsOptions,
  type ListJobsResult,
  MAX_PAGE_SIZE,
  type Store,
  type StoredCheckpoint,
  type StoredEvent,
  type StoreEvent,
  type StoreHealth,
} from './types.js';
