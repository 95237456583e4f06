/**
 * CI enforces the picture: every import between rooms follows the rooms table of
 * docs/architecture.md (read from the document, see rules.ts), nothing on the never-list is
 * imported even as a type, every file lives in a room of the table, and no runtime import
 * cycle exists between rooms or files. The checker is itself tested on small trees, so a
 * green run means the rules were checked, not that nothing was read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkArchitecture } from './check.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('docs/architecture.md against src/', () => {
  const report = checkArchitecture(path.join(ROOT, 'src'), path.join(ROOT, 'docs/architecture.md'));

  it('reads every row of the rooms table', () => {
    expect(report.documentProblems).toEqual([]);
    // The parse saw the real tree: hundreds of imports between our files.
    expect(report.edges.length).toBeGreaterThan(300);
  });

  it('has a row for every file of src/', () => {
    expect(report.homeless, 'add a row for these files or their folder to the rooms table').toEqual([]);
  });

  it('follows every room’s imports, the "types only" rule and the never-list', () => {
    expect(report.violations).toEqual([]);
  });

  it('has no runtime import cycle between rooms or between files', () => {
    expect(report.roomCycles).toEqual([]);
    expect(report.fileCycles).toEqual([]);
  });
});

describe('the checker', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A small tree: files (path → source) and a rooms table (rows and the paragraph after). */
  function tree(files: Record<string, string>, table: string, after = '') {
    const dir = mkdtempSync(path.join(tmpdir(), 'agentcrate-arch-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'src'));
    for (const [file, source] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, 'src', file)), { recursive: true });
      writeFileSync(path.join(dir, 'src', file), source);
    }
    writeFileSync(
      path.join(dir, 'architecture.md'),
      `# x\n\n| folder | concern | imports of ours |\n|---|---|---|\n${table}\n\n${after}\n`,
    );
    return checkArchitecture(path.join(dir, 'src'), path.join(dir, 'architecture.md'));
  }

  const TABLE = [
    '| `errors.ts` | errors | — |',
    '| `config/` | format | `errors` |',
    '| `tools/` | tools | `config` |',
    '| `store/` | store | `errors` |',
    '| `store/postgres/` | a nested room | `store` (its interface) |',
    '| `engine/` | engine | `config`; *types only* from `tools` |',
    '| `server/` | server | `engine`, `tools` types |',
    '| `cli/` | cli | everything |',
  ].join('\n');
  const AFTER =
    'Every room may import `errors.ts` (it imports nothing). Never: `engine` → `store`; `config` → anything but `errors`; a cycle.';

  it('accepts imports the table allows, including `import type` from a types-only room', () => {
    const report = tree(
      {
        'errors.ts': 'export class E {}\n',
        'config/a.ts': "import { E } from '../errors.js';\nexport const a = E;\n",
        'tools/t.ts': "import { a } from '../config/a.js';\nexport type T = typeof a;\nexport const t = 1;\n",
        'engine/e.ts':
          "import type { T } from '../tools/t.js';\nimport { a } from '../config/a.js';\nexport const e: T | typeof a = 1;\n",
        'store/s.ts': 'export const s = 1;\n',
        'store/postgres/p.ts': "import { s } from '../s.js';\nexport const p = s;\n",
        'cli/c.ts': "export const c = () => import('../store/postgres/p.js');\n",
      },
      TABLE,
      AFTER,
    );
    expect(report.documentProblems).toEqual([]);
    expect(report.homeless).toEqual([]);
    expect(report.violations).toEqual([]);
    expect(report.roomCycles).toEqual([]);
  });

  it('catches a value import from a types-only room, also when written `import { type X }`', () => {
    const report = tree(
      {
        'tools/t.ts': 'export type T = number;\nexport const t = 1;\n',
        'engine/a.ts': "import { t } from '../tools/t.js';\nexport const a = t;\n",
        'engine/b.ts': "import { type T } from '../tools/t.js';\nexport const b: T = 1;\n",
        'engine/c.ts': "export { t } from '../tools/t.js';\n",
      },
      TABLE,
      AFTER,
    );
    expect(report.violations).toEqual([
      expect.stringMatching(/^src\/engine\/a\.ts:1 .*only types from `tools`/),
      expect.stringMatching(/^src\/engine\/b\.ts:1 .*only types from `tools`/),
      expect.stringMatching(/^src\/engine\/c\.ts:1 .*only types from `tools`/),
    ]);
  });

  it('catches the never-list even for types, rooms not in a row, dynamic imports and homeless files', () => {
    const report = tree(
      {
        'store/s.ts': 'export type S = 1;\n',
        'engine/e.ts': "import type { S } from '../store/s.js';\nexport const e = (): S => 1;\n",
        'config/c.ts': "export const c = () => import('../tools/t.js');\n",
        'tools/t.ts': "import { s } from '../server/x.js';\nexport const t = s;\n",
        'server/x.ts': 'export const s = 1;\n',
        'loose.ts': 'export const l = 1;\n',
      },
      TABLE,
      AFTER,
    );
    expect(report.violations).toEqual([
      expect.stringMatching(/^src\/config\/c\.ts:1 .*never `config` → `tools`/),
      expect.stringMatching(
        /^src\/engine\/e\.ts:1 imports types from src\/store\/s\.ts: never `engine` → `store`/,
      ),
      expect.stringMatching(/^src\/tools\/t\.ts:1 .*`server` is not among the imports of `tools`/),
    ]);
    expect(report.homeless).toEqual(['loose.ts']);
  });

  it('finds runtime cycles between rooms and between files, not through `import type`', () => {
    const report = tree(
      {
        'cli/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
        'cli/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
        'cli/t1.ts': "import type { T2 } from './t2.js';\nexport type T1 = T2;\n",
        'cli/t2.ts': "import type { T1 } from './t1.js';\nexport type T2 = T1 | 1;\n",
        'tools/t.ts': "import { s } from '../server/x.js';\nexport const t = s;\n",
        'server/x.ts': "import { t } from '../tools/t.js';\nexport const s = () => t;\n",
      },
      TABLE.replace('| `tools/` | tools | `config` |', '| `tools/` | tools | `config`, `server` |'),
      AFTER,
    );
    expect(report.fileCycles).toEqual([
      ['cli/a.ts', 'cli/b.ts'],
      ['server/x.ts', 'tools/t.ts'],
    ]);
    expect(report.roomCycles).toEqual([['server', 'tools']]);
  });

  it('reports a row it cannot read', () => {
    const report = tree({}, '| `x/` | x | the usual ones |');
    expect(report.documentProblems).toEqual([expect.stringContaining("cannot read 'the usual ones'")]);
  });
});
