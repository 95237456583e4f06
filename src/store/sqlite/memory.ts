/** The memory part of the SQLite store (table `memory`, schema v4). */
import type { SQLInputValue } from 'node:sqlite';
import { AgentcrateError } from '../../errors.js';
import { checkLimit, decodeCursor, encodeCursor } from '../cursor.js';
import {
  MAX_MEMORY_VALUE_BYTES,
  type MemoryAddress,
  type MemoryChange,
  type MemoryEntry,
  type MemoryListOptions,
  type MemoryPage,
  type MemoryQuery,
  type MemoryStore,
  memoryNamespace,
} from '../memory-types.js';
import { MAX_PAGE_SIZE } from '../types.js';
import type { SqliteAccess } from './connection.js';

interface MemoryRow {
  namespace: string;
  agent: string;
  workflow: string;
  node: string;
  key: string;
  value: string;
  updated_at: number;
  job_id: string | null;
}

const MAX_PART = 512;

function invalid(message: string): AgentcrateError {
  return new AgentcrateError('E_INVALID_INPUT', message);
}

function checkPart(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_PART) {
    throw invalid(`Memory ${what} must be a non-empty string of at most ${MAX_PART} characters.`);
  }
  return value;
}

function checkAddress(a: MemoryAddress): void {
  checkPart(a?.agent, 'agent');
  checkPart(a.workflow, 'workflow');
  checkPart(a.node, 'node');
  checkPart(a.key, 'key');
}

function toEntry(row: MemoryRow): MemoryEntry {
  return {
    namespace: row.namespace,
    agent: row.agent,
    workflow: row.workflow,
    node: row.node,
    key: row.key,
    value: JSON.parse(row.value) as unknown,
    updatedAt: row.updated_at,
    jobId: row.job_id,
  };
}

/** `WHERE` for a query; LIKE with an escaped prefix so `%` and `_` in keys match themselves. */
function where(query: MemoryQuery): { sql: string; params: SQLInputValue[] } {
  const clauses: string[] = [];
  const params: SQLInputValue[] = [];
  for (const part of ['agent', 'workflow', 'node'] as const) {
    const v = query[part];
    if (v === undefined) continue;
    clauses.push(`${part} = ?`);
    params.push(v);
  }
  if (query.keyPrefix !== undefined && query.keyPrefix !== '') {
    clauses.push(`key LIKE ? ESCAPE '\\'`);
    params.push(`${query.keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  return { sql: clauses.length === 0 ? '' : clauses.join(' AND '), params };
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
    ) as MemoryRow | undefined;
    return row === undefined ? undefined : toEntry(row);
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
    ) as unknown as MemoryRow[];
    const more = rows.length > limit;
    const entries = rows.slice(0, limit).map(toEntry);
    const last = entries.at(-1);
    return {
      entries,
      nextCursor: more && last !== undefined ? encodeCursor({ t: 0, id: last.namespace }) : null,
    };
  }

  async apply(changes: readonly MemoryChange[]): Promise<void> {
    if (!Array.isArray(changes)) throw invalid('Memory changes must be a list.');
    const prepared = changes.map((change, i) => {
      checkAddress(change);
      if (change.op === 'delete') return { change, text: null };
      if (change.op !== 'set')
        throw invalid(`Memory change #${i} has op "${String(change.op)}"; use set or delete.`);
      const text = JSON.stringify(change.value);
      if (text === undefined) throw invalid(`Memory value for key "${change.key}" is not JSON data.`);
      if (Buffer.byteLength(text) > MAX_MEMORY_VALUE_BYTES) {
        throw invalid(
          `Memory value for key "${change.key}" is ${Buffer.byteLength(text)} bytes of JSON; the limit is ${MAX_MEMORY_VALUE_BYTES}.`,
        );
      }
      return { change, text };
    });
    if (prepared.length === 0) return;
    const now = this.#db.now();
    await this.#db.write(
      'write memory',
      () => {
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
      },
      true,
    );
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
      throw invalid('Deleting memory needs at least one of agent, workflow, node or keyPrefix.');
    }
    const result = await this.#db.write('delete memory', () =>
      this.#db.q(`DELETE FROM memory WHERE ${sql}`).run(...params),
    );
    return Number(result.changes);
  }
}
