/**
 * The condition language of edges and routes (workflow-format.md section 7), parsed by
 * hand into an `Expr` tree so nothing is ever handed to `eval`.
 *
 *   or      := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | compare
 *   compare := operand (op operand)?        op := == != < <= > >= in 'not in' is 'is not'
 *   operand := number | '-' number | string | true/false/True/False | null/None
 *            | '[' [or (',' or)* [',']] ']' | '(' or ')' | ref
 *   ref     := 'state' '.' id ('.' id)* | '{' ['state' '.'] id ('.' id)* '}' | id ('.' id)*
 *
 * Choices, kept close to the Python project's leniency:
 * - A bare identifier that is not a keyword (`score`, `_loop_iteration_review`) is a state
 *   reference, the same as `state.score`; `_loop_iteration_<node>` is just such a name.
 * - `is` / `is not` are accepted as `==` / `!=` because Python authors write `x is None`.
 * - Chained comparisons (`a < b < c`) are rejected with a message showing the `and` form,
 *   since their Python meaning surprises most readers.
 */
import type { CompareOp, Expr } from '../types.js';

export class ConditionSyntaxError extends Error {
  /** 1-based column in the condition text. */
  readonly column: number;

  constructor(message: string, column: number) {
    super(message);
    this.name = 'ConditionSyntaxError';
    this.column = column;
  }
}

type TokenKind = 'number' | 'string' | 'name' | 'op' | 'punct' | 'end';

interface Token {
  kind: TokenKind;
  /** Source text (for strings: the decoded value). */
  text: string;
  value?: unknown;
  /** 1-based start column. */
  column: number;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'true', 'false', 'True', 'False', 'null', 'None']);

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

/** Operators from other languages, mapped to what to write instead. */
const FOREIGN_OPERATORS: Array<[string, string]> = [
  ['===', "'===' is not an operator here; use '=='"],
  ['!==', "'!==' is not an operator here; use '!='"],
  ['&&', "'&&' is not an operator here; use 'and'"],
  ['||', "'||' is not an operator here; use 'or'"],
];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    const column = i + 1;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i));
    if (num) {
      const after = source[i + num[0].length];
      if (after !== undefined && /[A-Za-z_]/.test(after)) {
        throw new ConditionSyntaxError(`invalid number '${num[0]}${after}'`, column);
      }
      tokens.push({ kind: 'number', text: num[0], value: Number(num[0]), column });
      i += num[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let value = '';
      let j = i + 1;
      let closed = false;
      while (j < source.length) {
        const c = source[j]!;
        if (c === ch) {
          closed = true;
          break;
        }
        if (c === '\\' && j + 1 < source.length) {
          const e = source[j + 1]!;
          const mapped = ESCAPES[e];
          // Python keeps unknown escapes (`\d`) as written; do the same.
          value += mapped ?? `\\${e}`;
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      if (!closed) {
        throw new ConditionSyntaxError(`unterminated string: no closing ${ch} for the quote`, column);
      }
      tokens.push({ kind: 'string', text: source.slice(i, j + 1), value, column });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (id) {
      tokens.push({ kind: 'name', text: id[0], column });
      i += id[0].length;
      continue;
    }
    for (const [op, message] of FOREIGN_OPERATORS) {
      if (source.startsWith(op, i)) throw new ConditionSyntaxError(message, column);
    }
    const two = source.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'op', text: two, column });
      i += 2;
      continue;
    }
    if (ch === '<' || ch === '>') {
      tokens.push({ kind: 'op', text: ch, column });
      i++;
      continue;
    }
    if ('()[],.{}-'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, column });
      i++;
      continue;
    }
    if (ch === '=') throw new ConditionSyntaxError("'=' is assignment; use '==' to compare", column);
    if (ch === '!') throw new ConditionSyntaxError("'!' is not an operator here; use 'not'", column);
    throw new ConditionSyntaxError(`unexpected character '${ch}'`, column);
  }
  tokens.push({ kind: 'end', text: '', column: source.length + 1 });
  return tokens;
}

function describe(t: Token): string {
  if (t.kind === 'end') return 'the end of the condition';
  return `'${t.text}'`;
}

class Parser {
  private pos = 0;
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  private isName(t: Token, text: string): boolean {
    return t.kind === 'name' && t.text === text;
  }

  private isPunct(t: Token, text: string): boolean {
    return t.kind === 'punct' && t.text === text;
  }

