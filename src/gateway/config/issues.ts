/**
 * zod issues → the project's diagnostics: one line per problem, in the words the workflow
 * loader uses ("expected a number, got text"), placed at the YAML node the issue's path names,
 * with did-you-mean for unknown keys and enum values. Union failures report the branch the
 * value was meant for (an object target's own problems, not "expected a string").
 */
import type { z } from 'zod';
import type { Reporter } from '../../config/diagnostics.js';
import { didYouMean, suggest } from '../../config/suggest.js';
import type { Position } from '../../config/types.js';

type Issue = z.core.$ZodIssue;
type Segment = string | number | symbol;

/** `routes.fast.targets[0].model` from a zod path. */
export function pathText(path: readonly Segment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment as string | number];
  }
  return node;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'string') return `text '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'number')
    return Number.isInteger(value) ? `the number ${value}` : `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  record: 'a mapping (key: value)',
};

/** The keys an object schema at this path accepts (for "did you mean"). */
export type KeysAt = (path: readonly Segment[]) => string[];

export function reportIssues(
  issues: readonly Issue[],
  input: unknown,
  reporter: Reporter,
  keysAt: KeysAt,
  locateKey: (path: string) => Position | undefined,
  prefix: readonly Segment[] = [],
): void {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    const where = pathText(path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = keysAt(path);
        for (const key of issue.keys) {
          const suggestion = suggest(key, allowed);
          const keyPath = pathText([...path, key]);
          reporter.error(
            'unknown-key',
            keyPath,
            `unknown key '${key}'${didYouMean(suggestion)}${suggestion === undefined && allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''}`,
            { suggestion, pos: locateKey(keyPath) },
          );
        }
        break;
      }
      case 'invalid_type': {
        const value = valueAt(input, path);
        const expected = EXPECTED[issue.expected] ?? issue.expected;
        reporter.error(
          value === undefined ? 'missing-key' : 'wrong-type',
          where,
          value === undefined
            ? `required: expected ${expected}`
            : `expected ${expected}, got ${describeValue(value)}`,
        );
        break;
      }
      case 'invalid_value': {
        const value = valueAt(input, path);
        const options = issue.values.map(String);
        const suggestion = typeof value === 'string' ? suggest(value, options) : undefined;
        reporter.error(
          'invalid-value',
          where,
          `${describeValue(value)} is not one of ${options.join(', ')}${didYouMean(suggestion)}`,
          { suggestion },
        );
        break;
      }
      case 'too_small':
      case 'too_big': {
        const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
        const side = issue.code === 'too_small' ? 'at least' : 'at most';
        const what =
          issue.origin === 'array'
            ? `${side} ${bound} item${bound === '1' ? '' : 's'}`
            : issue.origin === 'string'
              ? `${side} ${bound} character${bound === '1' ? '' : 's'}`
              : `${side} ${bound}`;
        reporter.error('out-of-range', where, `must be ${what}, got ${describeValue(valueAt(input, path))}`);
        break;
      }
      case 'invalid_union': {
        // The branch whose failures are not "wrong type at the root" is the one the value was meant for.
        const meant = issue.errors.find(
          (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
        );
        if (meant !== undefined) reportIssues(meant, input, reporter, keysAt, locateKey, path);
        else
          reporter.error('wrong-type', where, `${issue.message}: got ${describeValue(valueAt(input, path))}`);
        break;
      }
      default:
        reporter.error('invalid-value', where, issue.message);
    }
  }
}
