/**
 * Evaluates a parsed condition against run state. Conditions decide routing, so a
 * surprising value in state must never crash a run: every operation is total, and
 * anything Python would reject as a type error (`'a' < 1`, ordering with null) is false.
 */
import type { Expr } from '../config/types.js';

/**
 * `scope` is the state plus `_loop_iteration_<node>` counters. Missing fields read as
 * null. Booleans compare with numbers as 1 and 0, as in Python (`true == 1`, `state.ok > 0`),
 * so a workflow routes here as it does upstream.
 */
export function evaluateCondition(expr: Expr, scope: Record<string, unknown>): boolean {
  return truthy(evaluate(expr, scope));
}

function evaluate(expr: Expr, scope: Record<string, unknown>): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'ref':
      return lookup(scope, expr.path);
    case 'list':
      return expr.items.map((item) => evaluate(item, scope));
    case 'not':
      return !truthy(evaluate(expr.operand, scope));
    // Python's and/or yield an operand, so `(state.a or 'x') == 'x'` behaves as there.
    case 'and': {
      const left = evaluate(expr.left, scope);
      return truthy(left) ? evaluate(expr.right, scope) : left;
    }
    case 'or': {
      const left = evaluate(expr.left, scope);
      return truthy(left) ? left : evaluate(expr.right, scope);
    }
    case 'compare': {
      const left = evaluate(expr.left, scope);
      const right = evaluate(expr.right, scope);
      switch (expr.op) {
        case '==':
          return deepEqual(left, right);
        case '!=':
          return !deepEqual(left, right);
        case 'in':
          return contains(right, left);
        case 'not in':
          return !contains(right, left);
        default:
          return order(expr.op, left, right);
      }
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function lookup(scope: Record<string, unknown>, path: string[]): unknown {
  let current: unknown = scope;
  for (const part of path) {
    if (!isPlainObject(current) || !Object.hasOwn(current, part)) return null;
    current = current[part];
  }
  return current === undefined ? null : current;
}

/** Python truthiness: null, false, 0, '', [] and {} are false. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'boolean') return a === Number(b);
  if (a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function contains(container: unknown, item: unknown): boolean {
  if (Array.isArray(container)) return container.some((x) => deepEqual(x, item));
  if (typeof container === 'string') return typeof item === 'string' && container.includes(item);
  if (isPlainObject(container)) return typeof item === 'string' && Object.hasOwn(container, item);
  return false;
}

/** Python orders booleans as the numbers 1 and 0, with each other and with numbers. */
function numeric(value: unknown): unknown {
  return typeof value === 'boolean' ? Number(value) : value;
}

function order(op: '<' | '<=' | '>' | '>=', left: unknown, right: unknown): boolean {
  const a = numeric(left);
  const b = numeric(right);
  const comparable =
    (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) return false;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}