  parseAll(): Expr {
    if (this.peek().kind === 'end') {
      throw new ConditionSyntaxError('empty condition; write an expression like state.score >= 7', 1);
    }
    const expr = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'end') {
      const hint =
        rest.kind === 'name' && (rest.text === 'AND' || rest.text === 'OR' || rest.text === 'NOT')
          ? ` (operators are lowercase: '${rest.text.toLowerCase()}')`
          : ' (expected and, or, or a comparison operator)';
      throw new ConditionSyntaxError(`unexpected ${describe(rest)}${hint}`, rest.column);
    }
    return expr;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isName(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isName(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isName(this.peek(), 'not')) {
      this.next();
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parseCompare();
  }

  /** Reads a comparison operator if one is next; consumes it. */
  private compareOp(): { op: CompareOp; token: Token } | undefined {
    const t = this.peek();
    if (t.kind === 'op') {
      this.next();
      return { op: t.text as CompareOp, token: t };
    }
    if (this.isName(t, 'in')) {
      this.next();
      return { op: 'in', token: t };
    }
    if (this.isName(t, 'not') && this.isName(this.peek(1), 'in')) {
      this.next();
      this.next();
      return { op: 'not in', token: t };
    }
    if (this.isName(t, 'is')) {
      this.next();
      if (this.isName(this.peek(), 'not')) {
        this.next();
        return { op: '!=', token: t };
      }
      return { op: '==', token: t };
    }
    return undefined;
  }

  private parseCompare(): Expr {
    const left = this.parseOperand();
    const first = this.compareOp();
    if (first === undefined) return left;
    const right = this.parseOperand(first.token);
    const again = this.peek();
    if (this.compareOp() !== undefined) {
      throw new ConditionSyntaxError(
        `chained comparisons are not supported; write 'a ${first.token.text} b and b ${again.text} c'`,
        again.column,
      );
    }
    return { kind: 'compare', op: first.op, left, right };
  }

  /** `after` is the operator this operand follows, for "expected a value after '=='". */
  private parseOperand(after?: Token): Expr {
    const t = this.peek();
    const missing = (): ConditionSyntaxError =>
      new ConditionSyntaxError(
        after === undefined
          ? `expected a value (state.field, a number, a 'string', true/false, null or a [list]) but found ${describe(t)}`
          : `expected a value after '${after.text}' but found ${describe(t)}`,
        t.column,
      );
    switch (t.kind) {
      case 'end':
      case 'op':
        throw missing();
      case 'number':
      case 'string':
        this.next();
        return { kind: 'literal', value: t.value };
      case 'punct':
        return this.parsePunctOperand(t, missing);
      case 'name':
        return this.parseNameOperand(t, missing);
    }
  }

  private parsePunctOperand(t: Token, missing: () => ConditionSyntaxError): Expr {
    switch (t.text) {
      case '(': {
        this.next();
        const inner = this.parseOr();
        const close = this.peek();
        if (!this.isPunct(close, ')')) {
          throw new ConditionSyntaxError(
            `missing ')' to close the '(' at column ${t.column}; found ${describe(close)}`,
            close.column,
          );
        }
        this.next();
        return inner;
      }
      case '[':
        return this.parseList(t);
      case '{':
        return this.parseBracedRef(t);
      case '-': {
        this.next();
        const n = this.peek();
        if (n.kind !== 'number') {
          throw new ConditionSyntaxError("'-' is only allowed directly before a number", t.column);
        }
        this.next();
        return { kind: 'literal', value: -(n.value as number) };
      }
      default:
        throw missing();
    }
  }

  private parseNameOperand(t: Token, missing: () => ConditionSyntaxError): Expr {
    switch (t.text) {
      case 'true':
      case 'True':
        this.next();
        return { kind: 'literal', value: true };
      case 'false':
      case 'False':
        this.next();
        return { kind: 'literal', value: false };
      case 'null':
      case 'None':
        this.next();
        return { kind: 'literal', value: null };
    }
    if (KEYWORDS.has(t.text)) throw missing();
    this.next();
    const parts = [t.text, ...this.dottedTail()];
    if (parts[0] === 'state') {
      if (parts.length === 1) {
        throw new ConditionSyntaxError("'state' needs a field name, e.g. state.score", t.column);
      }
      parts.shift();
    }
    return { kind: 'ref', path: parts, column: t.column };
  }

  /** `.id.id...` after a first identifier. */
  private dottedTail(): string[] {
    const parts: string[] = [];
    while (this.isPunct(this.peek(), '.')) {
      const dot = this.next();
      const id = this.peek();
      if (id.kind !== 'name') {
        throw new ConditionSyntaxError(
          `expected a field name after '.' but found ${describe(id)}`,
          id.column || dot.column,
        );
      }
      this.next();
      parts.push(id.text);
    }
    return parts;
  }

  private parseBracedRef(open: Token): Expr {
    this.next();
    const first = this.peek();
    if (first.kind !== 'name' || KEYWORDS.has(first.text)) {
      throw new ConditionSyntaxError(
        `expected a field reference like {state.score} after '{' but found ${describe(first)}`,
        first.column,
      );
    }
    this.next();
    const parts = [first.text, ...this.dottedTail()];
    if (parts[0] === 'state' && parts.length > 1) parts.shift();
    const close = this.peek();
    if (!this.isPunct(close, '}')) {
      throw new ConditionSyntaxError(
        `missing '}' to close the '{' at column ${open.column}; found ${describe(close)}`,
        close.column,
      );
    }
    this.next();
    return { kind: 'ref', path: parts, column: open.column };
  }

  private parseList(open: Token): Expr {
    this.next();
    const items: Expr[] = [];
    const unclosed = (): ConditionSyntaxError =>
      new ConditionSyntaxError(`missing ']' to close the '[' at column ${open.column}`, this.peek().column);
    while (!this.isPunct(this.peek(), ']')) {
      if (this.peek().kind === 'end') throw unclosed();
      items.push(this.parseOr());
      const sep = this.peek();
      if (sep.kind === 'end') throw unclosed();
      if (this.isPunct(sep, ',')) {
        this.next();
        continue;
      }
      if (!this.isPunct(sep, ']')) {
        throw new ConditionSyntaxError(
          `expected ',' or ']' in the list opened at column ${open.column} but found ${describe(sep)}`,
          sep.column,
        );
      }
    }
    this.next();
    return { kind: 'list', items };
  }
}

/** Parses a condition; throws ConditionSyntaxError (1-based column) on bad input. */
export function parseCondition(source: string): Expr {
  return new Parser(tokenize(source)).parseAll();
}

/** Every state reference in an expression, in source order. */
export function conditionRefs(expr: Expr): Array<{ path: string[]; column: number }> {
  const refs: Array<{ path: string[]; column: number }> = [];
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'ref':
        refs.push({ path: e.path, column: e.column });
        return;
      case 'literal':
        return;
      case 'list':
        for (const item of e.items) walk(item);
        return;
      case 'not':
        walk(e.operand);
        return;
      default:
        walk(e.left);
        walk(e.right);
    }
  };
  walk(expr);
  return refs;
}
