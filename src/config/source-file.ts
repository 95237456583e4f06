/**
 * Reading a configuration file's text (a workflow, a gateway configuration): one place that
 * turns the file system's error into a sentence a user can act on (`E_IO`), so every loader
 * says "no such file" or "it is a directory" the same way instead of an errno.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AgentcrateError } from '../errors.js';

/** The file's absolute path and text. Throws `E_IO` "cannot read <what> <path>: <why>". */
export async function readSourceFile(path: string, what: string): Promise<{ file: string; source: string }> {
  const file = resolve(path);
  try {
    return { file, source: await readFile(file, 'utf8') };
  } catch (err) {
    throw new AgentcrateError('E_IO', `cannot read ${what} ${path}: ${unreadableBecause(err)}`, {
      cause: err,
      details: { file },
    });
  }
}

/** Why a file could not be read, in words rather than an errno. */
function unreadableBecause(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}
