import { describe, expect, it } from 'vitest';
import { ConditionSyntaxError, conditionRefs, parseCondition } from '../../src/config/index.js';
import type { Expr } from '../../src/config/types.js';

const lit = (value: unknown): Expr => ({ kind: 'literal', value });
const ref = (column: number, ...path: string[]): Expr => ({ kind: 'ref', path, column });
const cmp = (op: Extract<Expr, { kind: 'compare' }>['op'], left: Expr, right: Expr): Expr => ({
  kind: 'compare',
  op,
  left,
  right,
});

function errorOf(source: string): ConditionSyntaxError {
  try {
    parseCondition(source);
  } catch (e) {
    expect(e).toBeInstanceOf(ConditionSyntaxError);
    return e as ConditionSyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(source)} to be rejected`);
}

describe('parseCondition: operands', () => {
  const cases: Array<[string, Expr]> = [
    ['state.x', ref(1, 'x')],
    ['state.a.b', ref(1, 'a', 'b')],
    ['{state.a}', ref(1, 'a')],
    ['{state.a.b}', ref(1, 'a', 'b')],
    ['  { state . a }', ref(3, 'a')],
    ['{score}', ref(1, 'score')],
    ['_loop_iteration_review', ref(1, '_loop_iteration_review')],
    ['score', ref(1, 'score')],
    ['profile.name', ref(1, 'profile', 'name')],
    ['42', lit(42)],
    ['-3', lit(-3)],
    ['- 2.5', lit(-2.5)],
    ['0.25', lit(0.25)],
    ['.5', lit(0.5)],
    ['1e3', lit(1000)],
    ["'single'", lit('single')],
    ['"double"', lit('double')],
    ["'it\\'s'", lit("it's")],
    ['"say \\"hi\\""', lit('say "hi"')],
    ["'a\\nb\\tc\\\\'", lit('a\nb\tc\\')],
    ["'\\d+'", lit('\\d+')],
    ['"it\'s"', lit("it's")],
    ["''", lit('')],
    ['true', lit(true)],
    ['True', lit(true)],
    ['false', lit(false)],
    ['False', lit(false)],
    ['null', lit(null)],
    ['None', lit(null)],
    ['[]', { kind: 'list', items: [] }],
    ["[1, 'a', null]", { kind: 'list', items: [lit(1), lit('a'), lit(null)] }],
    ['[1, 2,]', { kind: 'list', items: [lit(1), lit(2)] }],
    ['[[1], state.x]', { kind: 'list', items: [{ kind: 'list', items: [lit(1)] }, ref(7, 'x')] }],
    ['(state.x)', ref(2, 'x')],
  ];
  it.each(cases)('%s', (source, expected) => {
    expect(parseCondition(source)).toEqual(expected);
  });
});

describe('parseCondition: operators and precedence', () => {
  const x = ref(1, 'x');
  const cases: Array<[string, Expr]> = [
    ["state.x == 'a'", cmp('==', x, lit('a'))],
    ['state.x != 1', cmp('!=', x, lit(1))],
    ['state.x<1', cmp('<', x, lit(1))],
    ['state.x <= 1', cmp('<=', x, lit(1))],
    ['state.x > 1', cmp('>', x, lit(1))],
    ['state.x >= -1', cmp('>=', x, lit(-1))],
    ["state.x in ['a', 'b']", cmp('in', x, { kind: 'list', items: [lit('a'), lit('b')] })],
    ['state.x not in state.y', cmp('not in', x, ref(16, 'y'))],
    ['state.x is None', cmp('==', x, lit(null))],
    ['state.x is not None', cmp('!=', x, lit(null))],
    ['not state.x == 1', { kind: 'not', operand: cmp('==', ref(5, 'x'), lit(1)) }],
    ['not not state.x', { kind: 'not', operand: { kind: 'not', operand: ref(9, 'x') } }],
    [
      'state.x or state.y and state.z',
      { kind: 'or', left: x, right: { kind: 'and', left: ref(12, 'y'), right: ref(24, 'z') } },
    ],
    [
      '(state.x or state.y) and state.z',
      { kind: 'and', left: { kind: 'or', left: ref(2, 'x'), right: ref(13, 'y') }, right: ref(26, 'z') },
    ],
    [
      'state.a == 1 and not state.b',
      { kind: 'and', left: cmp('==', ref(1, 'a'), lit(1)), right: { kind: 'not', operand: ref(22, 'b') } },
    ],
    [
      'state.a or state.b or state.c',
      { kind: 'or', left: { kind: 'or', left: ref(1, 'a'), right: ref(12, 'b') }, right: ref(23, 'c') },
    ],
    [
      '_loop_iteration_review >= 3 or {state.approved} == True',
      {
        kind: 'or',
        left: cmp('>=', ref(1, '_loop_iteration_review'), lit(3)),
        right: cmp('==', ref(32, 'approved'), lit(true)),
      },
    ],
  ];
  it.each(cases)('%s', (source, expected) => {
    expect(parseCondition(source)).toEqual(expected);
  });
});

describe('parseCondition: errors', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['state.x ==', 11, /expected a value after '==' but found the end of the condition/],
    ['(state.x', 9, /missing '\)' to close the '\(' at column 1/],
    ['state.x === 1', 9, /'===' is not an operator here; use '=='/],
    ['state.x !== 1', 9, /use '!='/],
    ['state.x = 1', 9, /use '==' to compare/],
    ["state.x == 'abc", 12, /unterminated string/],
    ['state.x == "abc', 12, /unterminated string/],
    ['', 1, /empty condition/],
    ['   ', 1, /empty condition/],
    ['state.x && state.y', 9, /use 'and'/],
    ['state.x || state.y', 9, /use 'or'/],
    ['!state.x', 1, /use 'not'/],
    ['state.x AND state.y', 9, /operators are lowercase: 'and'/],
    ['state.x state.y', 9, /unexpected 'state'/],
    ['state', 1, /'state' needs a field name/],
    ['state.', 7, /expected a field name after '\.'/],
    ['state.x.1', 8, /unexpected '\.1'|expected a field name/],
    ['1 < state.x < 5', 13, /chained comparisons are not supported; write 'a < b and b < c'/],
    ['[1, 2', 6, /missing '\]' to close the '\[' at column 1/],
    ['[1 2]', 4, /expected ',' or '\]'/],
    ['{state.x', 9, /missing '\}' to close the '\{' at column 1/],
    ['{1}', 2, /expected a field reference/],
    ['state.x == and', 12, /expected a value after '=='/],
    ['and state.x', 1, /expected a value/],
    ['state.x == -state.y', 12, /'-' is only allowed directly before a number/],
    ['state.x == 12abc', 12, /invalid number/],
    ['state.x @ 1', 9, /unexpected character '@'/],
    ['not', 4, /expected a value/],
    ['state.x in', 11, /expected a value after 'in'/],
    ['()', 2, /expected a value/],
  ];
  it.each(cases)('%j fails at column %d', (source, column, message) => {
    const err = errorOf(source);
    expect(err.message).toMatch(message);
    expect(err.column).toBe(column);
  });
});

describe('conditionRefs', () => {
  it('lists every reference in source order with columns', () => {
    const expr = parseCondition(
      "state.a == 1 and ({state.b.c} in [state.d, 'x'] or not _loop_iteration_n > 2)",
    );
    expect(conditionRefs(expr)).toEqual([
      { path: ['a'], column: 1 },
      { path: ['b', 'c'], column: 19 },
      { path: ['d'], column: 35 },
      { path: ['_loop_iteration_n'], column: 56 },
    ]);
  });

  it('is empty for literals', () => {
    expect(conditionRefs(parseCondition("1 == 1 and 'a' in ['a']"))).toEqual([]);
  });
});
