/**
 * The state type grammar (workflow-format.md section 3):
 *
 *   type := 'str' | 'int' | 'float' | 'bool' | 'object'
 *         | 'list' [ '[' type ']' ]
 *         | 'dict' [ '[' key ',' type ']' ]      key := 'str' | 'int'
 *
 * Whitespace anywhere between tokens is insignificant. Names are case-sensitive like the
 * Python project's; close misspellings and names from other languages (`string`,
 * `integer`, `array`...) are rejected with a "did you mean" so the author fixes the file
 * instead of us guessing.
 */
import type { ObjectField, TypeNode } from '../types.js';

export class TypeSyntaxError extends Error {
  /** 1-based column in the type text. */
  readonly column: number;

  constructor(message: string, column: number) {
    super(message);
    this.name = 'TypeSyntaxError';
    this.column = column;
  }
}

const SCALARS = ['str', 'int', 'float', 'bool'] as const;
const KNOWN = ['str', 'int', 'float', 'bool', 'list', 'dict', 'object'] as const;

/** Names people bring from JSON Schema, TypeScript, Python's typing module and friends. */
const ALIASES: Record<string, string> = {
  string: 'str',
  text: 'str',
  integer: 'int',
  long: 'int',
  number: 'float',
  double: 'float',
  decimal: 'float',
  boolean: 'bool',
  array: 'list',
  tuple: 'list',
  sequence: 'list',
  map: 'dict',
  mapping: 'dict',
  dictionary: 'dict',
  record: 'dict',
  struct: 'object',
};

/** Closest known type name for an unknown one, or undefined when nothing is close. */
export function suggestTypeName(name: string): string | undefined {
  const lower = name.toLowerCase();
  if ((KNOWN as readonly string[]).includes(lower)) return lower;
  const alias = ALIASES[lower];
  if (alias !== undefined) return alias;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  // Misspelt aliases count too: 'intger' is one edit from 'integer', three from 'int'.
  const candidates: Array<[string, string]> = [
    ...KNOWN.map((k): [string, string] => [k, k]),
    ...Object.entries(ALIASES),
  ];
  for (const [candidate, target] of candidates) {
    const d = editDistance(lower, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = target;
    }
  }
  // Short names make any two-letter edit look "close"; keep suggestions believable.
  const limit = lower.length <= 3 ? 1 : 2;
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

interface Token {
  kind: 'name' | '[' | ']' | ',' | 'end';
  text: string;
  /** 1-based. */
  column: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '[' || ch === ']' || ch === ',') {
      tokens.push({ kind: ch, text: ch, column: i + 1 });
      i++;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (m) {
      tokens.push({ kind: 'name', text: m[0], column: i + 1 });
      i += m[0].length;
      continue;
    }
    const hint =
      ch === '<' || ch === '>'
        ? " (use square brackets, e.g. 'list[str]')"
        : ch === '|'
          ? ' (union types are not supported; use one type and make the field not required for null)'
          : '';
    throw new TypeSyntaxError(`unexpected character '${ch}' in type '${text}'${hint}`, i + 1);
  }
  tokens.push({ kind: 'end', text: '', column: text.length + 1 });
  return tokens;
}

class Parser {
  private pos = 0;
  private readonly text: string;
  private readonly tokens: Token[];

  constructor(text: string, tokens: Token[]) {
    this.text = text;
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  private describe(t: Token): string {
    return t.kind === 'end' ? 'the end of the type' : `'${t.text}'`;
  }

  private expect(kind: Token['kind'], what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) {
      throw new TypeSyntaxError(
        `expected ${what} but found ${this.describe(t)} in type '${this.text}'`,
        t.column,
      );
    }
    return this.next();
  }

  parseAll(): TypeNode {
    if (this.peek().kind === 'end') {
      throw new TypeSyntaxError(
        'empty type; use one of str, int, float, bool, list, dict, list[T], dict[K, V], object',
        1,
      );
    }
    const node = this.parseType();
    const rest = this.peek();
    if (rest.kind !== 'end') {
      throw new TypeSyntaxError(
        `unexpected ${this.describe(rest)} after a complete type in '${this.text}'`,
        rest.column,
      );
    }
    return node;
  }

