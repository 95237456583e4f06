/**
 * `dataframe_to_csv`: the CSV a workflow moving over from configurable-agents expects (the
 * expected texts are what pandas 1.5 `DataFrame(data).to_csv(path, index=…)` wrote for the same
 * inputs), and the same confinement as `file_write`.
 */
import { readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentcrateError } from '../../src/errors.js';
import { createToolRegistry } from '../../src/tools/index.js';
import type { ToolContext } from '../../src/tools/types.js';
import { insideAndOutside, makeCtx, rejection } from './helpers.js';

const tool = createToolRegistry().get('dataframe_to_csv')!;
let root: string;
let outside: string;
let ctx: ToolContext;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ root, outside, cleanup } = await insideAndOutside());
  await symlink(outside, path.join(root, 'escape'));
  ctx = makeCtx({ cwd: root, allowedPaths: [root] });
});
afterAll(() => cleanup());

async function written(data: unknown, index?: boolean): Promise<string> {
  const file = `out-${Math.random().toString(36).slice(2)}.csv`;
  await tool.run({ data, path: file, ...(index === undefined ? {} : { index }) }, ctx);
  return readFile(path.join(root, file), 'utf8');
}

const failure = (args: unknown) => rejection(tool.run(args, ctx));

describe('dataframe_to_csv writes what pandas writes', () => {
  it('a list of row objects, with and without the index', async () => {
    const rows = [
      { name: 'Alice', age: 30 },
      { name: 'Bob', age: 25 },
    ];
    expect(await written(rows)).toBe('name,age\nAlice,30\nBob,25\n');
    expect(await written(rows, true)).toBe(',name,age\n0,Alice,30\n1,Bob,25\n');
    expect(await tool.run({ data: rows, path: 'people/list.csv' }, ctx)).toEqual({
      path: 'people/list.csv',
      rows_written: 2,
      columns: ['name', 'age'],
    });
    expect(await readFile(path.join(root, 'people/list.csv'), 'utf8')).toBe('name,age\nAlice,30\nBob,25\n');
  });

  it('an object of column lists, in key order', async () => {
    expect(await written({ b: [1, 2], a: ['x', 'y'] })).toBe('b,a\n1,x\n2,y\n');
  });

  it('quotes only what needs it, writes True/False and empty cells for null', async () => {
    expect(await written([{ t: 'a,b', q: 'say "hi"', n: 'l1\nl2', ok: true, no: false, nil: null }])).toBe(
      't,q,n,ok,no,nil\n"a,b","say ""hi""","l1\nl2",True,False,\n',
    );
    expect(await written([{ x: 'é ü' }])).toBe('x\né ü\n');
    expect(await written([{ a: 1.5, b: '  lead' }])).toBe('a,b\n1.5,  lead\n');
    expect(await written([{ a: '' }])).toBe('a\n""\n');
  });

  it('unions the keys of rows in first-seen order; row lists get numbered columns', async () => {
    // pandas writes 1.0 and 2.0 here (a column with a gap becomes float); numbers stay as given.
    expect(await written([{ a: 1 }, { b: 2 }])).toBe('a,b\n1,\n,2\n');
    expect(
      await written([
        [1, 2],
        [3, 4, 5],
      ]),
    ).toBe('0,1,2\n1,2,\n3,4,5\n');
    expect(await written([])).toBe('\n');
  });

  it('refuses columns of different lengths, as pandas does', async () => {
    expect((await failure({ data: { a: [1, 2], b: [1] }, path: 'x.csv' })).message).toMatch(
      /same length \(a: 2, b: 1\)/,
    );
  });
});

describe('dataframe_to_csv is confined like file_write', () => {
  it('refuses paths outside allowed_paths: absolute, .. and through a symlink', async () => {
    const data = [{ a: 1 }];
    for (const target of [path.join(outside, 'x.csv'), '../x.csv', 'escape/x.csv']) {
      const error = await failure({ data, path: target });
      expect(error.code, target).toBe('E_TOOL_DENIED');
    }
  });

  it('refuses a directory and a CSV over max_write_bytes', async () => {
    await writeFile(path.join(root, 'keep.csv'), 'old');
    expect((await failure({ data: [{ a: 1 }], path: '.' })).message).toContain('is a directory');
    const big = await tool
      .run({ data: [{ a: 'x'.repeat(100) }], path: 'keep.csv' }, { ...ctx, config: { max_write_bytes: 50 } })
      .catch((e: AgentcrateError) => e);
    expect((big as AgentcrateError).message).toMatch(/over the 50-byte limit/);
    expect(await readFile(path.join(root, 'keep.csv'), 'utf8')).toBe('old');
  });

  it('explains a wrong data shape to the model', async () => {
    expect((await failure({ data: 'a,b', path: 'x.csv' })).message).toContain('invalid arguments');
    expect((await failure({ data: [{ a: 1 }, [1]], path: 'x.csv' })).message).toContain('mixes row lists');
  });
});
