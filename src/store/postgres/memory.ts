/** The memory part of the PostgreSQL store (table `memory`, schema v1). */

import type { TransactionSql } from 'postgres';
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
import { memoryPage, rowToMemoryEntry } from '../rows.js';
import { MAX_PAGE_SIZE } from '../types.js';
import type { PgConnection } from './connection.js';

/** `WHERE` for a query, numbering its parameters from `first`. */
function where(query: MemoryQuery, first = 1): { sql: string; params: string[] } {
  const parts = queryParts(query);
  return {
    sql: parts
      .map((p, i) =>
        p.op === '=' ? `${p.column} = $${first + i}` : `${p.column} LIKE $${first + i} ESCAPE '\\'`,
      )
      .join(' AND '),
    params: parts.map((p) => p.value),
  };
}

const UPSERT = `INSERT INTO memory (namespace, agent, workflow, node, key, value, updated_at, job_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (namespace) DO UPDATE SET value = excluded.value,
    updated_at = excluded.updated_at, job_id = excluded.job_id`;

export class PgMemory implements MemoryStore {
  readonly #c: PgConnection;

  constructor(c: PgConnection) {
    this.#c = c;
  }

  async get(namespace: string): Promise<MemoryEntry | undefined> {
    checkPart(namespace, 'namespace');
    const [row] = await this.#c.q('read memory', 'SELECT * FROM memory WHERE namespace = $1', [namespace]);
    return row === undefined ? undefined : rowToMemoryEntry(row);
  }

  async list(options: MemoryListOptions = {}): Promise<MemoryPage> {
    const limit = checkLimit(options.limit ?? 100, MAX_PAGE_SIZE, 'memory list');
    const { sql, params } = where(options);
    const clauses = sql === '' ? [] : [sql];
    const values: unknown[] = [...params];
    if (options.cursor !== undefined) {
      values.push(decodeCursor(options.cursor, 'memory list').id);
      // COLLATE "C": byte order, the order SQLite's store pages in, whatever the database's locale.
      clauses.push(`namespace COLLATE "C" > $${values.length}`);
    }
    values.push(limit + 1);
    const rows = await this.#c.q(
      'list memory',
      `SELECT * FROM memory${clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : ''}
       ORDER BY namespace COLLATE "C" LIMIT $${values.length}`,
      values,
    );
    return memoryPage(rows, limit);
  }

  async apply(changes: readonly MemoryChange[]): Promise<void> {
    const prepared = prepareChanges(changes);
    if (prepared.length === 0) return;
    // In order, in one transaction, pipelined: all of them are kept, or none.
    await this.#c.tx('write memory', (sql) => this.writePrepared(sql, prepared));
  }

  /** Writes checked changes in the caller's transaction (apply, a checkpoint's). */
  writePrepared(sql: TransactionSql, prepared: ReturnType<typeof prepareChanges>): Promise<unknown> {
    const now = this.#c.now();
    return Promise.all(
      prepared.map(({ change, text }) => {
        const namespace = memoryNamespace(change);
        return text === null
          ? sql.unsafe('DELETE FROM memory WHERE namespace = $1', [namespace], { prepare: true })
          : sql.unsafe(
              UPSERT,
              [
                namespace,
                change.agent,
                change.workflow,
                change.node,
                change.key,
                text,
                now,
                change.jobId ?? null,
              ],
              { prepare: true },
            );
      }),
    );
  }

  async delete(namespace: string): Promise<boolean> {
    checkPart(namespace, 'namespace');
    const rows = await this.#c.q(
      'delete memory',
      'DELETE FROM memory WHERE namespace = $1 RETURNING 1 AS x',
      [namespace],
    );
    return rows.length > 0;
  }

  async deleteMatching(query: MemoryQuery): Promise<number> {
    const { sql, params } = where(query ?? {});
    if (sql === '') throw noQueryError();
    const rows = await this.#c.q('delete memory', `DELETE FROM memory WHERE ${sql} RETURNING 1 AS x`, params);
    return rows.length;
  }
}
