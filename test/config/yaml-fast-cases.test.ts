import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { generateWorkflow } from '../../bench/validate-500.js';
import { parseFastOrThrow } from '../../src/config/yaml/fast.js';
import { parseSource, SourceMap } from '../../src/config/yaml/parse.js';
import { compareWithPackage } from './yaml-fast-compare.js';

/**
 * Unit cases of the fast YAML front end. Each accepted case is also checked against the
 * `yaml` package (value, offsets, scalar types), so an expectation here can never drift from
 * what the package does.
 */

function packageValue(src: string): unknown {
  return parseDocument(src, { version: '1.2', uniqueKeys: false }).toJS();
}

/** The fast value of `src`, after asserting that the fast path reads it and agrees. */
function fastValue(src: string): unknown {
  const result = compareWithPackage(src);
  expect(result, JSON.stringify(src)).toEqual({ fast: true, problems: [] });
  return parseFastOrThrow(src)?.value;
}

describe('plain scalars resolve like YAML 1.2 core', () => {
  const cases: Array<[string, unknown]> = [
    ['~', null],
    ['null', null],
    ['Null', null],
    ['NULL', null],
    ['nULL', 'nULL'],
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['tRUE', 'tRUE'],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    // YAML 1.1 booleans are strings in 1.2.
    ['yes', 'yes'],
    ['on', 'on'],
    ['0', 0],
    ['-0', -0],
    ['+1', 1],
    ['0777', 777],
    ['0o17', 15],
    ['0o8', '0o8'],
    ['0x1F', 31],
    ['0X1F', '0X1F'],
    ['-0x1', '-0x1'],
    ['1_000', '1_000'],
    ['0b101', '0b101'],
    ['12345678901234567890', 12345678901234567000],
    ['.5', 0.5],
    ['+.5', 0.5],
    ['5.', 5],
    ['-5.', -5],
    ['0.10', 0.1],
    ['1e3', 1000],
    ['1E-2', 0.01],
    ['1e+2', 100],
    ['.1e1', 1],
    ['1.e1', 10],
    ['.inf', Number.POSITIVE_INFINITY],
    ['+.INF', Number.POSITIVE_INFINITY],
    ['-.Inf', Number.NEGATIVE_INFINITY],
    ['.nan', Number.NaN],
    ['.NaN', Number.NaN],
    ['.NAN', Number.NaN],
    ['.Nan', '.Nan'],
    ['-.nan', '-.nan'],
    ['+', '+'],
    ['.', '.'],
    ['1.2.3', '1.2.3'],
    ['1:2', '1:2'],
    ['-x', '-x'],
    ['a#b', 'a#b'],
    ['http://x.y/z?q=1#f', 'http://x.y/z?q=1#f'],
    ['list[str]', 'list[str]'],
    ['a, b', 'a, b'],
    ['say "hi"', 'say "hi"'],
    ["it's", "it's"],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → ${String(expected)}`, () => {
      const block = fastValue(`v: ${text}\n`) as { v: unknown };
      expect(Object.is(block.v, expected), `block: got ${String(block.v)}`).toBe(true);
      if (!/[,[\]{}]/.test(text)) {
        const flow = fastValue(`v: [${text}]\n`) as { v: unknown[] };
        expect(Object.is(flow.v[0], expected), `flow: got ${String(flow.v[0])}`).toBe(true);
      }
    });
  }

  it('keys become property names the way the package names them', () => {
    const src = '1: a\n0x10: b\ntrue: c\n1.50: d\n.inf: e\n"2": f\n';
    expect(fastValue(src)).toEqual({ '1': 'a', '16': 'b', true: 'c', '1.5': 'd', Infinity: 'e', '2': 'f' });
  });

  it('__proto__ and other Object.prototype names are plain own keys', () => {
    const value = fastValue('__proto__: 1\ntoString: 2\nconstructor: 3\n') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'toString', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe(1);
  });
});

describe('quoted scalars', () => {
  it('double quotes decode the package escapes', () => {
    expect(fastValue('v: "a\\\\b \\"q\\" \\/ \\n\\t\\r \\0 \\u00e9 \\x41 \\U0001F600 \\_"\n')).toEqual({
      v: 'a\\b "q" / \n\t\r \0 é A 😀 \u00a0',
    });
  });

  it("single quotes double a quote ('') and keep backslashes", () => {
    expect(fastValue("v: 'it''s \\n'\n")).toEqual({ v: "it's \\n" });
  });

  it('keep inner and trailing spaces, and may be keys', () => {
    expect(fastValue('"a b": "  x  "\n\'c d\' : \'\'\n')).toEqual({ 'a b': '  x  ', 'c d': '' });
  });
});

describe('block scalars', () => {
  const cases: Array<[string, string, string]> = [
    ['clip keeps one newline', 'v: |\n  a\n  b\n\n\nw: 1\n', 'a\nb\n'],
    ['strip drops them all', 'v: |-\n  a\n  b\n\n\nw: 1\n', 'a\nb'],
    ['keep keeps them all', 'v: |+\n  a\n  b\n\n\nw: 1\n', 'a\nb\n\n\n'],
    ['keep at the end of the file', 'v: |+\n  a\n\n', 'a\n\n'],
    ['inner blank lines and deeper lines stay', 'v: |\n  a\n\n    deeper\n  b\n', 'a\n\n  deeper\nb\n'],
    ['a leading blank line stays', 'v: |\n\n  a\n', '\na\n'],
    ['folded joins lines', 'v: >\n  a\n  b\n\n  c\n', 'a b\nc\n'],
    ['folded keeps deeper lines', 'v: >\n  a\n    code\n  b\n', 'a\n  code\nb\n'],
    ['folded strip', 'v: >-\n  a\n  b\n', 'a b'],
    ['folded keep', 'v: >+\n  a\n\n', 'a\n\n'],
    ['an empty body is an empty string', 'v: |\nw: 1\n', ''],
    ['a comment after the header', 'v: | # note\n  a\n', 'a\n'],
    ['inside a sequence item map', '- v: |\n    a\n  w: 1\n', 'a\n'],
    ['as a sequence item', 'k:\n  - |\n    a\n  - b\n', 'a\n'],
    ['CRLF line ends', 'v: |\r\n  a\r\n\r\n  b\r\n', 'a\n\nb\n'],
  ];
  for (const [name, src, expected] of cases) {
    it(name, () => {
      const value = fastValue(src) as Record<string, unknown> | Array<Record<string, unknown>>;
      const v = Array.isArray(value) ? value[0]?.v : 'k' in value ? (value.k as unknown[])[0] : value.v;
      expect(v).toBe(expected);
    });
  }
});

describe('flow collections', () => {
  it('nest maps and sequences with quoted and plain scalars', () => {
    expect(fastValue('v: {a: [1, "two", {b: c}], d: {}, e: [], "f": \'g\'}\n')).toEqual({
      v: { a: [1, 'two', { b: 'c' }], d: {}, e: [], f: 'g' },
    });
  });

  it('read JSON-style pairs and one-line JSON documents', () => {
    expect(fastValue('{"a":1,"b":[true,null,"x"]}\n')).toEqual({ a: 1, b: [true, null, 'x'] });
  });

  it('plain scalars in flow stop at indicators but keep inner colons', () => {
    expect(fastValue('v: [a:b, http://x, c d]\n')).toEqual({ v: ['a:b', 'http://x', 'c d'] });
  });
});

describe('comments, blank lines and layout', () => {
  it('comments anywhere a line may hold one', () => {
    const src =
      '# head\n\nflow: # after a key\n  # own line\n  name: x # after a value\n\n# between\nlist:\n- a # item\n  # deeper own line\n- b\n';
    expect(fastValue(src)).toEqual({ flow: { name: 'x' }, list: ['a', 'b'] });
  });

  it('# without a space before it is part of a plain scalar', () => {
    expect(fastValue('v: a#b\n')).toEqual({ v: 'a#b' });
  });

  it('a sequence at its key column, compact maps in sequences, empty values', () => {
    expect(fastValue('k:\n- a: 1\n  b:\n- \n-\nz: ~\n')).toEqual({
      k: [{ a: 1, b: null }, null, null],
      z: null,
    });
  });

  it('a leading --- (after comments) opens the document', () => {
    expect(fastValue('# c\n--- # d\na: 1\n')).toEqual({ a: 1 });
  });

  it('CRLF line ends read like LF ones', () => {
    const lf = 'a: 1\nb:\n  - x # c\n  - {y: "z"}\n';
    expect(fastValue(lf.replace(/\n/g, '\r\n'))).toEqual(fastValue(lf));
  });
});

describe('gives up (the package reads these) on anything outside the subset', () => {
  const cases: Array<[string, string]> = [
    ['an anchor', 'a: &x 1\nb: 2\n'],
    ['an alias', 'a: 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a local tag', 'a: !t 1\n'],
    ['an explicit key', '? a\n: 1\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a second document', 'a: 1\n---\nb: 2\n'],
    ['a document end marker', 'a: 1\n...\n'],
    ['a tab as indentation', 'a:\n\tb: 1\n'],
    ['a tab after a value', 'a: 1\t\n'],
    ['a tab after the colon', 'a:\t1\n'],
    ['an unclosed double quote', 'a: "x\nb: 1\n'],
    ['an unclosed single quote', "a: 'x\n"],
    ['a multi-line quoted scalar', 'a: "x\n  y"\n'],
    ['a multi-line plain scalar', 'a: x\n  y\n'],
    ['a multi-line plain scalar after a blank line', 'a: x\n\n  y\n'],
    ['a multi-line flow collection', 'a: [1,\n  2]\n'],
    ['a comment inside a one-line flow collection', 'a: [1, # c\n  2]\n'],
    ['a trailing comma in flow', 'a: [1, 2, ]\n'],
    ['an empty flow value', 'a: {b: }\n'],
    ['a flow key without a value', 'a: {b}\n'],
    ['a pair in a flow sequence', 'a: [b: c]\n'],
    ['an unknown escape', 'a: "\\q"\n'],
    ['a short \\u escape', 'a: "\\u12"\n'],
    ['a code point past Unicode', 'a: "\\U00110000"\n'],
    ['a duplicate key', 'a: 1\nb: 2\na: 3\n'],
    ['a duplicate key by value', '1: a\n"1": b\n'],
    ['a duplicate key in flow', 'a: {b: 1, b: 2}\n'],
    ['a null key', '~: 1\n'],
    ['a merge key', '<<: {a: 1}\n'],
    ['a key over 1000 characters', `${'k'.repeat(1001)}: 1\n`],
    ['a nested compact mapping', 'a: b: c\n'],
    ['a sequence on a key line', 'a: - b\n'],
    ['a nested compact sequence', '- - a\n'],
    ['a mapping item less indented', 'a:\n    b: 1\n  c: 2\n'],
    ['a mapping item more indented', 'a: 1\n  b: 2\n'],
    ['a sequence item at a mapping column', 'a: 1\n- b\n'],
    ['a line that is no key in a mapping', 'a: 1\nb\n'],
    ['an explicit block indentation indicator', 'a: |2\n   x\n'],
    ['a block header glued to a comment', 'a: |#c\n  x\n'],
    ['a block header on its own line', 'a:\n  |\n  x\n'],
    ['more-indented leading blank lines in a block', 'a: |\n    \n  x\n'],
    ['a block header on the last line', 'a: |'],
    ['a comment not preceded by a space', 'a: "x"#c\n'],
    ['a quoted key glued to its value', '"a":b\n'],
    ['a plain scalar starting with @', 'a: @x\n'],
    ['a plain scalar starting with a backquote', 'a: `x`\n'],
    ['a plain scalar starting with %', 'a: %x\n'],
    ['a plain scalar starting with ,', 'a: ,x\n'],
    ['a root scalar', 'just text\n'],
    ['an empty document', '# only a comment\n'],
    ['a byte-order mark', '\uFEFFa: 1\n'],
    ['a control character', 'a: x\u0001y\n'],
    ['a lone carriage return', 'a: 1\rb: 2\n'],
    ['a Unicode line separator', 'a: x\u2028y\n'],
    ['content after a root flow collection', '{a: 1}\nb: 2\n'],
  ];
  for (const [name, src] of cases) {
    it(name, () => {
      expect(parseFastOrThrow(src)).toBeUndefined();
    });
  }

  it('absurd nesting gives up instead of overflowing the stack', () => {
    const deep = `a: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`;
    const parsed = parseSource(deep, 'yaml');
    expect(parsed.problems.length + (parsed.value === undefined ? 0 : 1)).toBeGreaterThan(0);
  });

  it('what it gives up on still loads through the package, with its messages', () => {
    const parsed = parseSource('a: 1\nb: 2\na: 3\n', 'yaml');
    expect(parsed.value).toBeUndefined();
    expect(parsed.problems[0]?.message).toMatch(/the key 'a' appears twice/);
    expect(parsed.problems[0]?.pos).toEqual({ line: 3, column: 1 });
  });
});

describe('SourceMap answers the same from the fast tree as from the package Document', () => {
  /** Every path of a plain value: map keys and sequence indexes, as the loader spells them. */
  function paths(value: unknown, prefix: string, out: string[]): string[] {
    out.push(prefix);
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        paths(v, `${prefix}[${i}]`, out);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) paths(v, prefix === '' ? k : `${prefix}.${k}`, out);
    }
    return out;
  }

  const sources: Array<[string, string]> = [
    ['benchmark workflow', generateWorkflow(30)],
    [
      'scalars of every style',
      'a: plain text\nb: "double {x}"\nc: \'single {y}\'\nd: |\n  line {z}\n  two {w}\ne: >\n  folded\nf:\ng: [1, {h: "i"}]\n',
    ],
  ];
  for (const [name, src] of sources) {
    it(name, () => {
      const fast = parseSource(src, 'yaml');
      expect(fast.problems).toEqual([]);
      const lines = new LineCounter();
      const doc = parseDocument(src, { version: '1.2', uniqueKeys: false, lineCounter: lines });
      const slow = new SourceMap(src, lines, doc);
      const all = paths(fast.value, '', []);
      expect(all.length).toBeGreaterThan(5);
      for (const path of [...all, 'missing', 'a.missing[3]']) {
        expect(fast.map.locate(path), path).toEqual(slow.locate(path));
        expect(fast.map.locateKey(path), path).toEqual(slow.locateKey(path));
        for (const offset of [0, 1, 5]) {
          expect(fast.map.positionIn(path, 'line {z}\ntwo {w}', offset), path).toEqual(
            slow.positionIn(path, 'line {z}\ntwo {w}', offset),
          );
        }
      }
      expect(fast.value).toEqual(packageValue(src));
    });
  }
});
