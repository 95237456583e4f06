/**
 * `--batch`: JSON lines in (one input object per line; blank lines skipped), one result line
 * out per input, in input order, while up to `concurrency` runs are in flight. A bad line or a
 * failed run is a result line like any other: the batch goes on. Lines are read only as fast
 * as results drain (at most `window` inputs between the oldest unwritten result and the newest
 * started run), so memory stays bounded however long the input and however slow one run.
 *
 * Results that are ready in the same turn of the event loop go out in one write: Node writes
 * to a pipe synchronously, and a container's stdout is a pipe to the engine, so a write per
 * line would block on the engine's reader a thousand times for a thousand inputs
 * (BENCHMARKS.md, one-shot images).
 */
import { parseInputObject } from './input.js';
import { EXIT_BAD_INPUT, exitCodeOf, type OneshotResult } from './result.js';

export interface BatchLine extends OneshotResult {
  /** 0-based position among the inputs. */
  index: number;
  /** 1-based line of the input file. */
  line: number;
}

export interface BatchSummary {
  total: number;
  succeeded: number;
  failed: number;
  /** Inputs that were not a valid input of the workflow (counted in `failed` too). */
  badInput: number;
}

export interface BatchOptions {
  concurrency: number;
  /** How far results may run ahead of the oldest unwritten one (default 64 × concurrency). */
  window?: number;
  run(input: Record<string, unknown>, index: number): Promise<OneshotResult>;
  /** A result for an input that could not be read (the error it raised). */
  failure(error: unknown): OneshotResult;
  /**
   * Writes result lines (without their newlines), in order; awaited, so a slow reader slows
   * the batch. Each call carries every line that became writable since the previous one.
   */
  write(lines: string[]): Promise<void> | void;
  onProgress?(summary: BatchSummary): void;
}

export async function runBatch(lines: AsyncIterable<string>, opts: BatchOptions): Promise<BatchSummary> {
  const window = opts.window ?? opts.concurrency * 64;
  const summary: BatchSummary = { total: 0, succeeded: 0, failed: 0, badInput: 0 };
  const done = new Map<number, string>();
  let nextToWrite = 0;
  /** Results whose write has completed. */
  let written = 0;
  let inFlight = 0;
  /** Lines in input order, waiting for the write in progress (or the next turn) to end. */
  const ready: string[] = [];
  let pumping: Promise<void> | undefined;
  let writeFailed: { error: unknown } | undefined;
  // Resolved whenever a run finishes or a line is written, so the reader can go on.
  let wake: (() => void) | undefined;
  const waitForChange = () => new Promise<void>((resolve) => (wake = resolve));
  const changed = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  // Starts after the current turn (setImmediate runs once this turn's I/O is handled), so
  // every result that settled in it is in the first write; then writes what piled up meanwhile.
  const pump = () =>
    new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      try {
        while (ready.length > 0 && writeFailed === undefined) {
          const lines = ready.splice(0, ready.length);
          await opts.write(lines);
          written += lines.length;
          changed();
        }
      } catch (error) {
        writeFailed = { error };
        changed();
      } finally {
        pumping = undefined;
      }
    });

  const flush = () => {
    while (done.has(nextToWrite)) {
      ready.push(done.get(nextToWrite) as string);
      done.delete(nextToWrite);
      nextToWrite++;
    }
    if (ready.length > 0 && pumping === undefined) pumping = pump();
  };

  const settle = (index: number, lineNo: number, result: OneshotResult) => {
    if (result.status === 'success') summary.succeeded++;
    else summary.failed++;
    if (exitCodeOf(result) === EXIT_BAD_INPUT) summary.badInput++;
    const line: BatchLine = { index, line: lineNo, ...result };
    done.set(index, JSON.stringify(line));
    flush();
    opts.onProgress?.(summary);
  };

  let index = 0;
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    if (raw.trim() === '') continue;
    while ((inFlight >= opts.concurrency || index - written >= window) && writeFailed === undefined)
      await waitForChange();
    if (writeFailed !== undefined) break;
    const i = index++;
    const at = lineNo;
    summary.total++;
    let input: Record<string, unknown>;
    try {
      input = parseInputObject(raw, `line ${at}`);
    } catch (error) {
      settle(i, at, opts.failure(error));
      continue;
    }
    inFlight++;
    void opts
      .run(input, i)
      .catch((error: unknown) => opts.failure(error))
      .then((result) => {
        inFlight--;
        settle(i, at, result);
        changed();
      });
  }
  while (inFlight > 0) await waitForChange();
  // A pump may still be writing, or finish with lines that settled during its last write.
  while (pumping !== undefined) {
    await pumping;
    if (ready.length > 0 && writeFailed === undefined) pumping = pump();
  }
  if (writeFailed !== undefined) throw writeFailed.error;
  return summary;
}
