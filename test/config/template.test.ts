import { describe, expect, it } from 'vitest';
import { offsetToLineColumn, parseTemplate, templateRefs } from '../../src/config/index.js';
import type { TemplatePart } from '../../src/config/types.js';

const text = (s: string): TemplatePart => ({ kind: 'text', text: s });
const ref = (raw: string, offset: number): TemplatePart => ({
  kind: 'ref',
  path: raw.slice(1, -1).split('.'),
  raw,
  offset,
});

describe('parseTemplate', () => {
  const cases: Array<[string, TemplatePart[]]> = [
    ['', []],
    ['plain text', [text('plain text')]],
    ['{topic}', [ref('{topic}', 0)]],
    ['Write about {topic}.', [text('Write about '), ref('{topic}', 12), text('.')]],
    ['{state.topic} and {a.b.c}', [ref('{state.topic}', 0), text(' and '), ref('{a.b.c}', 18)]],
    ['{a}{b}', [ref('{a}', 0), ref('{b}', 3)]],
    [
      '{_parallel_item} #{_parallel_index}',
      [ref('{_parallel_item}', 0), text(' #'), ref('{_parallel_index}', 18)],
    ],
    ['Return {"score": 1, "ok": true}', [text('Return {"score": 1, "ok": true}')]],
    ['{"input_numbers": [1, 2, 3]}', [text('{"input_numbers": [1, 2, 3]}')]],
    ['{{literal}}', [text('{literal}')]],
    ['{{{x}}}', [text('{'), ref('{x}', 2), text('}')]],
    ['a {{ b }} c', [text('a { b } c')]],
    ['{ spaced }', [text('{ spaced }')]],
    ['{len(filtered)}', [text('{len(filtered)}')]],
    ['{}', [text('{}')]],
    ['{1abc}', [text('{1abc}')]],
    ['{a.}', [text('{a.}')]],
    ['{a..b}', [text('{a..b}')]],
    ['{a-b}', [text('{a-b}')]],
    ['unclosed {name', [text('unclosed {name')]],
    ['stray } brace', [text('stray } brace')]],
    ['JSON {"user": {name}}', [text('JSON {"user": '), ref('{name}', 14), text('}')]],
  ];
  it.each(cases)('%j', (source, parts) => {
    const t = parseTemplate(source);
    expect(t.source).toBe(source);
    expect(t.parts).toEqual(parts);
  });

  it('keeps state as the first path part and raw as the exact source slice', () => {
    const source = 'Hi {state.profile.name}!';
    const [r] = templateRefs(parseTemplate(source));
    expect(r).toEqual({ path: ['state', 'profile', 'name'], raw: '{state.profile.name}', offset: 3 });
    expect(source.slice(r!.offset, r!.offset + r!.raw.length)).toBe(r!.raw);
  });
});

describe('templateRefs', () => {
  it('lists refs in order, without text', () => {
    const refs = templateRefs(parseTemplate('{a} x {{b}} {c.d} {"e": 1}'));
    expect(refs.map((r) => r.path)).toEqual([['a'], ['c', 'd']]);
    expect(refs.map((r) => r.offset)).toEqual([0, 12]);
  });
});

describe('offsetToLineColumn', () => {
  const source = 'ab\ncd\r\nef\rgh';
  const cases: Array<[number, number, number]> = [
    [0, 1, 1],
    [1, 1, 2],
    [2, 1, 3],
    [3, 2, 1],
    [4, 2, 2],
    [7, 3, 1],
    [10, 4, 1],
    [11, 4, 2],
    [999, 4, 3],
    [-5, 1, 1],
  ];
  it.each(cases)('offset %d → line %d column %d', (offset, line, column) => {
    expect(offsetToLineColumn(source, offset)).toEqual({ line, column });
  });
});
