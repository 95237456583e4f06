/**
 * Background WAL checkpointing. Copying the WAL back into the database file (and its fsyncs)
 * is the most expensive thing SQLite does under steady writes; done inline it stalls the
 * event loop every ~1,000 pages. A worker thread with its own connection runs PASSIVE
 * checkpoints instead: they never block the writer, and the fsyncs happen off the main
 * thread. This connection only checkpoints; all queries stay on the store's one connection,
 * whose own auto-checkpoint remains as a backstop should this worker fall behind or fail.
 *
 * The worker is inline source (eval) so bundling the server into one file keeps it working.
 */
import { Worker } from 'node:worker_threads';
import { SQLITE_WORKER_EXEC_ARGV } from '../../node-warnings.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
let db;
let timer;
try {
  db = new DatabaseSync(workerData.file);
  db.exec('PRAGMA busy_timeout = 100');
  db.exec('PRAGMA synchronous = NORMAL');
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  timer = setInterval(() => {
    try { checkpoint.get(); } catch { /* busy or transient: the next tick retries */ }
  }, workerData.intervalMs);
} catch {
  // Cannot open a second connection: the store's auto-checkpoint still bounds the WAL.
}
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  if (timer) clearInterval(timer);
  try { db?.close(); } catch {}
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs = 200): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, intervalMs },
    execArgv: [...SQLITE_WORKER_EXEC_ARGV],
  });
  worker.unref(); // never keeps the process alive on its own
  worker.on('error', () => {
    // Nothing to recover: the store's own auto-checkpoint takes over.
  });
  let exited = false;
  worker.once('exit', () => {
    exited = true;
  });
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (exited) return resolve();
        const fallback = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
        worker.once('exit', () => {
          clearTimeout(fallback);
          resolve();
        });
        worker.postMessage('stop');
      });
      return stopped;
    },
  };
}
