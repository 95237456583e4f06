/**
 * The programs `process` started in the background, per run: a run sees and stops only its
 * own. Each ends at its time limit, when its run is cancelled or fails, or when agentcrate
 * exits (a synchronous exit hook kills every process group still running). Finished entries
 * are kept a while so their output can be read, then dropped.
 */
import type { ProgramHandle } from './run-program.js';

export interface BackgroundEntry {
  runId: string;
  pid: number;
  command: string;
  startedAt: number;
  handle: ProgramHandle;
  /** Set when the process has exited. */
  end?: { at: number; code: number | null; signal: NodeJS.Signals | null; reason?: string };
  /** Kills the process group, saying why (kept as the end's reason). */
  stop?: (why: string) => void;
  /** Resolves once `end` is set. */
  ended?: Promise<void>;
}

const KEEP_FINISHED_MS = 10 * 60_000;
const entries = new Map<number, BackgroundEntry>();
let exitHook = false;

export function runningCount(runId: string): number {
  let count = 0;
  for (const entry of entries.values()) if (entry.runId === runId && entry.end === undefined) count += 1;
  return count;
}

export function entriesOf(runId: string): BackgroundEntry[] {
  return [...entries.values()].filter((entry) => entry.runId === runId);
}

export function entryOf(runId: string, pid: number): BackgroundEntry | undefined {
  const entry = entries.get(pid);
  return entry?.runId === runId ? entry : undefined;
}

/**
 * Tracks a started program: stops it at `timeoutMs` or when `signal` aborts, records its end.
 */
export function track(entry: BackgroundEntry, timeoutMs: number, signal: AbortSignal): void {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const running of entries.values()) if (running.end === undefined) running.handle.kill();
    });
  }
  entries.set(entry.pid, entry);
  let reason: string | undefined;
  const stop = (why: string) => {
    reason ??= why;
    entry.handle.kill();
  };
  entry.stop = stop;
  const timer = setTimeout(() => stop(`ran longer than ${timeoutMs / 1000}s`), timeoutMs);
  timer.unref();
  const onAbort = () => stop('its run was cancelled or failed');
  signal.addEventListener('abort', onAbort, { once: true });
  entry.ended = entry.handle.exited
    .then(
      ({ code, signal: killedBy }) => ({ code, signal: killedBy }),
      () => ({ code: null, signal: null }),
    )
    .then(({ code, signal: killedBy }) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      entry.end = { at: Date.now(), code, signal: killedBy, ...(reason ? { reason } : {}) };
      setTimeout(() => entries.delete(entry.pid), KEEP_FINISHED_MS).unref();
    });
}

/** Stops a program on request and waits until its end is recorded. */
export async function stopEntry(entry: BackgroundEntry): Promise<void> {
  if (entry.end === undefined) entry.stop?.('stopped on request');
  await entry.ended;
}
