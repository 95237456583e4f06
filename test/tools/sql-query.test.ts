import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertReadOnlySql } from '../../src/tools/builtin/sql-guard.js';
import { createToolRegistry } from '../../src/tools/index.js';
import type { ToolContext } from '../../src/tools/types.js';
import { insideAndOutside, makeCtx, rejection } from './helpers.js';

const sql = createToolRegistry().get('sql_query')!;
let root: string;
let outside: string;
let ctx: ToolContext;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ root, outside, cleanup } = await insideAndOutside());
  for (const file of [path.join(root, 'shop.db'), path.join(outside, 'other.db')]) {
    const db = new DatabaseSync(file);
    db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL, photo BLOB);
      INSERT INTO items (name, price, photo) VALUES ('apple', 0.5, x'0102'), ('pear', 0.75, NULL), ('fig; drop', 2, NULL);`);
    db.close();
  }
  await symlink(path.join(outside, 'other.db'), path.join(root, 'linked.db'));
  ctx = makeCtx({ cwd: root, allowedPaths: [root], config: { database: 'shop.db' } });
});
afterAll(() => cleanup());

const fails = (args: unknown, context = ctx) => rejection(sql.run(args, context));

describe('sql_query', () => {
  it('reads rows with columns, params and blobs summarised', async () => {
    const result = await sql.run(
      { query: 'SELECT id, name, price, photo FROM items WHERE price < ? ORDER BY id', params: [1] },
      ctx,
    );
    expect(result).toEqual({
      columns: ['id', 'name', 'price', 'photo'],
      rows: [
        { id: 1, name: 'apple', price: 0.5, photo: '<blob 2 bytes>' },
        { id: 2, name: 'pear', price: 0.75, photo: null },
      ],
      row_count: 2,
      truncated: false,
    });
  });

  it('allows WITH, EXPLAIN and reading PRAGMAs; semicolons inside strings are fine', async () => {
    expect(
      await sql.run({ query: 'WITH c AS (SELECT count(*) AS n FROM items) SELECT n FROM c;' }, ctx),
    ).toMatchObject({
      rows: [{ n: 3 }],
    });
    expect(await sql.run({ query: "SELECT name FROM items WHERE name = 'fig; drop'" }, ctx)).toMatchObject({
      rows: [{ name: 'fig; drop' }],
    });
    expect(
      ((await sql.run({ query: 'PRAGMA table_info(items)' }, ctx)) as { row_count: number }).row_count,
    ).toBe(4);
    expect(
      ((await sql.run({ query: 'EXPLAIN QUERY PLAN SELECT * FROM items' }, ctx)) as { row_count: number })
        .row_count,
    ).toBeGreaterThan(0);
    expect(
      await sql.run({ query: "SELECT replace(name, 'a', 'A') AS r FROM items WHERE id = 1" }, ctx),
    ).toMatchObject({
      rows: [{ r: 'Apple' }],
    });
  });

  it('refuses writes, several statements and writing PRAGMAs, and the file is unchanged', async () => {
    const before = await readFile(path.join(root, 'shop.db'));
    for (const query of [
      "INSERT INTO items (name) VALUES ('x')",
      'DELETE FROM items',
      'UPDATE items SET price = 0',
      'DROP TABLE items',
      'SELECT 1; DELETE FROM items',
      'WITH x AS (SELECT 1) DELETE FROM items',
      "ATTACH DATABASE 'other.db' AS o",
      'PRAGMA user_version = 5',
      'PRAGMA journal_mode=WAL',
      'VACUUM',
    ]) {
      const error = await fails({ query });
      expect(error.code, query).toBe('E_TOOL_DENIED');
    }
    expect(await readFile(path.join(root, 'shop.db'))).toEqual(before);
    expect(await sql.run({ query: 'SELECT count(*) AS n FROM items' }, ctx)).toMatchObject({
      rows: [{ n: 3 }],
    });
  });

  it('judges statements by their code, not by comments or string contents', () => {
    expect(() => assertReadOnlySql("SELECT 'DELETE FROM items; DROP TABLE x' AS s")).not.toThrow();
    expect(() => assertReadOnlySql('SELECT 1 -- ; DROP TABLE items')).not.toThrow();
    expect(() => assertReadOnlySql('/* DELETE */ SELECT "update" FROM items')).not.toThrow();
    expect(() => assertReadOnlySql('SELECT 1 /* x */; DROP TABLE items')).toThrow(/one statement/);
    expect(() => assertReadOnlySql('  ')).toThrow(/empty/);
    expect(() => assertReadOnlySql('REPLACE INTO items VALUES (1)')).toThrow(/not REPLACE/);
  });

  it('caps rows', async () => {
    const result = (await sql.run(
      { query: 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n' },
      { ...ctx, config: { database: 'shop.db', max_rows: 5 } },
    )) as { rows: unknown[]; truncated: boolean };
    expect(result.rows).toHaveLength(5);
    expect(result.truncated).toBe(true);
  });

  it('stops a runaway query at the timeout without freezing the process', async () => {
    const started = Date.now();
    const error = await fails(
      { query: 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n' },
      { ...ctx, config: { database: 'shop.db', timeout_seconds: 0.5 } },
    );
    expect(error.message).toMatch(/longer than 0.5s/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('confines the database path like the file tools', async () => {
    expect((await fails({ query: 'SELECT 1', database: path.join(outside, 'other.db') })).code).toBe(
      'E_TOOL_DENIED',
    );
    expect((await fails({ query: 'SELECT 1', database: '../x.db' })).code).toBe('E_TOOL_DENIED');
    expect((await fails({ query: 'SELECT 1', database: 'linked.db' })).code).toBe('E_TOOL_DENIED');
    expect((await fails({ query: 'SELECT 1', database: 'missing.db' })).message).toContain('does not exist');
  });

  it('reports SQL errors and runs in memory without a database', async () => {
    expect((await fails({ query: 'SELECT nope FROM items' })).message).toContain('no such column');
    expect(
      await sql.run({ query: 'SELECT 6 * 7 AS answer' }, makeCtx({ cwd: root, allowedPaths: [root] })),
    ).toMatchObject({
      rows: [{ answer: 42 }],
    });
  });
});
