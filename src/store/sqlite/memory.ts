/** The memory part of the SQLite store (table `memory`, schema v4). */
import type { SQLInputValue } from 'node:sqlite';
import { checkLimit, decodeCursor } from '../cursor.js';
import { checkPart, noQueryError, prepareChanges, queryParts } from '../memory-checks.js';
import {
  type MemoryChange,
  type MemoryEntry,
  type MemoryListOptions,
  type MemoryPage,
  type MemoryQuery,
  type MemoryStore,
  memoryNamespace,
} from '../memory-types.js';
import { memoryPage, type Row, rowToMemoryEntry } from '../rows.js';
import { MAX_PAGE_SIZE } from '../types.js';
import type { SqliteAccess } from './connection.js';

/** `WHERE` for a query (memory-checks.ts). */
function where(query: MemoryQuery): { sql: string; params: SQLInputValue[] } {
  const parts = queryParts(query);
  return {
    sql: parts
      .map((p) => (p.op === '=' ? `${p.column} = ?` : `${p.column} LIKE ? ESCAPE '\\'`))
      .join(' AND '),
    params: parts.map((p) => p.value),
  };
}

export class SqliteMemory implements MemoryStore {
  readonly #db: SqliteAccess;

  constructor(access: SqliteAccess) {
    this.#db = access;
  }

  async get(namespace: string): Promise<MemoryEntry | undefined> {
    checkPart(namespace, 'namespace');
    const row = this.#db.read('read memory', () =>
      this.#db.q('SELECT * FROM memory WHERE namespace = ?').get(namespace),
    ) as Row | undefined;
    return row === undefined ? undefined : rowToMemoryEntry(row);
  }

  async list(options: MemoryListOptions = {}): Promise<MemoryPage> {
    const limit = checkLimit(options.limit ?? 100, MAX_PAGE_SIZE, 'memory list');
    const { sql, params } = where(options);
    const clauses = sql === '' ? [] : [sql];
    if (options.cursor !== undefined) {
      clauses.push('namespace > ?');
      params.push(decodeCursor(options.cursor, 'memory list').id);
    }
    const text = `SELECT * FROM memory${clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : ''} ORDER BY namespace LIMIT ?`;
    const rows = this.#db.read('list memory', () =>
      this.#db.q(text).all(...params, limit + 1),
    ) as unknown as Row[];
    return memoryPage(rows, limit);
  }

  async apply(changes: readonly MemoryChange[]): Promise<void> {
    const prepared = prepareChanges(changes);
    if (prepared.length === 0) return;
    await this.#db.write('write memory', () => this.writePrepared(prepared), true);
  }

  /** Writes checked changes inside the caller's write transaction (apply, a checkpoint's). */
  writePrepared(prepared: ReturnType<typeof prepareChanges>): void {
    const now = this.#db.now();
    for (const { change, text } of prepared) {
      const namespace = memoryNamespace(change);
      if (text === null) {
        this.#db.q('DELETE FROM memory WHERE namespace = ?').run(namespace);
        continue;
      }
      this.#db
        .q(
          `INSERT INTO memory (namespace, agent, workflow, node, key, value, updated_at, job_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (namespace) DO UPDATE SET value = excluded.value,
                 updated_at = excluded.updated_at, job_id = excluded.job_id`,
        )
        .run(
          namespace,
          change.agent,
          change.workflow,
          change.node,
          change.key,
          text,
          now,
          change.jobId ?? null,
        );
    }
  }

  async delete(namespace: string): Promise<boolean> {
    checkPart(namespace, 'namespace');
    const result = await this.#db.write('delete memory', () =>
      this.#db.q('DELETE FROM memory WHERE namespace = ?').run(namespace),
    );
    return Number(result.changes) > 0;
  }

  async deleteMatching(query: MemoryQuery): Promise<number> {
    const { sql, params } = where(query ?? {});
    if (sql === '') {
      throw noQueryError();
    }
    const result = await this.#db.write('delete memory', () =>
      this.#db.q(`DELETE FROM memory WHERE ${sql}`).run(...params),
    );
    return Number(result.changes);
  }
}
