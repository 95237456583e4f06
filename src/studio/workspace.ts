/**
 * The workflow files of the studio's folder. Every name the browser sends is a path relative
 * to that folder and is confined to it: no `..`, no absolute paths, no symlink that leads
 * out, and only `.yaml`, `.yml` or `.json` files. Writes go through a temporary file and a
 * rename, so a crash never leaves half a workflow behind.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { loadWorkflowFromString } from '../config/index.js';
import { MAX_SOURCE_BYTES } from '../config/load.js';
import type { Diagnostic, LoadResult } from '../config/types.js';
import { AgentcrateError } from '../errors.js';

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Folders never listed: dependencies, build output, VCS data and the deploy artifacts. */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'deploy', '.git']);
const MAX_DEPTH = 3;
const MAX_FILES = 500;

export interface WorkflowFileSummary {
  /** Path relative to the folder, with `/` separators. */
  name: string;
  flowName: string | null;
  valid: boolean;
  errors: number;
  warnings: number;
  /** The first error, for the list. */
  firstError: Diagnostic | null;
  bytes: number;
  modifiedMs: number;
}

export class Workspace {
  readonly root: string;
  readonly #skip: Set<string>;

  constructor(root: string, extraSkip: readonly string[] = []) {
    this.root = resolve(root);
    this.#skip = new Set([...SKIP_DIRS, ...extraSkip]);
  }

  /** Workflow files under the folder (three levels deep), sorted by name. */
  async list(): Promise<WorkflowFileSummary[]> {
    const found: string[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        if (found.length >= MAX_FILES) return;
        if (entry.name.startsWith('.')) continue;
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (depth < MAX_DEPTH && !this.#skip.has(entry.name)) await walk(full, depth + 1);
        } else if (entry.isFile() && EXTENSIONS.has(extname(entry.name).toLowerCase())) {
          found.push(full);
        }
      }
    };
    await walk(this.root, 1);
    const out: WorkflowFileSummary[] = [];
    for (const file of found) {
      const info = await stat(file);
      if (info.size > MAX_SOURCE_BYTES) continue;
      const text = await readFile(file, 'utf8');
      // JSON files are only workflows when they say so (package.json and friends are not).
      if (extname(file).toLowerCase() === '.json' && !/"schema_version"\s*:/.test(text)) continue;
      const result = validateText(text, file);
      out.push(summarise(this.nameOf(file), result, info.size, info.mtimeMs));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Reads one workflow file by its relative name. */
  async read(name: string): Promise<{ name: string; text: string; modifiedMs: number }> {
    const file = await this.resolveExisting(name);
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { name: this.nameOf(file), text, modifiedMs: info.mtimeMs };
  }

  /**
   * Writes a workflow file. `create` refuses to overwrite; otherwise the file must exist.
   * Invalid workflows are saved too (an author saves work in progress): validity is reported.
   */
  async write(name: string, text: string, opts: { create?: boolean } = {}): Promise<{ name: string }> {
    if (Buffer.byteLength(text) > MAX_SOURCE_BYTES) {
      throw new AgentcrateError(
        'E_PAYLOAD_TOO_LARGE',
        `the workflow is larger than ${MAX_SOURCE_BYTES} bytes; no workflow comes close`,
      );
    }
    const file = this.confine(name);
    let exists = true;
    try {
      await lstat(file);
    } catch {
      exists = false;
    }
    if (opts.create && exists) {
      throw new AgentcrateError('E_CONFLICT', `${name} already exists; choose another name or open it`, {
        details: { name },
      });
    }
    if (!opts.create && !exists) {
      throw new AgentcrateError('E_NOT_FOUND', `no workflow file ${name}; create it first`, {
        details: { name },
      });
    }
    await mkdir(dirname(file), { recursive: true });
    await this.checkInside(dirname(file));
    if (exists) await this.resolveExisting(name);
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, text, { encoding: 'utf8', mode: 0o644 });
      await rename(tmp, file);
    } catch (cause) {
      await unlink(tmp).catch(() => undefined);
      throw new AgentcrateError('E_IO', `cannot write ${name}: ${(cause as Error).message}`, { cause });
    }
    return { name: this.nameOf(file) };
  }

  /** The absolute path of `name` inside the folder, refusing anything that leads out. */
  confine(name: string): string {
    if (typeof name !== 'string' || name.trim() === '' || name.includes('\0')) {
      throw badName(name, 'a file name is required');
    }
    const clean = name.replaceAll('\\', '/');
    if (isAbsolute(clean) || clean.split('/').some((part) => part === '..' || part.startsWith('.'))) {
      throw badName(name, 'use a path inside the studio folder (no "..", no hidden files)');
    }
    if (!EXTENSIONS.has(extname(clean).toLowerCase())) {
      throw badName(name, 'workflow files end in .yaml, .yml or .json');
    }
    const file = resolve(this.root, clean);
    if (!file.startsWith(this.root + sep)) throw badName(name, 'the path leads outside the studio folder');
    return file;
  }

  async resolveExisting(name: string): Promise<string> {
    const file = this.confine(name);
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      throw new AgentcrateError('E_NOT_FOUND', `no workflow file ${name} in ${this.root}`, {
        details: { name },
      });
    }
    await this.checkInside(real);
    return file;
  }

  private async checkInside(path: string): Promise<void> {
    const real = await realpath(path);
    const rootReal = await realpath(this.root);
    if (real !== rootReal && !real.startsWith(rootReal + sep)) {
      throw badName(relative(this.root, path), 'it is a link that leads outside the studio folder');
    }
  }

  nameOf(file: string): string {
    return relative(this.root, file).split(sep).join('/');
  }
}

function badName(name: string, why: string): AgentcrateError {
  return new AgentcrateError('E_BAD_REQUEST', `'${String(name)}' is not a usable workflow name: ${why}`, {
    details: { name },
  });
}

/** The CLI's validator, exactly: `agentcrate validate` shows the same diagnostics. */
export function validateText(text: string, file?: string): LoadResult {
  return loadWorkflowFromString(text, file === undefined ? {} : { file });
}

function summarise(name: string, result: LoadResult, bytes: number, modifiedMs: number): WorkflowFileSummary {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  const flowName = result.workflow?.flow.name ?? null;
  return {
    name,
    flowName,
    valid: result.workflow !== undefined,
    errors: errors.length,
    warnings: result.diagnostics.length - errors.length,
    firstError: errors[0] ?? null,
    bytes,
    modifiedMs,
  };
}
