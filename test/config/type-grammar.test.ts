import { describe, expect, it } from 'vitest';
import { formatType, parseType, TypeSyntaxError, typeEquals } from '../../src/config/index.js';
import type { TypeNode } from '../../src/config/types.js';

function errorOf(text: string): TypeSyntaxError {
  try {
    parseType(text);
  } catch (e) {
    expect(e).toBeInstanceOf(TypeSyntaxError);
    return e as TypeSyntaxError;
  }
  throw new Error(`expected '${text}' to be rejected`);
}

describe('parseType', () => {
  const valid: Array<[string, TypeNode]> = [
    ['str', { kind: 'str' }],
    ['int', { kind: 'int' }],
    ['float', { kind: 'float' }],
    ['bool', { kind: 'bool' }],
    ['list', { kind: 'list', items: null }],
    ['dict', { kind: 'dict', key: null, value: null }],
    ['object', { kind: 'object', fields: [] }],
    ['list[str]', { kind: 'list', items: { kind: 'str' } }],
    ['list[list[int]]', { kind: 'list', items: { kind: 'list', items: { kind: 'int' } } }],
    ['dict[str, int]', { kind: 'dict', key: { kind: 'str' }, value: { kind: 'int' } }],
    ['dict[int,bool]', { kind: 'dict', key: { kind: 'int' }, value: { kind: 'bool' } }],
    [
      'dict[str, list[str]]',
      { kind: 'dict', key: { kind: 'str' }, value: { kind: 'list', items: { kind: 'str' } } },
    ],
    ['list[object]', { kind: 'list', items: { kind: 'object', fields: [] } }],
    ['list[dict]', { kind: 'list', items: { kind: 'dict', key: null, value: null } }],
    [
      '  list [ dict [ str ,  float ] ]  ',
      {
        kind: 'list',
        items: { kind: 'dict', key: { kind: 'str' }, value: { kind: 'float' } },
      },
    ],
    ['\tint\n', { kind: 'int' }],
  ];
  it.each(valid)('parses %j', (text, expected) => {
    expect(parseType(text)).toEqual(expected);
  });

  const invalid: Array<[string, number, RegExp]> = [
    ['string', 1, /did you mean 'str'/],
    ['integer', 1, /did you mean 'int'/],
    ['array', 1, /did you mean 'list'/],
    ['boolean', 1, /did you mean 'bool'/],
    ['number', 1, /did you mean 'float'/],
    ['flaot', 1, /did you mean 'float'/],
    ['List[str]', 1, /did you mean 'list'/],
    ['list[strng]', 6, /did you mean 'str'/],
    ['dict[str, intger]', 11, /did you mean 'int'/],
    ['wibble', 1, /unknown type 'wibble'; known types/],
    ['', 1, /empty type/],
    ['   ', 1, /empty type/],
    ['list[', 6, /expected a type name.*end of the type/],
    ['list[str', 9, /expected '\]' to close 'list\['/],
    ['list[]', 6, /expected a type name.*'\]'/],
    ['list[str, int]', 9, /list takes one element type/],
    ['dict[str]', 9, /dict takes a key and a value type/],
    ['dict[float, int]', 6, /dict keys must be str or int/],
    ['dict[list[str], int]', 6, /dict keys must be str or int/],
    ['str[int]', 4, /'str' takes no type parameters/],
    ['object[str]', 7, /'object' takes no type parameters/],
    ['list[int] x', 11, /unexpected 'x' after a complete type/],
    ['list<int>', 5, /use square brackets/],
    ['str | None', 5, /union types are not supported/],
    ['dict[str, int]]', 15, /unexpected '\]'/],
  ];
  it.each(invalid)('rejects %j at column %d', (text, column, message) => {
    const err = errorOf(text);
    expect(err.column).toBe(column);
    expect(err.message).toMatch(message);
  });

  it('gives no suggestion for names far from every type', () => {
    expect(errorOf('qqqqqqqq').message).not.toMatch(/did you mean/);
  });
});

describe('formatType', () => {
  it.each([
    'str',
    'int',
    'float',
    'bool',
    'list',
    'dict',
    'object',
    'list[int]',
    'dict[str, list[int]]',
    'list[list[dict[int, bool]]]',
  ])('round-trips %s', (text) => {
    expect(formatType(parseType(text))).toBe(text);
  });

  it('normalises whitespace', () => {
    expect(formatType(parseType(' dict[ str,list[ int ] ] '))).toBe('dict[str, list[int]]');
  });

  it('prints object fields', () => {
    const t: TypeNode = {
      kind: 'object',
      fields: [
        { name: 'a', type: { kind: 'str' }, required: true },
        { name: 'b', type: { kind: 'list', items: { kind: 'int' } }, required: false },
      ],
    };
    expect(formatType(t)).toBe('object{a:str, b:list[int]}');
    expect(formatType({ kind: 'any' })).toBe('any');
  });
});

describe('typeEquals', () => {
  const obj = (...fields: Array<[string, TypeNode]>): TypeNode => ({
    kind: 'object',
    fields: fields.map(([name, type]) => ({ name, type, required: true })),
  });
  const cases: Array<[string, TypeNode, TypeNode, boolean]> = [
    ['same scalar', { kind: 'int' }, { kind: 'int' }, true],
    ['int vs float', { kind: 'int' }, { kind: 'float' }, false],
    ['nested lists', parseType('list[list[str]]'), parseType('list[ list[str] ]'), true],
    ['list vs list[str]', parseType('list'), parseType('list[str]'), false],
    ['dict value differs', parseType('dict[str, int]'), parseType('dict[str, float]'), false],
    ['dict key differs', parseType('dict[str, int]'), parseType('dict[int, int]'), false],
    [
      'object order-insensitive',
      obj(['a', { kind: 'str' }], ['b', { kind: 'int' }]),
      obj(['b', { kind: 'int' }], ['a', { kind: 'str' }]),
      true,
    ],
    ['object field type differs', obj(['a', { kind: 'str' }]), obj(['a', { kind: 'int' }]), false],
    ['object field name differs', obj(['a', { kind: 'str' }]), obj(['b', { kind: 'str' }]), false],
    [
      'object extra field',
      obj(['a', { kind: 'str' }]),
      obj(['a', { kind: 'str' }], ['b', { kind: 'str' }]),
      false,
    ],
  ];
  it.each(cases)('%s', (_name, a, b, expected) => {
    expect(typeEquals(a, b)).toBe(expected);
    expect(typeEquals(b, a)).toBe(expected);
  });

  it('ignores required and description on object fields', () => {
    const a: TypeNode = { kind: 'object', fields: [{ name: 'x', type: { kind: 'str' }, required: true }] };
    const b: TypeNode = {
      kind: 'object',
      fields: [{ name: 'x', type: { kind: 'str' }, required: false, description: 'doc' }],
    };
    expect(typeEquals(a, b)).toBe(true);
  });
});
