/**
 * Path confinement for the file tools (and sql_query's database, shell's cwd). A path is
 * allowed only when its *real* location (symlinks resolved) lies inside one of the real
 * allowed roots, so `..` traversal, absolute paths elsewhere and symlink escapes all fail
 * the same check instead of each needing its own rule.
 */

import { realpathSync } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AgentcrateError } from '../errors.js';

/**
 * The real paths the file tools may touch: `allowed_paths` from the tool config (a list or a
 * comma-separated string), else the `ALLOWED_PATHS` environment variable (the Python
 * project's setting, comma-separated), else the working directory. Relative entries are
 * resolved against `cwd`. An entry that does not exist yet is kept, with its nearest
 * existing ancestor resolved, so a workflow may allow an output folder it is about to create.
 */
export function resolveAllowedPaths(
  toolConfig: Record<string, unknown>,
  cwd: string,
  env: Record<string, string | undefined> = {},
): string[] {
  const configured = toList(toolConfig.allowed_paths ?? toolConfig.allowedPaths);
  const fromEnv = configured.length === 0 ? toList(env.ALLOWED_PATHS) : [];
  const entries = configured.length > 0 ? configured : fromEnv.length > 0 ? fromEnv : [cwd];
  const roots = entries.map((entry) => realpathOfNearestSync(path.resolve(cwd, expandHome(entry, env))));
  return [...new Set(roots)];
}

function toList(value: unknown): string[] {
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  }
  if (Array.isArray(value)) {
    return value.filter((part): part is string => typeof part === 'string' && part.trim() !== '');
  }
  return [];
}

function expandHome(entry: string, env: Record<string, string | undefined>): string {
  const home = env.HOME;
  if (home && (entry === '~' || entry.startsWith('~/'))) return path.join(home, entry.slice(1));
  return entry;
}

function realpathOfNearestSync(absolute: string): string {
  const rest: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      return path.join(realpathSync(current), ...rest);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return absolute;
      rest.unshift(path.basename(current));
      current = parent;
    }
  }
}

export function isInside(candidate: string, root: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate.startsWith(prefix);
}

export interface ConfinedPath {
  /** The path as resolved against cwd (what the user meant). */
  resolved: string;
  /** The real location (symlinks resolved; for a new file, its nearest existing ancestor's). */
  real: string;
  /** Whether the path exists now. */
  exists: boolean;
  /**
   * Where the entry itself lives: the real parent folder joined with the last name, without
   * following a final symlink. Renames act on this, not on a link's target.
   */
  entry: string;
}

/**
 * Resolves `target` against `cwd` and proves it lies inside `allowedPaths`. Works for files
 * that do not exist yet (writes, move destinations): the nearest existing ancestor is
 * resolved and the missing tail appended, since a missing tail cannot contain symlinks.
 */
export async function confinePath(
  target: string,
  cwd: string,
  allowedPaths: string[],
  what = 'path',
): Promise<ConfinedPath> {
  if (target.includes('\0')) {
    throw new AgentcrateError('E_TOOL_DENIED', `${what} '${printable(target)}' contains a NUL byte`);
  }
  const resolved = path.resolve(cwd, target);
  const rest: string[] = [];
  let current = resolved;
  let real: string | undefined;
  let exists = true;
  for (;;) {
    const stat = await lstat(current).catch(() => undefined);
    if (stat) {
      try {
        real = path.join(await realpath(current), ...rest);
      } catch {
        // A dangling symlink: writing through it would create its (unchecked) target.
        throw new AgentcrateError(
          'E_TOOL_DENIED',
          `${what} '${printable(target)}' goes through a broken symlink (${current}); refusing to follow it`,
        );
      }
      break;
    }
    exists = false;
    const parent = path.dirname(current);
    if (parent === current) {
      real = resolved;
      break;
    }
    rest.unshift(path.basename(current));
    current = parent;
  }
  const entry = exists ? path.join(await realpath(path.dirname(resolved)), path.basename(resolved)) : real;
  if (!allowedPaths.some((root) => isInside(real, root))) {
    throw outside(what, target, allowedPaths);
  }
  return { resolved, real, exists, entry };
}

export function outside(what: string, target: string, allowedPaths: string[]): AgentcrateError {
  return new AgentcrateError(
    'E_TOOL_DENIED',
    `${what} '${printable(target)}' is outside allowed_paths (${allowedPaths.join(', ')}); ` +
      "add its folder to the node's tool_config.allowed_paths to allow it",
    { details: { path: target, allowedPaths } },
  );
}

function printable(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}…` : value.replace(/\0/g, '\\0');
}
