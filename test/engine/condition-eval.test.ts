import { describe, expect, it } from 'vitest';
import { parseCondition } from '../../src/config/index.js';
import { evaluateCondition } from '../../src/engine/condition-eval.js';

const state: Record<string, unknown> = {
  score: 7,
  ratio: 0.5,
  name: 'Ada Lovelace',
  empty: '',
  zero: 0,
  approved: true,
  rejected: false,
  nothing: null,
  tags: ['math', 'poetry'],
  none: [],
  matrix: [[1, 2], [3]],
  profile: { name: 'Ada', address: { city: 'London' }, langs: ['en'] },
  emptyObj: {},
  counts: { a: 1, b: 2 },
  _loop_iteration_review: 2,
};

describe('evaluateCondition', () => {
  const cases: Array<[string, boolean]> = [
    // comparisons on numbers and strings
    ['state.score == 7', true],
    ['state.score == 7.0', true],
    ['state.score != 7', false],
    ['state.score > 5', true],
    ['state.score >= 7', true],
    ['state.score < 7', false],
    ['state.score <= 6.5', false],
    ['state.ratio < 1 and state.ratio > -1', true],
    ["state.name == 'Ada Lovelace'", true],
    ['state.name == "ada lovelace"', false],
    ["'apple' < 'banana'", true],
    // nested paths and brace form
    ["state.profile.name == 'Ada'", true],
    ["{state.profile.address.city} == 'London'", true],
    ['{state.score} >= 7', true],
    ['score == 7', true],
    // missing fields are null
    ['state.missing == null', true],
    ['state.missing == None', true],
    ['state.profile.missing.deeper == null', true],
    ['state.name.first == null', true],
    ['state.nothing is None', true],
    ['state.missing != null', false],
    // null and type mismatches never order
    ['state.nothing < 1', false],
    ['state.nothing >= 0', false],
    ['state.missing > 0', false],
    ["'a' < 1", false],
    ["state.score >= '5'", false],
    ["state.approved > '0'", false],
    // booleans are 1 and 0 beside numbers, as in Python
    ['state.approved > 0', true],
    ['state.approved == 1', true],
    ['state.rejected == 0', true],
    ['state.approved != 1', false],
    ['state.rejected < state.approved', true],
    ['1 in [true]', true],
    ['state.approved == 2', false],
    ['state.approved', true],
    ['state.approved == true', true],
    ['state.approved == True', true],
    ['state.rejected == false', true],
    ['not state.rejected', true],
    // truthiness of bare operands
    ['state.empty', false],
    ['state.zero', false],
    ['state.nothing', false],
    ['state.none', false],
    ['state.emptyObj', false],
    ['state.tags', true],
    ['state.name', true],
    ['not state.none', true],
    // precedence
    ['not state.score == 7', false],
    ['not state.score == 8', true],
    ['state.approved or state.rejected and state.rejected', true],
    ['(state.approved or state.rejected) and state.rejected', false],
    ['not state.approved or state.approved', true],
    // and/or yield operands like Python
    ["(state.empty or 'fallback') == 'fallback'", true],
    ["(state.name and 'yes') == 'yes'", true],
    // deep equality
    ["state.tags == ['math', 'poetry']", true],
    ["state.tags == ['poetry', 'math']", false],
    ['state.matrix == [[1, 2], [3]]', true],
    ['state.none == []', true],
    ['state.tags == state.tags', true],
    // membership
    ["'math' in state.tags", true],
    ["'art' in state.tags", false],
    ["'art' not in state.tags", true],
    ["'Love' in state.name", true],
    ["'love' in state.name", false],
    ["'a' in state.counts", true],
    ["'z' in state.counts", false],
    ["'name' in state.profile", true],
    ['[3] in state.matrix', true],
    ['state.score in [1, 7, 9]', true],
    ["'en' in state.profile.langs", true],
    ["'x' in state.missing", false],
    ["'x' not in state.missing", true],
    ['1 in state.name', false],
    ['1 in state.counts', false],
    // loop counters
    ['_loop_iteration_review >= 2', true],
    ['_loop_iteration_review >= 3', false],
    ['_loop_iteration_other == null', true],
    // literals alone
    ['true', true],
    ['None', false],
    ['[]', false],
    ['[0]', true],
    ["''", false],
  ];
  it.each(cases)('%s → %s', (source, expected) => {
    expect(evaluateCondition(parseCondition(source), state)).toBe(expected);
  });

  it('never throws on surprising state values', () => {
    const odd = { x: undefined, y: Number.NaN, z: [undefined] } as Record<string, unknown>;
    for (const source of [
      'state.x < 1',
      'state.y > 0',
      'state.y == state.y',
      'state.z == [null]',
      'state.x in state.y',
    ]) {
      expect(() => evaluateCondition(parseCondition(source), odd)).not.toThrow();
    }
    expect(evaluateCondition(parseCondition('state.x == null'), odd)).toBe(true);
    expect(evaluateCondition(parseCondition('state.y'), odd)).toBe(false);
  });

  it('does not read inherited properties', () => {
    expect(evaluateCondition(parseCondition('state.toString == null'), {})).toBe(true);
    expect(evaluateCondition(parseCondition("'constructor' in state.counts"), state)).toBe(false);
  });
});
