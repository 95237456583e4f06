/**
 * The file tools: read, write, glob (list) and move, each confined to `ctx.allowedPaths`
 * through `confinePath`, which checks real (symlink-resolved) locations.
 */
import { createReadStream } from 'node:fs';
import { appendFile, copyFile, glob, lstat, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AgentcrateError } from '../../errors.js';
import { capText, configNumber, errorMessage, parseArgs } from '../args.js';
import { confinePath, isInside, outside } from '../confine.js';
import type { ToolContext, ToolDefinition } from '../types.js';

const DEFAULT_READ_CHARS = 50_000;
const DEFAULT_GLOB_RESULTS = 200;

/** Shows a path relative to the working directory when it is inside it, so it can be fed back. */
export function shown(ctx: ToolContext, absolute: string): string {
  const relative = path.relative(ctx.cwd, absolute);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
}

export function ioError(tool: string, target: string, error: unknown): AgentcrateError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EISDIR'
        ? 'is a directory'
        : code === 'ENOTDIR'
          ? 'a parent is not a directory'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : errorMessage(error);
  return new AgentcrateError('E_TOOL', `${tool}: '${target}': ${reason}`, {
    cause: error,
    details: { code },
  });
}

async function readCapped(file: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = createReadStream(file, { start: 0, end: Math.max(0, maxBytes - 1) });
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).byteLength;
  }
  return Buffer.concat(chunks, total);
}

const readInput = z.object({
  path: z
    .string()
    .min(1)
    .describe('File to read, relative to the working directory or absolute (inside the allowed paths).'),
});

export const fileReadTool: ToolDefinition = {
  name: 'file_read',
  aliases: ['read_file'],
  description:
    'Read a text file (UTF-8) inside the allowed paths. Returns its content (long files are truncated) and size.',
  inputSchema: readInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('file_read', readInput, args);
    const target = await confinePath(input.path, ctx.cwd, ctx.allowedPaths);
    const info = await stat(target.real).catch((error: unknown) => {
      throw ioError('file_read', input.path, error);
    });
    if (info.isDirectory()) {
      throw new AgentcrateError(
        'E_TOOL',
        `file_read: '${input.path}' is a directory; use file_glob to list it`,
      );
    }
    const maxChars = configNumber(ctx.config, 'max_chars', DEFAULT_READ_CHARS);
    // Reading a few bytes per character past the cap is enough to know the text was cut.
    const buffer = await readCapped(target.real, maxChars * 4 + 4).catch((error: unknown) => {
      throw ioError('file_read', input.path, error);
    });
    if (buffer.subarray(0, 8000).includes(0)) {
      throw new AgentcrateError(
        'E_TOOL',
        `file_read: '${input.path}' looks like a binary file; only text files can be read`,
      );
    }
    const content = capText(buffer.toString('utf8'), maxChars);
    return {
      path: shown(ctx, target.resolved),
      size: info.size,
      content: content.text,
      truncated: content.truncated || info.size > buffer.byteLength,
    };
  },
};

const writeInput = z.object({
  path: z
    .string()
    .min(1)
    .describe('File to write, relative to the working directory (parent folders are created).'),
  content: z.string().describe('Text to write (UTF-8).'),
  append: z.boolean().optional().describe('Append to the file instead of replacing it (default false).'),
});

export const fileWriteTool: ToolDefinition = {
  name: 'file_write',
  aliases: ['write_file'],
  description:
    'Write text to a file inside the allowed paths, creating parent folders as needed. Replaces the file unless append is true. Returns the bytes written.',
  inputSchema: writeInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('file_write', writeInput, args);
    const written = await writeConfined(
      'file_write',
      input.path,
      () => input.content,
      ctx,
      input.append === true,
    );
    return { path: written.path, bytes_written: written.bytes, appended: input.append === true };
  },
};

/**
 * Writes (or appends) text to a confined path for a writing tool: refuses a directory and text
 * over `max_write_bytes`, creates parent folders, and writes to the checked real path — not the
 * given one, so a symlink swapped in after the check is not followed. `content` is made after
 * the path passed its check, so a refused path costs nothing.
 */
export async function writeConfined(
  tool: string,
  target: string,
  content: () => string,
  ctx: ToolContext,
  append = false,
): Promise<{ path: string; bytes: number }> {
  const confined = await confinePath(target, ctx.cwd, ctx.allowedPaths);
  if (confined.exists && (await stat(confined.real)).isDirectory()) {
    throw new AgentcrateError('E_TOOL', `${tool}: '${target}' is a directory`);
  }
  const text = content();
  const maxBytes = configNumber(ctx.config, 'max_write_bytes', 10_000_000);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new AgentcrateError(
      'E_TOOL',
      `${tool}: the content is ${bytes} bytes, over the ${maxBytes}-byte limit`,
    );
  }
  try {
    await mkdir(path.dirname(confined.real), { recursive: true });
    await (append ? appendFile : writeFile)(confined.real, text, 'utf8');
  } catch (error) {
    throw ioError(tool, target, error);
  }
  return { path: shown(ctx, confined.resolved), bytes };
}

