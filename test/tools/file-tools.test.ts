import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentcrateError } from '../../src/errors.js';
import { createToolRegistry, resolveAllowedPaths } from '../../src/tools/index.js';
import type { ToolContext } from '../../src/tools/types.js';
import { makeCtx, tempDir } from './helpers.js';

const tools = createToolRegistry();
const run = (name: string, args: unknown, ctx: ToolContext) => tools.get(name)!.run(args, ctx);

async function denied(promise: Promise<unknown>): Promise<AgentcrateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentcrateError);
  expect((error as AgentcrateError).code).toBe('E_TOOL_DENIED');
  return error as AgentcrateError;
}

describe('file tools confinement', () => {
  let root: string;
  let outside: string;
  let cleanups: Array<() => Promise<void>>;
  let ctx: ToolContext;

  beforeEach(async () => {
    const a = await tempDir();
    const b = await tempDir();
    root = a.dir;
    outside = b.dir;
    cleanups = [a.cleanup, b.cleanup];
    await writeFile(path.join(outside, 'secret.txt'), 'top secret');
    await mkdir(path.join(root, 'work'));
    await writeFile(path.join(root, 'work', 'notes.md'), '# Notes\nhello');
    await symlink(outside, path.join(root, 'escape'));
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'secret-link.txt'));
    await symlink(path.join(outside, 'not-yet.txt'), path.join(root, 'dangling.txt'));
    ctx = makeCtx({ cwd: root, allowedPaths: resolveAllowedPaths({}, root) });
  });
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('reads and writes inside the allowed path', async () => {
    const written = (await run(
      'file_write',
      { path: 'out/deep/report.txt', content: 'héllo' },
      ctx,
    )) as Record<string, unknown>;
    expect(written).toMatchObject({ path: path.join('out', 'deep', 'report.txt'), bytes_written: 6 });
    expect(await readFile(path.join(root, 'out/deep/report.txt'), 'utf8')).toBe('héllo');
    await run('write_file', { path: 'out/deep/report.txt', content: '!', append: true }, ctx);
    const read = (await run('read_file', { path: 'out/deep/report.txt' }, ctx)) as Record<string, unknown>;
    expect(read).toMatchObject({ content: 'héllo!', size: 7, truncated: false });
  });

  it('refuses ../ traversal for read and write', async () => {
    const rel = path.relative(root, path.join(outside, 'secret.txt'));
    expect(rel.startsWith('..')).toBe(true);
    const error = await denied(run('file_read', { path: rel }, ctx));
    expect(error.message).toContain('outside allowed_paths');
    await denied(run('file_write', { path: '../evil.txt', content: 'x' }, ctx));
    expect(existsSync(path.join(path.dirname(root), 'evil.txt'))).toBe(false);
  });

  it('refuses absolute paths elsewhere', async () => {
    await denied(run('file_read', { path: path.join(outside, 'secret.txt') }, ctx));
    await denied(run('file_read', { path: '/etc/passwd' }, ctx));
    await denied(run('file_write', { path: path.join(outside, 'new.txt'), content: 'x' }, ctx));
    expect(existsSync(path.join(outside, 'new.txt'))).toBe(false);
  });

  it('refuses symlink escapes: a linked folder, a linked file, and a dangling link', async () => {
    await denied(run('file_read', { path: 'escape/secret.txt' }, ctx));
    await denied(run('file_read', { path: 'secret-link.txt' }, ctx));
    await denied(run('file_write', { path: 'escape/planted.txt', content: 'x' }, ctx));
    await denied(run('file_write', { path: 'secret-link.txt', content: 'overwritten' }, ctx));
    await denied(run('file_write', { path: 'dangling.txt', content: 'x' }, ctx));
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
    expect(existsSync(path.join(outside, 'planted.txt'))).toBe(false);
    expect(existsSync(path.join(outside, 'not-yet.txt'))).toBe(false);
  });

  it('allows a symlink whose target is inside the allowed path', async () => {
    await symlink(path.join(root, 'work', 'notes.md'), path.join(root, 'inner-link.md'));
    const read = (await run('file_read', { path: 'inner-link.md' }, ctx)) as Record<string, unknown>;
    expect(read.content).toBe('# Notes\nhello');
  });

  it('honours configured allowed_paths (and refuses the cwd when not listed)', async () => {
    const narrow = makeCtx({
      cwd: root,
      allowedPaths: resolveAllowedPaths({ allowed_paths: ['work'] }, root),
    });
    expect(
      ((await run('file_read', { path: 'work/notes.md' }, narrow)) as { content: string }).content,
    ).toContain('hello');
    await denied(run('file_write', { path: 'top.txt', content: 'x' }, narrow));
    const both = makeCtx({
      cwd: root,
      allowedPaths: resolveAllowedPaths({ allowed_paths: `work, ${outside}` }, root),
    });
    expect(
      ((await run('file_read', { path: path.join(outside, 'secret.txt') }, both)) as { content: string })
        .content,
    ).toBe('top secret');
  });

  it('reports a missing file and a directory clearly', async () => {
    const missing = await run('file_read', { path: 'nope.txt' }, ctx).catch((e: AgentcrateError) => e);
    expect((missing as AgentcrateError).code).toBe('E_TOOL');
    expect((missing as AgentcrateError).message).toContain('no such file');
    const dir = await run('file_read', { path: 'work' }, ctx).catch((e: AgentcrateError) => e);
    expect((dir as AgentcrateError).message).toContain('is a directory');
  });

  it('truncates long files to the configured cap', async () => {
    await writeFile(path.join(root, 'big.txt'), 'a'.repeat(5000));
    const read = (await run('file_read', { path: 'big.txt' }, { ...ctx, config: { max_chars: 1000 } })) as {
      content: string;
      truncated: boolean;
      size: number;
    };
    expect(read.truncated).toBe(true);
    expect(read.size).toBe(5000);
    expect(read.content.startsWith('a'.repeat(1000))).toBe(true);
    expect(read.content).toContain('truncated');
  });

  it('rejects bad arguments with the field named', async () => {
    const error = await run('file_write', { path: 'x.txt' }, ctx).catch((e: AgentcrateError) => e);
    expect((error as AgentcrateError).code).toBe('E_TOOL');
    expect((error as AgentcrateError).message).toContain('content');
  });

  it('globs inside the root, lists folders, and skips entries that lead outside', async () => {
    await writeFile(path.join(root, 'work', 'data.json'), '{}');
    const all = (await run('file_glob', { pattern: '**/*' }, ctx)) as {
      matches: Array<{ path: string; type: string }>;
    };
    const paths = all.matches.map((m) => m.path);
    expect(paths).toContain(path.join('work', 'notes.md'));
    expect(paths).toContain('work');
    expect(all.matches.find((m) => m.path === 'work')?.type).toBe('dir');
    expect(paths.some((p) => p.startsWith('escape'))).toBe(false);
    expect(paths).not.toContain('secret-link.txt');
    const md = (await run('file_glob', { pattern: '*.md', path: 'work' }, ctx)) as {
      matches: Array<{ path: string }>;
    };
    expect(md.matches.map((m) => m.path)).toEqual([path.join('work', 'notes.md')]);
    const listing = (await run('list_directory', { path: 'work' }, ctx)) as { matches: unknown[] };
    expect(listing.matches).toHaveLength(2);
  });

  it('refuses glob patterns and bases that leave the root', async () => {
    await denied(run('file_glob', { pattern: '../*' }, ctx));
    await denied(run('file_glob', { pattern: '/etc/*' }, ctx));
    await denied(run('file_glob', { pattern: '*', path: outside }, ctx));
    await denied(run('file_glob', { pattern: '*', path: 'escape' }, ctx));
  });

  it('caps glob results', async () => {
    for (let i = 0; i < 12; i++) await writeFile(path.join(root, `f${i}.log`), '');
    const capped = (await run('file_glob', { pattern: '*.log' }, { ...ctx, config: { max_results: 5 } })) as {
      matches: unknown[];
      truncated: boolean;
    };
    expect(capped.matches).toHaveLength(5);
    expect(capped.truncated).toBe(true);
  });

  it('moves files inside the root; both ends confined', async () => {
    const moved = await run(
      'file_move',
      { source: 'work/notes.md', destination: 'archive/notes-old.md' },
      ctx,
    );
    expect(moved).toMatchObject({ moved: true });
    expect(existsSync(path.join(root, 'archive', 'notes-old.md'))).toBe(true);
    expect(existsSync(path.join(root, 'work', 'notes.md'))).toBe(false);
    await denied(
      run('file_move', { source: 'archive/notes-old.md', destination: path.join(outside, 'stolen.md') }, ctx),
    );
    await denied(run('file_move', { source: 'archive/notes-old.md', destination: 'escape/stolen.md' }, ctx));
    await denied(
      run('file_move', { source: path.join(outside, 'secret.txt'), destination: 'mine.txt' }, ctx),
    );
    expect(existsSync(path.join(outside, 'secret.txt'))).toBe(true);
  });

  it('refuses to overwrite on move unless asked', async () => {
    await writeFile(path.join(root, 'a.txt'), 'A');
    await writeFile(path.join(root, 'b.txt'), 'B');
    const error = await run('file_move', { source: 'a.txt', destination: 'b.txt' }, ctx).catch(
      (e: AgentcrateError) => e,
    );
    expect((error as AgentcrateError).message).toContain('overwrite');
    await run('file_move', { source: 'a.txt', destination: 'b.txt', overwrite: true }, ctx);
    expect(await readFile(path.join(root, 'b.txt'), 'utf8')).toBe('A');
  });
});

describe('resolveAllowedPaths', () => {
  it('defaults to the real cwd, then ALLOWED_PATHS, then config', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await mkdir(path.join(dir, 'a'));
      await symlink(path.join(dir, 'a'), path.join(dir, 'link-a'));
      expect(resolveAllowedPaths({}, dir)).toEqual([dir]);
      expect(resolveAllowedPaths({}, dir, { ALLOWED_PATHS: './a,/tmp' })).toEqual([
        path.join(dir, 'a'),
        resolveAllowedPaths({}, '/tmp')[0],
      ]);
      expect(resolveAllowedPaths({ allowed_paths: ['link-a'] }, dir, { ALLOWED_PATHS: '/tmp' })).toEqual([
        path.join(dir, 'a'),
      ]);
      // A folder that does not exist yet is allowed at its would-be real location.
      expect(resolveAllowedPaths({ allowed_paths: 'link-a/out' }, dir)).toEqual([path.join(dir, 'a', 'out')]);
    } finally {
      await cleanup();
    }
  });
});
