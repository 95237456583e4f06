/**
 * Values against state types: strict checks (HTTP inputs, model answers, defaults),
 * command-line coercion, JSON Schema export and dry-run placeholders. All of them walk
 * the same `TypeNode` tree so they can never disagree about what a type accepts.
 */

import type { TypeNode } from '../types.js';
import { formatType } from './type-grammar.js';

export interface ValueIssue {
  /** Where in the value, e.g. `profile.tags[2]` or `categories["x"]` (the caller's root path first). */
  path: string;
  /** The expected type as text, e.g. `list[int]`, or `no such property`. */
  expected: string;
  /** What was found: `string "abc"`, `float 2.5`, `null`, `list`, ... */
  received: string;
  /** Self-contained sentence starting with the path when there is one: `tags[2]: expected str, got int 7`. */
  message: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Number.MAX_SAFE_INTEGER (2^53 - 1), written for people. */
const MAX_INT_TEXT = '9,007,199,254,740,991';
/** How an `int` dict key looks in JSON (keys are always strings there). */
const INT_KEY = /^-?(0|[1-9][0-9]*)$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function propertyPath(parent: string, name: string): string {
  if (IDENTIFIER.test(name)) return parent === '' ? name : `${parent}.${name}`;
  return `${parent}[${JSON.stringify(name)}]`;
}

function keyPath(parent: string, key: string): string {
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Short description of a value for messages; never dumps whole structures. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `non-finite number ${String(value)}`;
    return Number.isInteger(value) ? `int ${value}` : `float ${value}`;
  }
  if (typeof value === 'boolean') return `bool ${value}`;
  if (Array.isArray(value)) return `list of ${value.length}`;
  if (isPlainObject(value)) return 'object';
  return typeof value;
}

/** Consumers print messages alone (a list of input problems), so each names its place. */
function at(path: string, text: string): string {
  return path === '' ? text : `${path}: ${text}`;
}

function mismatch(type: TypeNode, value: unknown, path: string, why?: string): ValueIssue {
  const expected = formatType(type);
  const received = describeValue(value);
  return {
    path,
    expected,
    received,
    message: at(path, why ?? `expected ${expected}, got ${received}`),
  };
}

/**
 * Strict JSON check of `value` against `type`; every issue is reported, not only the first.
 * `null` is a mismatch at the root (callers decide where null is allowed); inside an
 * object, a property that is not required may be absent or null, matching how a
 * top-level field that is neither required nor defaulted starts as null.
 * An `object` without fields (no schema) accepts any JSON object.
 */
export function checkValue(type: TypeNode, value: unknown, path: string): ValueIssue[] {
  const issues: ValueIssue[] = [];
  check(type, value, path, issues);
  return issues;
}

function check(type: TypeNode, value: unknown, path: string, issues: ValueIssue[]): void {
  switch (type.kind) {
    case 'any':
      if (value === undefined) issues.push(mismatch(type, value, path));
      return;
    case 'str':
      if (typeof value !== 'string') issues.push(mismatch(type, value, path));
      return;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        const why =
          typeof value === 'number' && Number.isFinite(value)
            ? `expected int (a whole number), got ${describeValue(value)}`
            : undefined;
        issues.push(mismatch(type, value, path, why));
      } else if (!Number.isSafeInteger(value)) {
        // JSON numbers are doubles: past 2^53 a whole number is rounded (2^63 reads back as
        // 9223372036854775808, 1e308 as an integer with 308 digits nobody wrote).
        issues.push(
          mismatch(
            type,
            value,
            path,
            `expected int between -${MAX_INT_TEXT} and ${MAX_INT_TEXT}, got ${describeValue(value)}: larger whole numbers are not kept exactly (send it as a str, or as a float if an approximation will do)`,
          ),
        );
      }
      return;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) issues.push(mismatch(type, value, path));
      return;
    case 'bool':
      if (typeof value !== 'boolean') issues.push(mismatch(type, value, path));
      return;
    case 'list':
      if (!Array.isArray(value)) {
        issues.push(mismatch(type, value, path));
        return;
      }
      if (type.items !== null) {
        for (const [i, item] of value.entries()) check(type.items, item, `${path}[${i}]`, issues);
      }
      return;
    case 'dict':
      if (!isPlainObject(value)) {
        issues.push(mismatch(type, value, path));
        return;
      }
      for (const [k, v] of Object.entries(value)) {
        if (type.key !== null && type.key.kind === 'int' && !INT_KEY.test(k)) {
          issues.push({
            path: keyPath(path, k),
            expected: 'int key',
            received: `key ${JSON.stringify(k)}`,
            message: at(keyPath(path, k), `expected an int key (like "3"), got key ${JSON.stringify(k)}`),
          });
        }
        if (type.value !== null) check(type.value, v, keyPath(path, k), issues);
      }
      return;
    case 'object': {
      if (!isPlainObject(value)) {
        issues.push(mismatch(type, value, path));
        return;
      }
      if (type.fields.length === 0) return;
      const known = new Set(type.fields.map((f) => f.name));
      for (const field of type.fields) {
        const v = Object.hasOwn(value, field.name) ? value[field.name] : undefined;
        const where = propertyPath(path, field.name);
        if (v === undefined) {
          if (field.required) {
            issues.push({
              path: where,
              expected: formatType(field.type),
              received: 'nothing',
              message: at(where, `missing required property '${field.name}' (${formatType(field.type)})`),
            });
          }
          continue;
        }
        if (v === null && !field.required) continue;
        check(field.type, v, where, issues);
      }
      for (const k of Object.keys(value)) {
        if (known.has(k)) continue;
        issues.push({
          path: propertyPath(path, k),
          expected: 'no such property',
          received: describeValue(value[k]),
          message: at(
            propertyPath(path, k),
            `unknown property '${k}'; known properties: ${[...known].join(', ')}`,
          ),
        });
      }
      return;
    }
  }
}