const globInput = z.object({
  pattern: z
    .string()
    .optional()
    .describe("Glob pattern, e.g. '*.md', '**/*.json', 'data/*.csv' (default '*': the folder's entries)."),
  path: z
    .string()
    .optional()
    .describe("Folder to search in, relative to the working directory (default '.')."),
});

export const fileGlobTool: ToolDefinition = {
  name: 'file_glob',
  aliases: ['list_directory'],
  description:
    "Find files and folders matching a glob pattern inside the allowed paths (e.g. '**/*.md'). With no pattern, lists a folder.",
  inputSchema: globInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('file_glob', globInput, args);
    const pattern = input.pattern?.trim() || '*';
    if (path.isAbsolute(pattern) || pattern.split(/[\\/]/).includes('..')) {
      throw new AgentcrateError(
        'E_TOOL_DENIED',
        `file_glob: pattern '${pattern}' must be relative and must not contain '..'; pass the folder as 'path' instead`,
      );
    }
    const base = await confinePath(input.path ?? '.', ctx.cwd, ctx.allowedPaths);
    if (!base.exists || !(await stat(base.real)).isDirectory()) {
      throw new AgentcrateError('E_TOOL', `file_glob: '${input.path ?? '.'}' is not a folder`);
    }
    const limit = configNumber(ctx.config, 'max_results', DEFAULT_GLOB_RESULTS);
    const matches: Array<{ path: string; type: 'file' | 'dir' }> = [];
    let truncated = false;
    for await (const relative of glob(pattern, { cwd: base.real })) {
      if (matches.length >= limit) {
        truncated = true;
        break;
      }
      const absolute = path.join(base.real, relative);
      // Symlinked entries are only listed when their target is inside the allowed paths too.
      const checked = await confinePath(absolute, ctx.cwd, ctx.allowedPaths).catch(() => undefined);
      if (!checked) continue;
      const info = await stat(checked.real).catch(() => undefined);
      if (!info) continue;
      matches.push({
        path: shown(ctx, path.join(base.resolved, relative)),
        type: info.isDirectory() ? 'dir' : 'file',
      });
    }
    matches.sort((a, b) => a.path.localeCompare(b.path));
    return { pattern, base: shown(ctx, base.resolved), matches, count: matches.length, truncated };
  },
};

const moveInput = z.object({
  source: z.string().min(1).describe('File or folder to move.'),
  destination: z.string().min(1).describe('New path (parent folders are created).'),
  overwrite: z.boolean().optional().describe('Replace an existing destination file (default false).'),
});

export const fileMoveTool: ToolDefinition = {
  name: 'file_move',
  aliases: [],
  description: 'Move or rename a file or folder; both ends must be inside the allowed paths.',
  inputSchema: moveInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('file_move', moveInput, args);
    const source = await confinePath(input.source, ctx.cwd, ctx.allowedPaths, 'source');
    const destination = await confinePath(input.destination, ctx.cwd, ctx.allowedPaths, 'destination');
    if (!source.exists)
      throw ioError('file_move', input.source, Object.assign(new Error('missing'), { code: 'ENOENT' }));
    for (const [end, given] of [
      [source, input.source],
      [destination, input.destination],
    ] as const) {
      if (!ctx.allowedPaths.some((root) => isInside(end.entry, root)))
        throw outside('path', given, ctx.allowedPaths);
    }
    if (ctx.allowedPaths.includes(source.entry)) {
      throw new AgentcrateError(
        'E_TOOL_DENIED',
        `file_move: '${input.source}' is an allowed root itself; refusing to move it`,
      );
    }
    if (isInside(destination.entry, source.entry)) {
      throw new AgentcrateError('E_TOOL', `file_move: cannot move '${input.source}' into itself`);
    }
    if (destination.exists) {
      const existing = await lstat(destination.entry);
      if (existing.isDirectory() || !input.overwrite) {
        throw new AgentcrateError(
          'E_TOOL',
          `file_move: destination '${input.destination}' already exists${existing.isDirectory() ? ' (a folder)' : '; pass overwrite: true to replace it'}`,
        );
      }
    }
    try {
      await mkdir(path.dirname(destination.entry), { recursive: true });
      await rename(source.entry, destination.entry).catch(async (error: NodeJS.ErrnoException) => {
        // Across filesystems rename fails; copy then delete (regular files only).
        if (error.code !== 'EXDEV' || !(await lstat(source.entry)).isFile()) throw error;
        await copyFile(source.entry, destination.entry);
        await unlink(source.entry);
      });
    } catch (error) {
      throw ioError('file_move', input.source, error);
    }
    return {
      source: shown(ctx, source.resolved),
      destination: shown(ctx, destination.resolved),
      moved: true,
    };
  },
};
