/**
 * `--batch`: JSON lines in (one input object per line; blank lines skipped), one result line
 * out per input, in input order, while up to `concurrency` runs are in flight. A bad line or a
 * failed run is a result line like any other: the batch goes on. Lines are read only as fast
 * as results drain (at most `window` inputs between the oldest unwritten result and the newest
 * started run), so memory stays bounded however long the input and however slow one run.
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
  /** Writes one line (without its newline); awaited, so a slow reader slows the batch. */
  write(line: string): Promise<void> | void;
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
  let writing = Promise.resolve();
  // Resolved whenever a run finishes or a line is written, so the reader can go on.
  let wake: (() => void) | undefined;
  const waitForChange = () => new Promise<void>((resolve) => (wake = resolve));
  const changed = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const flush = () => {
    while (done.has(nextToWrite)) {
      const line = done.get(nextToWrite) as string;
      done.delete(nextToWrite);
      nextToWrite++;
      writing = writing
        .then(() => opts.write(line))
        .then(() => {
          written++;
          changed();
        });
    }
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
    while (inFlight >= opts.concurrency || index - written >= window) await waitForChange();
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
  await writing;
  return summary;
}
