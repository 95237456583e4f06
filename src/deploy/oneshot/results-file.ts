/**
 * `exec --batch --output FILE`: the file the result lines go to. Whether it can be written is
 * checked before any image is built or container started (a batch of hours should not end in
 * "no such directory"); a write that fails later (a full disk) stops the container and is
 * reported as what it is — the results file could not be written — naming the file.
 */
import { accessSync, constants, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AgentcrateError } from '../../errors.js';

function cannotWrite(path: string, reason: string, cause?: unknown): AgentcrateError {
  return new AgentcrateError(
    'E_IO',
    `cannot write the batch results to ${path}: ${reason}; create its directory, free space or fix its permissions, or pass another --output`,
    { details: { output: path }, ...(cause !== undefined ? { cause } : {}) },
  );
}

function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code !== undefined ? `${e.code} (${e.message})` : String((error as Error)?.message ?? error);
}

/** Throws E_IO when `path` cannot be opened for writing (missing directory, no permission, a directory). */
export function checkResultsFile(path: string): void {
  const full = resolve(path);
  try {
    const st = statSync(full, { throwIfNoEntry: false });
    if (st?.isDirectory()) throw cannotWrite(path, 'it is a directory');
    if (st !== undefined) accessSync(full, constants.W_OK);
    else {
      const dir = dirname(full);
      if (!statSync(dir).isDirectory()) throw cannotWrite(path, `${dir} is not a directory`);
      accessSync(dir, constants.W_OK);
    }
  } catch (error) {
    if (error instanceof AgentcrateError) throw error;
    throw cannotWrite(path, reasonOf(error), error);
  }
}

export interface ResultsFile {
  stream: WriteStream;
  /** Aborted when a write fails (stop the container: its results have nowhere to go). */
  failed: AbortSignal;
  /** Ends the file; throws E_IO if any write (or the end) failed. */
  close(): Promise<void>;
}

export function openResultsFile(path: string): ResultsFile {
  const stream = createWriteStream(path);
  const controller = new AbortController();
  let failure: unknown;
  stream.on('error', (error) => {
    failure ??= error;
    controller.abort(cannotWrite(path, reasonOf(error), error));
  });
  return {
    stream,
    failed: controller.signal,
    close: async () => {
      if (failure === undefined && !stream.destroyed) {
        await new Promise<void>((done) => stream.end(done));
      }
      if (failure !== undefined) throw cannotWrite(path, reasonOf(failure), failure);
    },
  };
}
