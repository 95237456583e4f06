/**
 * Conditions checked against the state types, as a compiler checks an expression. A
 * comparison whose two sides have types that never meet is reported at the field's column:
 *
 * - ordering (`< <= > >=`) a number against a string, or a bool against a string: an error.
 *   Python refuses it (`TypeError: '<' not supported between 'int' and 'str'`), so the same
 *   workflow fails its run upstream; here the edge would silently never be taken.
 * - `==` / `!=` across those types, or `in` a list literal none of whose items can match: a
 *   warning. Legal in Python (never equal), so the file still loads as upstream's does, but it
 *   is almost always a quoted number or an unquoted string.
 *
 * Only what is known statically is judged: a state field of type str, int, float or bool (also
 * inside an object), a loop counter, and literals. A number and a bool are not a mismatch
 * (Python's `True == 1`); null never is (a missing field is null).
 */
import { LOOP_PREFIX } from '../graph.js';
import { formatType } from '../languages/type-grammar.js';
import type { Condition, Expr, TypeNode } from '../types.js';
import type { Checker } from './checker.js';

type Kind = 'number' | 'string' | 'bool';

interface Side {
  kind: Kind;
  /** How a message names it: `int field 'score'`, `the string '80'`. */
  shown: string;
  /** For a literal: its value (to suggest the same value of the other kind). */
  literal?: unknown;
  /** For a reference: 1-based column in the condition. */
  column?: number;
}

const ORDERING = new Set(['<', '<=', '>', '>=']);

function kindOfType(type: TypeNode): Kind | undefined {
  if (type.kind === 'int' || type.kind === 'float') return 'number';
  if (type.kind === 'str') return 'string';
  if (type.kind === 'bool') return 'bool';
  return undefined;
}

/** The type at `path` inside the state, when the checker can know it. */
function typeAt(ck: Checker, path: string[]): TypeNode | undefined {
  const [name, ...rest] = path;
  const field = name === undefined ? undefined : ck.state.get(name);
  if (field === undefined || ck.meta.badStateTypes.has(field.name)) return undefined;
  let type: TypeNode | null = field.type;
  for (const part of rest) {
    if (type?.kind === 'object') type = type.fields.find((f) => f.name === part)?.type ?? null;
    else if (type?.kind === 'dict') type = type.value;
    else return undefined;
  }
  return type ?? undefined;
}

function side(ck: Checker, e: Expr): Side | undefined {
  if (e.kind === 'literal') {
    const v = e.value;
    if (typeof v === 'number') return { kind: 'number', shown: `the number ${v}`, literal: v };
    if (typeof v === 'string') return { kind: 'string', shown: `the string '${v}'`, literal: v };
    if (typeof v === 'boolean') return { kind: 'bool', shown: `the bool ${v}`, literal: v };
    return undefined;
  }
  if (e.kind !== 'ref') return undefined;
  const name = e.path.join('.');
  if (e.path.length === 1 && name.startsWith(LOOP_PREFIX) && !ck.state.has(name)) {
    return { kind: 'number', shown: `the loop counter '${name}'`, column: e.column };
  }
  const type = typeAt(ck, e.path);
  const kind = type === undefined ? undefined : kindOfType(type);
  if (type === undefined || kind === undefined) return undefined;
  return { kind, shown: `${formatType(type)} field '${name}'`, column: e.column };
}

/** Number against string, bool against string: never equal, and unordered in Python. */
function clash(a: Kind, b: Kind): boolean {
  return a !== b && (a === 'string' || b === 'string');
}

/** How to write the literal as the reference's kind, when it reads as one. */
function fix(ref: Side, literal: Side): string {
  const v = literal.literal;
  if (ref.kind === 'number' && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))
    return `write ${Number(v)} without quotes`;
  if (ref.kind === 'bool' && typeof v === 'string' && /^(true|false)$/i.test(v))
    return `write ${v.toLowerCase()} without quotes`;
  if (ref.kind === 'string' && (typeof v === 'number' || typeof v === 'boolean'))
    return `write '${String(v)}' in quotes`;
  return `compare it with a ${ref.kind === 'number' ? 'number' : ref.kind} value, or change the field's type`;
}

export function checkConditionTypes(ck: Checker, c: Condition, path: string): void {
  const at = (column: number | undefined) =>
    ck.map.positionIn(path, c.source, Math.max(0, (column ?? 1) - 1));
  const report = (severity: 'error' | 'warn', left: Side, right: Side, why: string): void => {
    const ref = left.column !== undefined ? left : right;
    const other = ref === left ? right : left;
    const how = other.column === undefined ? `; ${fix(ref, other)}` : '';
    const message = `condition "${c.source}" compares ${left.shown} with ${right.shown}: ${why}${how}`;
    const extra = { pos: at(ref.column) };
    if (severity === 'error') ck.r.error('condition-type-mismatch', path, message, extra);
    else ck.r.warn('condition-never-true', path, message, extra);
  };
  const visit = (e: Expr): void => {
    if (e.kind === 'not') visit(e.operand);
    else if (e.kind === 'and' || e.kind === 'or') {
      visit(e.left);
      visit(e.right);
    } else if (e.kind === 'compare') compare(e);
  };
  const compare = (e: Extract<Expr, { kind: 'compare' }>): void => {
    const left = side(ck, e.left);
    if (e.op === 'in' || e.op === 'not in') {
      if (left === undefined || e.right.kind !== 'list' || e.right.items.length === 0) return;
      const items = e.right.items.map((item) => side(ck, item));
      if (items.every((item) => item !== undefined && clash(left.kind, item.kind))) {
        const listed = { kind: items[0]!.kind, shown: `a list of ${items[0]!.kind} values` };
        const never = e.op === 'in' ? 'never true' : 'always true';
        report('warn', left, listed, `no item can ever equal it, so this test is ${never}`);
      }
      return;
    }
    const right = side(ck, e.right);
    if (left === undefined || right === undefined || !clash(left.kind, right.kind)) return;
    if (ORDERING.has(e.op)) {
      report(
        'error',
        left,
        right,
        `Python refuses '${e.op}' between a ${left.kind} and a ${right.kind} (the run fails there), and this edge would never be taken`,
      );
    } else {
      report(
        'warn',
        left,
        right,
        `they are never equal, so this test is ${e.op === '==' ? 'never' : 'always'} true`,
      );
    }
  };
  visit(c.expr);
}
