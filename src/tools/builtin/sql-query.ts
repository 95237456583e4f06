/**
 * `sql_query`: read-only SQL over a SQLite file (built-in `node:sqlite`). The query runs in
 * a worker thread because node:sqlite is synchronous: a runaway query (a recursive CTE
 * without end) would otherwise freeze the whole process; the worker is terminated at the
 * timeout instead.
 */
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { AgentcrateError } from '../../errors.js';
import { configNumber, configString, parseArgs } from '../args.js';
import { confinePath } from '../confine.js';
import type { ToolDefinition } from '../types.js';
import { assertReadOnlySql } from './sql-guard.js';

const DEFAULT_MAX_ROWS = 100;

// Plain JS so it runs as an `eval` worker whatever the build does with the TypeScript files.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
function cell(value) {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return '<blob ' + value.byteLength + ' bytes>';
  return value;
}
let db;
try {
  db = workerData.database === ':memory:'
    ? new DatabaseSync(':memory:')
    : new DatabaseSync(workerData.database, { readOnly: true, allowExtension: false, timeout: 2000 });
  const statement = db.prepare(workerData.query);
  const columns = statement.columns().map((c) => c.name);
  const rows = [];
  let truncated = false;
  for (const row of statement.iterate(...workerData.params)) {
    if (rows.length >= workerData.maxRows) { truncated = true; break; }
    const out = {};
    for (const key of Object.keys(row)) out[key] = cell(row[key]);
    rows.push(out);
  }
  parentPort.postMessage({ ok: true, columns, rows, truncated });
} catch (error) {
  parentPort.postMessage({ ok: false, message: String(error && error.message || error), code: error && error.code });
} finally {
  try { db && db.close(); } catch {}
}
`;

interface WorkerAnswer {
  ok: boolean;
  columns?: string[];
  rows?: Array<Record<string, unknown>>;
  truncated?: boolean;
  message?: string;
}

function runInWorker(
  data: { database: string; query: string; params: unknown[]; maxRows: number },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<WorkerAnswer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
    let settled = false;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      action();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new AgentcrateError(
              'E_TOOL',
              `sql_query: the query ran longer than ${timeoutMs / 1000}s and was stopped`,
            ),
          ),
        ),
      timeoutMs,
    );
    const onAbort = () => finish(() => reject(new AgentcrateError('E_CANCELLED', 'sql_query: cancelled')));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (answer: WorkerAnswer) => finish(() => resolve(answer)));
    worker.once('error', (error) =>
      finish(() => reject(new AgentcrateError('E_TOOL', `sql_query: ${error.message}`, { cause: error }))),
    );
    worker.once('exit', (code) =>
      finish(() =>
        reject(new AgentcrateError('E_TOOL', `sql_query: the query worker exited early (code ${code})`)),
      ),
    );
  });
}

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
    const timeoutMs = configNumber(ctx.config, 'timeout_seconds', 10) * 1000;
    const params = (input.params ?? []).map((value) => (typeof value === 'boolean' ? Number(value) : value));
    const answer = await runInWorker(
      { database, query: input.query, params, maxRows },
      timeoutMs,
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