  private parseType(): TypeNode {
    const t = this.peek();
    if (t.kind !== 'name') {
      throw new TypeSyntaxError(
        `expected a type name (str, int, float, bool, list, dict, object) but found ${this.describe(t)} in type '${this.text}'`,
        t.column,
      );
    }
    this.next();
    switch (t.text) {
      case 'str':
      case 'int':
      case 'float':
      case 'bool':
        this.rejectParameters(t.text);
        return { kind: t.text };
      case 'object':
        this.rejectParameters('object', " (describe its properties with 'schema:')");
        return { kind: 'object', fields: [] };
      case 'list': {
        if (this.peek().kind !== '[') return { kind: 'list', items: null };
        this.next();
        const items = this.parseType();
        if (this.peek().kind === ',') {
          throw new TypeSyntaxError(
            `list takes one element type, e.g. 'list[str]'; for key/value pairs use 'dict[K, V]'`,
            this.peek().column,
          );
        }
        this.expect(']', "']' to close 'list['");
        return { kind: 'list', items };
      }
      case 'dict': {
        if (this.peek().kind !== '[') return { kind: 'dict', key: null, value: null };
        this.next();
        const keyToken = this.peek();
        const key = this.parseType();
        if (key.kind !== 'str' && key.kind !== 'int') {
          throw new TypeSyntaxError(
            `dict keys must be str or int (JSON object keys are strings), not '${formatType(key)}'`,
            keyToken.column,
          );
        }
        if (this.peek().kind !== ',') {
          throw new TypeSyntaxError(
            `dict takes a key and a value type, e.g. 'dict[str, int]'; expected ',' but found ${this.describe(this.peek())}`,
            this.peek().column,
          );
        }
        this.next();
        const value = this.parseType();
        this.expect(']', "']' to close 'dict['");
        return { kind: 'dict', key, value };
      }
      default: {
        const suggestion = suggestTypeName(t.text);
        const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
        throw new TypeSyntaxError(
          `unknown type '${t.text}'${hint}; known types: ${KNOWN.join(', ')}, list[T], dict[K, V]`,
          t.column,
        );
      }
    }
  }

  private rejectParameters(name: string, extra = ''): void {
    const t = this.peek();
    if (t.kind === '[') {
      throw new TypeSyntaxError(`'${name}' takes no type parameters${extra}`, t.column);
    }
  }
}

/** Parses a type string; throws TypeSyntaxError with a 1-based column on bad input. */
export function parseType(text: string): TypeNode {
  return new Parser(text, tokenize(text)).parseAll();
}

/** Canonical text of a type, e.g. `dict[str, list[int]]` or `object{a:str, b:int}`. */
export function formatType(t: TypeNode): string {
  switch (t.kind) {
    case 'str':
    case 'int':
    case 'float':
    case 'bool':
    case 'any':
      return t.kind;
    case 'list':
      return t.items === null ? 'list' : `list[${formatType(t.items)}]`;
    case 'dict':
      if (t.key === null && t.value === null) return 'dict';
      return `dict[${t.key === null ? 'str' : formatType(t.key)}, ${t.value === null ? 'any' : formatType(t.value)}]`;
    case 'object':
      if (t.fields.length === 0) return 'object';
      return `object{${t.fields.map((f) => `${f.name}:${formatType(f.type)}`).join(', ')}}`;
  }
}

/**
 * Structural equality. Object fields are compared by name and type, in any order;
 * `required` and descriptions are documentation of the field, not part of its type.
 */
export function typeEquals(a: TypeNode, b: TypeNode): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'list': {
      const bi = (b as { items: TypeNode | null }).items;
      return nullableEquals(a.items, bi);
    }
    case 'dict': {
      const bd = b as { key: TypeNode | null; value: TypeNode | null };
      return nullableEquals(a.key, bd.key) && nullableEquals(a.value, bd.value);
    }
    case 'object': {
      const bf = (b as { fields: ObjectField[] }).fields;
      if (a.fields.length !== bf.length) return false;
      const byName = new Map(bf.map((f) => [f.name, f.type]));
      return a.fields.every((f) => {
        const other = byName.get(f.name);
        return other !== undefined && typeEquals(f.type, other);
      });
    }
    default:
      return true;
  }
}

function nullableEquals(a: TypeNode | null, b: TypeNode | null): boolean {
  if (a === null || b === null) return a === b;
  return typeEquals(a, b);
}

/** True for the four scalar kinds (what `output_schema: {type: ...}` may name directly). */
export function isScalarType(t: TypeNode): boolean {
  return (SCALARS as readonly string[]).includes(t.kind);
}
