import { describe, expect, it } from 'vitest';
import {
  checkValue,
  coerceCliValue,
  parseType,
  placeholderValue,
  typeToJsonSchema,
} from '../../src/config/index.js';
import type { TypeNode } from '../../src/config/types.js';

const t = parseType;

const profile: TypeNode = {
  kind: 'object',
  fields: [
    { name: 'name', type: { kind: 'str' }, required: true },
    { name: 'age', type: { kind: 'int' }, required: true },
    { name: 'tags', type: t('list[str]'), required: false, description: 'labels' },
    {
      name: 'address',
      type: { kind: 'object', fields: [{ name: 'city', type: { kind: 'str' }, required: true }] },
      required: false,
    },
  ],
};

describe('checkValue accepts', () => {
  const ok: Array<[string, TypeNode, unknown]> = [
    ['str', t('str'), 'hello'],
    ['empty str', t('str'), ''],
    ['int', t('int'), 42],
    ['negative int', t('int'), -3],
    ['int written 5.0 in JSON', t('int'), 5.0],
    ['largest exact int', t('int'), Number.MAX_SAFE_INTEGER],
    ['smallest exact int', t('int'), Number.MIN_SAFE_INTEGER],
    ['float from int', t('float'), 3],
    ['float', t('float'), 2.5],
    ['bool', t('bool'), false],
    ['untyped list', t('list'), [1, 'a', null]],
    ['list[int]', t('list[int]'), [1, 2, 3]],
    ['empty list[int]', t('list[int]'), []],
    ['nested lists', t('list[list[int]]'), [[1], [], [2, 3]]],
    ['untyped dict', t('dict'), { a: 1, b: [null] }],
    ['dict[str, list[str]]', t('dict[str, list[str]]'), { x: ['a'], y: [] }],
    ['dict[int, str]', t('dict[int, str]'), { '1': 'a', '-20': 'b' }],
    ['object without schema', t('object'), { anything: true }],
    ['object with schema', profile, { name: 'Ada', age: 36, tags: ['x'], address: { city: 'London' } }],
    ['object with optional props absent', profile, { name: 'Ada', age: 36 }],
    ['object with optional prop null', profile, { name: 'Ada', age: 36, tags: null }],
    ['any', { kind: 'any' }, { whatever: 1 }],
  ];
  it.each(ok)('%s', (_name, type, value) => {
    expect(checkValue(type, value, 'v')).toEqual([]);
  });
});