export type CoerceResult = { ok: true; value: unknown } | { ok: false; message: string };

/** What a valid command-line value for `type` looks like, for error messages. */
function exampleFor(type: TypeNode): string {
  switch (type.kind) {
    case 'int':
      return '42';
    case 'float':
      return '2.5';
    case 'bool':
      return 'true or false';
    case 'list':
      return type.items?.kind === 'int' || type.items?.kind === 'float' ? '[1, 2]' : `'["a", "b"]'`;
    case 'dict':
    case 'object':
      return `'{"key": "value"}'`;
    default:
      return 'text';
  }
}

/**
 * Command-line input (`-i key=value`, section 3): JSON when the text parses as JSON,
 * otherwise the text itself, then converted to the type where no information is lost.
 * A `str` field keeps the text exactly as typed (`007` stays "007", `true` stays "true");
 * only a JSON-quoted string (`"\"hi\""`) is unquoted, because quoting is how a shell user
 * says "this is a string".
 */
export function coerceCliValue(type: TypeNode, raw: string): CoerceResult {
  let parsed: unknown = raw;
  let isJson = false;
  try {
    parsed = JSON.parse(raw);
    isJson = true;
  } catch {
    // Not JSON: the raw text is the value.
  }
  const fail = (why: string): CoerceResult => ({
    ok: false,
    message: `${why}; expected ${formatType(type)}, e.g. ${exampleFor(type)}`,
  });

  switch (type.kind) {
    case 'any':
      return { ok: true, value: parsed };
    case 'str':
      return { ok: true, value: isJson && typeof parsed === 'string' ? parsed : raw };
    case 'int': {
      const n = typeof parsed === 'string' ? numberFromText(parsed) : parsed;
      if (typeof n !== 'number') return fail(`${JSON.stringify(raw)} is not a number`);
      if (!Number.isInteger(n)) return fail(`${JSON.stringify(raw)} is not a whole number`);
      if (!Number.isSafeInteger(n)) {
        return fail(
          `${JSON.stringify(raw)} is outside -${MAX_INT_TEXT}..${MAX_INT_TEXT}, so it would not be kept exactly`,
        );
      }
      return { ok: true, value: n };
    }
    case 'float': {
      const n = typeof parsed === 'string' ? numberFromText(parsed) : parsed;
      if (typeof n !== 'number' || !Number.isFinite(n)) return fail(`${JSON.stringify(raw)} is not a number`);
      return { ok: true, value: n };
    }
    case 'bool': {
      if (typeof parsed === 'boolean') return { ok: true, value: parsed };
      // Python spells them True/False; accepting any case loses nothing.
      if (typeof parsed === 'string') {
        const lower = parsed.trim().toLowerCase();
        if (lower === 'true') return { ok: true, value: true };
        if (lower === 'false') return { ok: true, value: false };
      }
      return fail(`${JSON.stringify(raw)} is not true or false`);
    }
    case 'list':
    case 'dict':
    case 'object': {
      if (!isJson) return fail(`${JSON.stringify(raw)} is not valid JSON`);
      const issues = checkValue(type, parsed, '');
      if (issues.length === 0) return { ok: true, value: parsed };
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
      return { ok: false, message: `${issues[0]!.message}${more}` };
    }
  }
}

/** A number written as text, only when the whole text is a plain decimal number. */
function numberFromText(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** JSON Schema (draft 2020-12 compatible subset) for a type, as models' structured output wants it. */
export function typeToJsonSchema(type: TypeNode, description?: string): Record<string, unknown> {
  const schema = baseSchema(type);
  if (description !== undefined && description !== '') schema.description = description;
  return schema;
}

function baseSchema(type: TypeNode): Record<string, unknown> {
  switch (type.kind) {
    case 'any':
      return {};
    case 'str':
      return { type: 'string' };
    case 'int':
      return { type: 'integer' };
    case 'float':
      return { type: 'number' };
    case 'bool':
      return { type: 'boolean' };
    case 'list':
      return type.items === null ? { type: 'array' } : { type: 'array', items: typeToJsonSchema(type.items) };
    case 'dict': {
      const schema: Record<string, unknown> = { type: 'object' };
      if (type.value !== null) schema.additionalProperties = typeToJsonSchema(type.value);
      if (type.key?.kind === 'int') schema.propertyNames = { pattern: INT_KEY.source };
      return schema;
    }
    case 'object': {
      if (type.fields.length === 0) return { type: 'object' };
      const properties: Record<string, unknown> = {};
      for (const f of type.fields) properties[f.name] = typeToJsonSchema(f.type, f.description);
      return {
        type: 'object',
        properties,
        required: type.fields.filter((f) => f.required).map((f) => f.name),
        additionalProperties: false,
      };
    }
  }
}

/**
 * A value that passes `checkValue(type, ...)`, for dry runs: recognisable text naming
 * the field, small numbers, two list items, one dict entry, every object property.
 */
export function placeholderValue(type: TypeNode, name: string): unknown {
  switch (type.kind) {
    case 'any':
    case 'str':
      return `<${name}>`;
    case 'int':
      return 1;
    case 'float':
      return 0.5;
    case 'bool':
      return true;
    case 'list': {
      const items = type.items ?? { kind: 'str' };
      return [placeholderValue(items, `${name} 1`), placeholderValue(items, `${name} 2`)];
    }
    case 'dict': {
      const key = type.key?.kind === 'int' ? '1' : 'key';
      return { [key]: placeholderValue(type.value ?? { kind: 'str' }, `${name} value`) };
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const f of type.fields) out[f.name] = placeholderValue(f.type, f.name);
      return out;
    }
  }
}
