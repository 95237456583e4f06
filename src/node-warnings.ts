/**
 * Node 22 prints "ExperimentalWarning: SQLite is an experimental feature" the first time a
 * thread loads `node:sqlite`; every store command would show it although agentcrate depends
 * on that module deliberately (Node 24 no longer warns). Other warnings still print.
 */

const SQLITE_WARNING = /^SQLite is an experimental feature/;
let installed = false;

/** Drops SQLite's ExperimentalWarning in this thread; idempotent. Call before node:sqlite loads. */
export function hideSqliteExperimentalWarning(): void {
  if (installed) return;
  installed = true;
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const message = typeof warning === 'string' ? warning : warning.message;
    if (SQLITE_WARNING.test(message)) return;
    (emit as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}

/**
 * `execArgv` for worker threads that open SQLite: a worker does not share the main thread's
 * `process.emitWarning`, and the flag only names the warning's type, so it is kept to workers
 * that run nothing but their own SQLite code.
 */
export const SQLITE_WORKER_EXEC_ARGV: readonly string[] = ['--disable-warning=ExperimentalWarning'];