describe('checkValue rejects', () => {
  const bad: Array<[string, TypeNode, unknown, string, Array<{ path: string; match: RegExp }>]> = [
    ['number for str', t('str'), 5, 'name', [{ path: 'name', match: /expected str, got int 5/ }]],
    ['null for str', t('str'), null, 'name', [{ path: 'name', match: /got null/ }]],
    ['float for int', t('int'), 2.5, 'n', [{ path: 'n', match: /whole number.*float 2\.5/ }]],
    ['string number for int', t('int'), '5', 'n', [{ path: 'n', match: /got string "5"/ }]],
    [
      '1e308 for int',
      t('int'),
      1e308,
      'count',
      [{ path: 'count', match: /between -9,007,199,254,740,991 and 9,007,199,254,740,991, got int 1e\+308/ }],
    ],
    [
      '2^63 for int',
      t('int'),
      2 ** 63,
      'count',
      [{ path: 'count', match: /got int 9223372036854776000: larger whole numbers are not kept exactly/ }],
    ],
    ['2^53 for int', t('int'), 2 ** 53, 'n', [{ path: 'n', match: /not kept exactly/ }]],
    [
      '-2^53 in a list of int',
      t('list[int]'),
      [1, -(2 ** 53)],
      'xs',
      [{ path: 'xs[1]', match: /not kept exactly/ }],
    ],
    ['NaN for float', t('float'), Number.NaN, 'f', [{ path: 'f', match: /expected float/ }]],
    ['Infinity for float', t('float'), Number.POSITIVE_INFINITY, 'f', [{ path: 'f', match: /non-finite/ }]],
    ['string for bool', t('bool'), 'true', 'b', [{ path: 'b', match: /expected bool/ }]],
    ['0 for bool', t('bool'), 0, 'b', [{ path: 'b', match: /expected bool/ }]],
    [
      'object for list',
      t('list[int]'),
      { a: 1 },
      'xs',
      [{ path: 'xs', match: /expected list\[int\], got object/ }],
    ],
    ['list for dict', t('dict'), [], 'd', [{ path: 'd', match: /expected dict/ }]],
    [
      'bad list items, each reported',
      t('list[int]'),
      [1, 'two', 3, null],
      'xs',
      [
        { path: 'xs[1]', match: /string "two"/ },
        { path: 'xs[3]', match: /null/ },
      ],
    ],
    [
      'dict value',
      t('dict[str, int]'),
      { ok: 1, x: 'no' },
      'categories',
      [{ path: 'categories["x"]', match: /expected int/ }],
    ],
    [
      'dict int key',
      t('dict[int, str]'),
      { '1': 'a', one: 'b' },
      'm',
      [{ path: 'm["one"]', match: /int key/ }],
    ],
    [
      'nested object paths',
      profile,
      { name: 'Ada', age: 36, tags: ['a', 'b', 7], address: { city: 3 } },
      'profile',
      [
        { path: 'profile.tags[2]', match: /expected str, got int 7/ },
        { path: 'profile.address.city', match: /expected str/ },
      ],
    ],
    [
      'missing required and unknown props',
      profile,
      { name: 'Ada', 'favourite colour': 'red' },
      'profile',
      [
        { path: 'profile.age', match: /missing required property 'age'/ },
        {
          path: 'profile["favourite colour"]',
          match: /unknown property 'favourite colour'; known properties: name, age/,
        },
      ],
    ],
    ['null required prop', profile, { name: null, age: 1 }, '', [{ path: 'name', match: /got null/ }]],
    ['any rejects undefined', { kind: 'any' }, undefined, 'a', [{ path: 'a', match: /got nothing/ }]],
  ];
  it.each(bad)('%s', (_name, type, value, path, expected) => {
    const issues = checkValue(type, value, path);
    expect(issues.map((i) => i.path)).toEqual(expected.map((e) => e.path));
    issues.forEach((issue, i) => {
      expect(issue.message).toMatch(expected[i]!.match);
      // Messages are printed alone by callers, so each starts with its path.
      if (issue.path !== '') expect(issue.message.startsWith(`${issue.path}: `)).toBe(true);
    });
  });

  it('fills expected and received', () => {
    expect(checkValue(t('list[int]'), [1, 'x'], 'xs')).toEqual([
      {
        path: 'xs[1]',
        expected: 'int',
        received: 'string "x"',
        message: 'xs[1]: expected int, got string "x"',
      },
    ]);
  });
});

