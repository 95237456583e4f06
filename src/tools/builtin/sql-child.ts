/**
 * The source of the process one `sql_query` call runs in. node:sqlite is synchronous and a
 * thread stuck inside SQLite cannot be stopped (`worker.terminate()` waits for the step to
 * return, which an endless recursive CTE never does), so the query runs in its own process,
 * which the parent can kill. Inside it, the query runs on a worker thread so that the main
 * thread stays free to notice its parent going away (stdin closes) and its own deadline, and
 * then to SIGKILL itself: no query outlives the run that started it, even after a kill -9 of
 * the server.
 *
 * Plain CommonJS in strings, passed with `-e`, so it runs the same from the sources, `dist/`
 * and the server bundle.
 */

/** Runs on the worker: open read-only, run one statement, cap rows and cells. */
const QUERY_SOURCE = `
const { parentPort, workerData: job } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
function cell(value) {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return '<blob ' + value.byteLength + ' bytes>';
  if (typeof value === 'string' && value.length > job.maxCellChars) {
    return value.slice(0, job.maxCellChars) + '… [truncated ' + (value.length - job.maxCellChars) + ' characters]';
  }
  return value;
}
let db;
try {
  const limits = { length: job.maxValueBytes, attach: 0 };
  db = job.database === ':memory:'
    ? new DatabaseSync(':memory:', { limits })
    : new DatabaseSync(job.database, { readOnly: true, allowExtension: false, timeout: 2000, limits });
  const statement = db.prepare(job.query);
  const columns = statement.columns().map((c) => c.name);
  const rows = [];
  let truncated = false;
  for (const row of statement.iterate(...job.params)) {
    if (rows.length >= job.maxRows) { truncated = true; break; }
    const out = {};
    for (const key of Object.keys(row)) out[key] = cell(row[key]);
    rows.push(out);
  }
  parentPort.postMessage({ ok: true, columns, rows, truncated });
} catch (error) {
  parentPort.postMessage({ ok: false, message: String((error && error.message) || error) });
} finally {
  try { if (db) db.close(); } catch {}
}
`;

/** Runs as the process's main script: read the job, start the worker, answer, watch. */
export const SQL_CHILD_SOURCE = String.raw`
'use strict';
const { Worker } = require('node:worker_threads');
const QUERY_SOURCE = ${JSON.stringify(QUERY_SOURCE)};
const die = () => process.kill(process.pid, 'SIGKILL');
let buffered = '';
let started = false;
process.stdin.setEncoding('utf8');
// The parent never closes our stdin while it waits: EOF means it is gone or gave up.
process.stdin.on('end', die);
process.stdin.on('error', die);
process.stdin.on('data', (chunk) => {
  if (started) return;
  buffered += chunk;
  const newline = buffered.indexOf('\n');
  if (newline < 0) return;
  started = true;
  const job = JSON.parse(buffered.slice(0, newline));
  setTimeout(die, job.deadlineMs);
  const worker = new Worker(QUERY_SOURCE, {
    eval: true,
    workerData: job,
    resourceLimits: { maxOldGenerationSizeMb: job.heapMb, maxYoungGenerationSizeMb: 16 },
  });
  const answer = (message) => process.stdout.write(JSON.stringify(message) + '\n', () => process.exit(0));
  worker.once('message', answer);
  worker.once('error', (error) => answer({ ok: false, message: String((error && error.message) || error) }));
});
`;
