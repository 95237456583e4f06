/**
 * `sql_query`: read-only SQL over a SQLite file (built-in `node:sqlite`). Each query runs in a
 * process of its own that is killed at the time limit (`sql-process.ts`), because a thread
 * inside a synchronous SQLite step cannot be stopped.
 */
import { z } from 'zod';
import { AgentcrateError } from '../../errors.js';
import { configNumber, configString, parseArgs } from '../args.js';
import { confinePath } from '../confine.js';
import type { ToolDefinition } from '../types.js';
import { assertReadOnlySql } from './sql-guard.js';
import { runSqlJob } from './sql-process.js';

const DEFAULT_MAX_ROWS = 100;
const DEFAULT_MAX_CONCURRENT = 2;
const MAX_CELL_CHARS = 10_000;
/** SQLite's limit on one string or blob (SQLITE_LIMIT_LENGTH): bounds what one value can take. */
const MAX_VALUE_BYTES = 16 * 1024 * 1024;

const sqlInput = z.object({
  query: z
    .string()
    .min(1)
    .describe('One read-only SQL statement (SELECT, WITH ... SELECT, EXPLAIN or a reading PRAGMA).'),
  params: z
    .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
    .optional()
    .describe('Values for ? placeholders, in order.'),
  database: z
    .string()
    .optional()
    .describe('SQLite file to query, inside the allowed paths (default: the tool config `database`).'),
});

export const sqlQueryTool: ToolDefinition = {
  name: 'sql_query',
  aliases: [],
  description:
    'Run one read-only SQL query (SELECT/WITH/EXPLAIN/PRAGMA) on a SQLite database. Returns columns and rows (row count capped).',
  inputSchema: sqlInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('sql_query', sqlInput, args);
    assertReadOnlySql(input.query);
    const configured = configString(ctx.config, 'database') ?? configString(ctx.config, 'db_path');
    const requested = input.database ?? configured;
    let database = ':memory:';
    if (requested !== undefined && requested !== ':memory:') {
      const target = await confinePath(requested, ctx.cwd, ctx.allowedPaths, 'database');
      if (!target.exists) {
        throw new AgentcrateError('E_TOOL', `sql_query: database '${requested}' does not exist`);
      }
      database = target.real;
    }
    const maxRows = configNumber(ctx.config, 'max_rows', DEFAULT_MAX_ROWS);
    const params = (input.params ?? []).map((value) => (typeof value === 'boolean' ? Number(value) : value));
    const answer = await runSqlJob(
      {
        database,
        query: input.query,
        params,
        maxRows,
        maxCellChars: MAX_CELL_CHARS,
        maxValueBytes: MAX_VALUE_BYTES,
      },
      {
        timeoutMs: configNumber(ctx.config, 'timeout_seconds', 10) * 1000,
        maxConcurrent: Math.floor(configNumber(ctx.config, 'max_concurrent', DEFAULT_MAX_CONCURRENT)),
        heapMb: 64,
        maxAnswerBytes: 4 * maxRows * MAX_CELL_CHARS + 65_536,
      },
      ctx.signal,
    );
    if (!answer.ok) {
      const readonly = /readonly|read-only/i.test(answer.message ?? '');
      throw new AgentcrateError(
        readonly ? 'E_TOOL_DENIED' : 'E_TOOL',
        `sql_query: ${answer.message ?? 'the query failed'}${readonly ? ' (the database is opened read-only)' : ''}`,
      );
    }
    const rows = answer.rows ?? [];
    return {
      columns: answer.columns ?? [],
      rows,
      row_count: rows.length,
      truncated: answer.truncated === true,
    };
  },
};
