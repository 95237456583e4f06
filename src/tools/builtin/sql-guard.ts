/**
 * The statement check for `sql_query`. The database is also opened read-only, so SQLite
 * itself refuses writes; this check exists to give the model a clear refusal up front and
 * to keep out statements a read-only connection still runs (ATTACH, writable PRAGMAs,
 * several statements in one string).
 */
import { AgentcrateError } from '../../errors.js';

/** Removes comments and string/identifier literals, so keywords and `;` inside them do not count. */
function skeleton(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
    .replace(/`[^`]*`/g, '``')
    .replace(/\[[^\]]*\]/g, '[]');
}

const READ_PRAGMAS = new Set([
  'table_info',
  'table_xinfo',
  'table_list',
  'index_list',
  'index_info',
  'index_xinfo',
  'foreign_key_list',
  'database_list',
  'collation_list',
  'function_list',
  'pragma_list',
  'compile_options',
  'user_version',
  'schema_version',
  'page_count',
  'page_size',
  'encoding',
  'freelist_count',
  'application_id',
  'data_version',
]);

/** Throws unless `sql` is one read-only statement (SELECT, WITH, EXPLAIN, VALUES or a reading PRAGMA). */
export function assertReadOnlySql(sql: string): void {
  const bare = skeleton(sql).trim().replace(/;\s*$/, '');
  if (bare === '') throw new AgentcrateError('E_TOOL', 'sql_query: the query is empty');
  if (bare.includes(';')) {
    throw new AgentcrateError(
      'E_TOOL_DENIED',
      'sql_query: only one statement per call is allowed; remove the extra ";"',
    );
  }
  const first = /^[a-z]+/i.exec(bare)?.[0]?.toUpperCase() ?? '';
  if (first === 'PRAGMA') {
    const match = /^pragma\s+(?:[a-z_][a-z0-9_]*\s*\.\s*)?([a-z_]+)\s*(\(|=|$)/i.exec(bare);
    const name = match?.[1]?.toLowerCase();
    if (!match || match[2] === '=' || !name || !READ_PRAGMAS.has(name)) {
      throw new AgentcrateError(
        'E_TOOL_DENIED',
        `sql_query: only reading PRAGMAs are allowed (${[...READ_PRAGMAS].slice(0, 6).join(', ')}, ...)`,
      );
    }
    return;
  }
  if (!['SELECT', 'WITH', 'EXPLAIN', 'VALUES'].includes(first)) {
    throw new AgentcrateError(
      'E_TOOL_DENIED',
      `sql_query: only read-only queries (SELECT, WITH, EXPLAIN, PRAGMA) are allowed, not ${first || 'this statement'}`,
    );
  }
  // A CTE may wrap a write (`WITH x AS (...) DELETE ...`); refuse write keywords at statement level.
  // (`replace(...)` the string function stays allowed.)
  const write =
    /\b(INSERT|UPDATE|DELETE|REPLACE(?!\s*\()|CREATE|DROP|ALTER|ATTACH|DETACH|VACUUM|REINDEX)\b/i.exec(bare);
  if (write) {
    const word = write[1];
    throw new AgentcrateError(
      'E_TOOL_DENIED',
      `sql_query: '${word?.toUpperCase()}' is not allowed; the database is read-only`,
    );
  }
}