describe('coerceCliValue', () => {
  const ok: Array<[string, string, unknown]> = [
    ['str', 'hello world', 'hello world'],
    ['str', '007', '007'],
    ['str', '5', '5'],
    ['str', 'true', 'true'],
    ['str', 'null', 'null'],
    ['str', '{"a": 1}', '{"a": 1}'],
    ['str', '"quoted"', 'quoted'],
    ['str', '', ''],
    ['int', '5', 5],
    ['int', '-12', -12],
    ['int', '5.0', 5],
    ['int', '"7"', 7],
    ['int', '1e3', 1000],
    ['int', '05', 5],
    ['float', '2.5', 2.5],
    ['float', '3', 3],
    ['float', '.5', 0.5],
    ['bool', 'true', true],
    ['bool', 'false', false],
    ['bool', 'True', true],
    ['bool', 'FALSE', false],
    ['list[int]', '[1, 2, 3]', [1, 2, 3]],
    ['list', '["a", 1]', ['a', 1]],
    ['dict[str, int]', '{"a": 1}', { a: 1 }],
    ['object', '{"k": [1]}', { k: [1] }],
  ];
  it.each(ok)('%s from %j', (typeText, raw, expected) => {
    const type = t(typeText);
    const result = coerceCliValue(type, raw);
    expect(result).toEqual({ ok: true, value: expected });
    if (result.ok) expect(checkValue(type, result.value, 'x')).toEqual([]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['int', 'abc', /"abc" is not a number; expected int, e\.g\. 42/],
    ['int', '2.5', /not a whole number/],
    ['int', '99999999999999999999', /outside -9,007,199,254,740,991..9,007,199,254,740,991/],
    ['int', 'true', /not a number/],
    ['int', 'null', /not a number/],
    ['float', 'NaN', /not a number/],
    ['float', '1,5', /not a number/],
    ['bool', 'yes', /not true or false/],
    ['bool', '1', /not true or false/],
    ['list[str]', 'a,b', /not valid JSON.*expected list\[str\]/],
    ['list[int]', '[1, "x"]', /^\[1\]: expected int, got string "x"$/],
    ['dict[str, int]', '[1]', /expected dict\[str, int\], got list/],
    ['list[int]', '[1, "x", "y"]', /and 1 more/],
  ];
  it.each(bad)('%s rejects %j', (typeText, raw, message) => {
    const result = coerceCliValue(t(typeText), raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it('checks object schemas', () => {
    const result = coerceCliValue(profile, '{"name": "Ada"}');
    expect(result).toEqual({ ok: false, message: "age: missing required property 'age' (int)" });
  });
});

describe('typeToJsonSchema', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['str', { type: 'string' }],
    ['int', { type: 'integer' }],
    ['float', { type: 'number' }],
    ['bool', { type: 'boolean' }],
    ['list', { type: 'array' }],
    ['list[list[int]]', { type: 'array', items: { type: 'array', items: { type: 'integer' } } }],
    ['dict', { type: 'object' }],
    ['dict[str, float]', { type: 'object', additionalProperties: { type: 'number' } }],
    [
      'dict[int, str]',
      {
        type: 'object',
        additionalProperties: { type: 'string' },
        propertyNames: { pattern: '^-?(0|[1-9][0-9]*)$' },
      },
    ],
    ['object', { type: 'object' }],
  ];
  it.each(cases)('%s', (typeText, schema) => {
    expect(typeToJsonSchema(t(typeText))).toEqual(schema);
  });

  it('describes objects with required and closed properties', () => {
    expect(typeToJsonSchema(profile, 'A person')).toEqual({
      type: 'object',
      description: 'A person',
      properties: {
        name: { type: 'string' },
        age: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string' }, description: 'labels' },
        address: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
          additionalProperties: false,
        },
      },
      required: ['name', 'age'],
      additionalProperties: false,
    });
  });
});

describe('placeholderValue', () => {
  const types: TypeNode[] = [
    t('str'),
    t('int'),
    t('float'),
    t('bool'),
    t('list'),
    t('list[list[int]]'),
    t('dict'),
    t('dict[int, list[str]]'),
    t('object'),
    profile,
  ];
  it.each(types.map((type) => [JSON.stringify(type).slice(0, 60), type] as const))(
    'passes checkValue: %s',
    (_label, type) => {
      expect(checkValue(type, placeholderValue(type, 'field'), 'field')).toEqual([]);
    },
  );

  it('makes recognisable samples', () => {
    expect(placeholderValue(t('str'), 'topic')).toBe('<topic>');
    expect(placeholderValue(t('list[str]'), 'tags')).toEqual(['<tags 1>', '<tags 2>']);
    expect(placeholderValue(t('dict[str, int]'), 'counts')).toEqual({ key: 1 });
    expect(placeholderValue(profile, 'p')).toEqual({
      name: '<name>',
      age: 1,
      tags: ['<tags 1>', '<tags 2>'],
      address: { city: '<city>' },
    });
  });
});
