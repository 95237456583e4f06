/**
 * The memory part of the Store seam: a persistent key-value memory for workflows, namespaced
 * as configurable-agents does it, `{agent}:{workflow}:{node}:{key}`, where an unscoped part is
 * `*` (agent scope is `{agent}:*:*:{key}`, workflow scope `{agent}:{workflow}:*:{key}`). The
 * namespace is the entry's identity. Values are JSON.
 */

/** The `*` of a namespace part that is not scoped. */
export const ANY_SCOPE = '*';

export interface MemoryAddress {
  agent: string;
  /** A workflow name, or `*`. */
  workflow: string;
  /** A node id, or `*`. */
  node: string;
  key: string;
}

export interface MemoryEntry extends MemoryAddress {
  namespace: string;
  value: unknown;
  /** Epoch ms of the last write. */
  updatedAt: number;
  /** The job whose run last wrote it, when a run did. */
  jobId: string | null;
}

export type MemoryChange =
  | (MemoryAddress & { op: 'set'; value: unknown; jobId?: string })
  | (MemoryAddress & { op: 'delete'; jobId?: string });

/** Every given part must match exactly; `keyPrefix` matches the start of the key. */
export interface MemoryQuery {
  agent?: string;
  workflow?: string;
  node?: string;
  keyPrefix?: string;
}

export interface MemoryListOptions extends MemoryQuery {
  /** Page size, 1..MAX_PAGE_SIZE (default 100). */
  limit?: number;
  /** `nextCursor` of the previous page, passed back unchanged. */
  cursor?: string;
}

export interface MemoryPage {
  /** In namespace order. */
  entries: MemoryEntry[];
  nextCursor: string | null;
}

/** The largest value a memory entry holds, as JSON text. */
export const MAX_MEMORY_VALUE_BYTES = 1024 * 1024;

export interface MemoryStore {
  get(namespace: string): Promise<MemoryEntry | undefined>;
  list(options?: MemoryListOptions): Promise<MemoryPage>;
  /** Sets and deletes in order, in one transaction: all of them are kept, or none. */
  apply(changes: readonly MemoryChange[]): Promise<void>;
  /** False when there was no such entry. */
  delete(namespace: string): Promise<boolean>;
  /** Deletes every entry the query matches (at least one part must be given); returns how many. */
  deleteMatching(query: MemoryQuery): Promise<number>;
}

export function memoryNamespace(address: MemoryAddress): string {
  return `${address.agent}:${address.workflow}:${address.node}:${address.key}`;
}
