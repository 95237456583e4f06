/**
 * Runs one `sql_query` job in a process of its own (see `sql-child.ts` for why a process and
 * not a thread) and kills it with SIGKILL at the time limit or when the run is cancelled. The
 * promise settles only after the process has exited, so when a call returns nothing of it is
 * left running. A process-wide gate bounds how many run at once.
 */
import { spawn } from 'node:child_process';
import { AgentcrateError } from '../../errors.js';
import { SQL_CHILD_SOURCE } from './sql-child.js';

/** Shown by `ps`, and what tests look for. */
export const SQL_PROCESS_TITLE = 'agentcrate-sql-query';

export interface SqlJob {
  database: string;
  query: string;
  params: unknown[];
  maxRows: number;
  maxCellChars: number;
  maxValueBytes: number;
}

export interface SqlAnswer {
  ok: boolean;
  columns?: string[];
  rows?: Array<Record<string, unknown>>;
  truncated?: boolean;
  message?: string;
}

export interface SqlLimits {
  timeoutMs: number;
  maxConcurrent: number;
  /** JS heap of the query's worker (rows as objects). */
  heapMb: number;
  /** The answer's size on the pipe; past it the process is killed. */
  maxAnswerBytes: number;
}

let running = 0;
const waiting: Array<() => void> = [];

/** Waits for a free slot (at most `limit` running), or rejects when the run is cancelled. */
async function acquire(limit: number, signal: AbortSignal): Promise<() => void> {
  while (running >= limit) {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = waiting.indexOf(wake);
        if (index >= 0) waiting.splice(index, 1);
        reject(cancelled());
      };
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      waiting.push(wake);
    });
  }
  running += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    running -= 1;
    waiting.shift()?.();
  };
}

function cancelled(): AgentcrateError {
  return new AgentcrateError('E_CANCELLED', 'sql_query: cancelled');
}

export async function runSqlJob(job: SqlJob, limits: SqlLimits, signal: AbortSignal): Promise<SqlAnswer> {
  const release = await acquire(limits.maxConcurrent, signal);
  try {
    return await runInProcess(job, limits, signal);
  } finally {
    release();
  }
}

function runInProcess(job: SqlJob, limits: SqlLimits, signal: AbortSignal): Promise<SqlAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelled());
    // An empty environment: the query needs none, and NODE_OPTIONS of the host (loaders,
    // inspectors) must not reach it. TZ keeps SQLite's 'localtime' the host's.
    const env: Record<string, string> = process.env.TZ === undefined ? {} : { TZ: process.env.TZ };
    const child = spawn(
      process.execPath,
      [`--title=${SQL_PROCESS_TITLE}`, '--no-warnings', '--max-old-space-size=64', '-e', SQL_CHILD_SOURCE],
      { stdio: ['pipe', 'pipe', 'pipe'], env, windowsHide: true },
    );
    let outcome: { answer: SqlAnswer } | { error: AgentcrateError } | undefined;
    let stdout = '';
    let stderr = '';
    const stop = (error: AgentcrateError) => {
      outcome ??= { error };
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () =>
        stop(
          new AgentcrateError(
            'E_TOOL',
            `sql_query: the query ran longer than ${limits.timeoutMs / 1000}s and was stopped`,
          ),
        ),
      limits.timeoutMs,
    );
    const onAbort = () => stop(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.length > limits.maxAnswerBytes) {
        stop(
          new AgentcrateError(
            'E_TOOL',
            'sql_query: the answer is too large; select fewer or shorter columns',
          ),
        );
        return;
      }
      const newline = stdout.indexOf('\n');
      if (newline >= 0 && outcome === undefined) {
        try {
          outcome = { answer: JSON.parse(stdout.slice(0, newline)) as SqlAnswer };
        } catch {
          outcome = { error: new AgentcrateError('E_TOOL', 'sql_query: the query process answered garbage') };
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 4_000) stderr += chunk;
    });
    // Ignored: the child may be gone before it read its job (an EPIPE here is reported by 'close').
    child.stdin.on('error', () => {});
    child.once('error', (error) =>
      stop(
        new AgentcrateError('E_TOOL', `sql_query: could not start the query process: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    // 'close' comes after the process exited and its pipes drained: nothing of it is left.
    child.once('close', (code, killedBy) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (outcome && 'answer' in outcome) return resolve(outcome.answer);
      if (outcome) return reject(outcome.error);
      const why = stderr.trim().split('\n').slice(-3).join(' ');
      reject(
        new AgentcrateError(
          'E_TOOL',
          `sql_query: the query process ended without an answer (${killedBy ?? `exit code ${code}`})${why ? `: ${why}` : ''}`,
        ),
      );
    });
    child.stdin.write(
      `${JSON.stringify({ ...job, deadlineMs: limits.timeoutMs + 1_000, heapMb: limits.heapMb })}\n`,
    );
  });
}
