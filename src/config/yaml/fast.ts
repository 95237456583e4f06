/**
 * A single-pass parser for the subset of YAML that workflow files use: block mappings and
 * sequences, single-line plain and quoted scalars, block scalars, single-line flow
 * collections and comments. It yields the same plain value as the `yaml` package
 * (`parseDocument(src, {version: '1.2', uniqueKeys: false}).toJS()`) plus a light node tree
 * with the same source offsets, at a fraction of the package's cost on a large file.
 *
 * Anything outside the subset, or anything the package would report (a syntax error, a
 * warning, a duplicate key), makes it give up: `parseFast` then returns undefined and the
 * caller parses with the package, so every message stays the package's. A give-up costs
 * time only; a wrong value would be a bug, so the subset is kept narrow.
 */
import {
  BAIL,
  bail,
  resolvePlain,
  scanBlockScalar,
  scanDoubleQuoted,
  scanSingleQuoted,
} from './fast-scalars.js';

export type FastScalarType = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

export interface FastScalar {
  readonly kind: 'scalar';
  readonly start: number;
  readonly end: number;
  readonly type: FastScalarType;
}

export interface FastMap {
  readonly kind: 'map';
  readonly start: number;
  readonly keys: FastScalar[];
  /** Each key as the plain value's property name (`String(value)`). */
  readonly names: string[];
  readonly values: FastNode[];
}

export interface FastSeq {
  readonly kind: 'seq';
  readonly start: number;
  readonly items: FastNode[];
}

/** Collections record only where they start: nothing reads their end. */
export type FastNode = FastScalar | FastMap | FastSeq;

export interface FastDocument {
  value: unknown;
  root: FastNode;
}

/**
 * Control characters, byte-order marks, Unicode line separators and a carriage return that
 * does not end a line: the package has rules of its own for each, so they all give up.
 */
const UNSUPPORTED_CHARS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\u2028\u2029]|\r(?!\n)/;

/** An implicit key longer than this is the package's error (it allows 1024; stay clear). */
const MAX_KEY_LENGTH = 1000;

/** Parses `src`, or returns undefined when it is outside the supported subset. Never throws. */
export function parseFast(src: string): FastDocument | undefined {
  try {
    return parseFastOrThrow(src);
  } catch {
    // A stack overflow on absurd nesting (or any other surprise): the package's path reads
    // the file and reports what is wrong with it.
    return undefined;
  }
}

/** Like parseFast, but only BAIL becomes undefined: tests see any other exception. */
export function parseFastOrThrow(src: string): FastDocument | undefined {
  try {
    if (UNSUPPORTED_CHARS.test(src)) return undefined;
    return new FastParser(src).document();
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
}

/**
 * How the node being read was introduced, which decides what may start there: `line` (first
 * token of its own line: any block node), `key` (after `key: ` on the key's line: scalars
 * and flow collections only), `dash` (after `- ` on the item's line: those or a compact map).
 */
type At = 'line' | 'key' | 'dash';

const SPACE = 32;
const TAB = 9;
const HASH = 35;
const COLON = 58;
const DASH = 45;

class FastParser {
  private readonly src: string;
  private readonly len: number;
  /** Start of the next unread line. */
  private next = 0;
  /** The current line (set by `seek`): start, indentation, and where its content ends. */
  private lineStart = 0;
  private indent = 0;
  private lineEnd = 0;
  private contentEnd = 0;
  /** The plain value of the node the last parse method returned. */
  private value: unknown = undefined;
  /** Offset just after the last flow item read. */
  private pos = 0;
  /** Whether a content line has been read (a `---` may only come first). */
  private started = false;

  constructor(src: string) {
    this.src = src;
    this.len = src.length;
  }

  document(): FastDocument | undefined {
    // An empty document (null to the package) is no workflow; the package's path says so.
    if (!this.seek()) return undefined;
    if (this.isDocumentMarker(this.lineStart, 45)) {
      // A leading `---` (alone, or with a comment) opens the one document.
      this.endOfLine(this.lineStart + 3);
      if (!this.seek()) return undefined;
    }
    const start = this.lineStart + this.indent;
    const c = this.src.charCodeAt(start);
    let root: FastNode;
    if (c === 123 || c === 91) {
      root = this.flowCollection(start);
      this.endOfLine(this.pos);
    } else {
      root = this.blockNode(start, this.indent, -1, 'line');
      // A lone scalar is not a workflow; the package's path handles it.
      if (root.kind === 'scalar') bail();
    }
    if (this.seek()) bail();
    return { value: this.value, root };
  }

  /**
   * Moves to the next line with content (skipping blank and comment lines) and records it.
   * Returns false at the end of the input.
   */
  private seek(): boolean {
    const s = this.src;
    let p = this.next;
    while (p < this.len) {
      let i = p;
      while (s.charCodeAt(i) === SPACE) i++;
      let e = s.indexOf('\n', i);
      if (e === -1) e = this.len;
      const ce = e > i && s.charCodeAt(e - 1) === 13 ? e - 1 : e;
      const c = s.charCodeAt(i);
      if (i === ce || c === HASH) {
        p = e + 1;
        continue;
      }
      // Tabs where indentation is read are errors in YAML (or subtle); the package decides.
      if (c === TAB) bail();
      // A document marker at column 0 (`---`, `...`) is only read as the first content line
      // (a `---` opening the one document); anywhere else it starts or ends another.
      if (i === p && (this.isDocumentMarker(p, 45) || this.isDocumentMarker(p, 46))) {
        if (this.started || s.charCodeAt(p) !== 45) bail();
      }
      this.started = true;
      this.lineStart = p;
      this.indent = i - p;
      this.lineEnd = e;
      this.contentEnd = ce;
      this.next = e + 1;
      return true;
    }
    this.next = this.len;
    return false;
  }

  private isDocumentMarker(p: number, ch: number): boolean {
    const s = this.src;
    if (s.charCodeAt(p) !== ch || s.charCodeAt(p + 1) !== ch || s.charCodeAt(p + 2) !== ch) return false;
    const after = s.charCodeAt(p + 3);
    return Number.isNaN(after) || after === SPACE || after === 10 || after === 13 || after === TAB;
  }

  /** After a node: only spaces and a comment (after a space) may follow on the line. */
  private endOfLine(p: number): void {
    const s = this.src;
    let i = p;
    while (s.charCodeAt(i) === SPACE) i++;
    if (i < this.contentEnd && (i === p || s.charCodeAt(i) !== HASH)) bail();
  }

  /** True when `-` at `p` is a sequence entry indicator (followed by a space or the line end). */
  private isDash(p: number): boolean {
    if (this.src.charCodeAt(p) !== DASH) return false;
    if (p + 1 >= this.contentEnd) return true;
    const next = this.src.charCodeAt(p + 1);
    if (next === TAB) bail();
    return next === SPACE;
  }

  /**
   * The block node whose first token is at `p` (column `col`) of the current line, inside a
   * collection indented `parentIndent`. Leaves `this.next` at the line after the node.
   */
  private blockNode(p: number, col: number, parentIndent: number, at: At): FastNode {
    const s = this.src;
    const c = s.charCodeAt(p);
    if (this.isDash(p)) {
      if (at !== 'line') bail();
      return this.blockSeq(col);
    }
    switch (c) {
      case 34:
      case 39: {
        const q =
          c === 34 ? scanDoubleQuoted(s, p, this.contentEnd) : scanSingleQuoted(s, p, this.contentEnd);
        const type = c === 34 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE';
        const node: FastScalar = { kind: 'scalar', start: p, end: q.end, type };
        const colon = this.colonAfter(q.end);
        if (colon !== -1) {
          if (at === 'key') bail();
          return this.blockMap(col, node, q.value, colon);
        }
        this.endOfLine(q.end);
        this.value = q.value;
        return node;
      }
      case 123:
      case 91: {
        const node = this.flowCollection(p);
        this.endOfLine(this.pos);
        return node;
      }
      case 124:
      case 62:
        // A block scalar header on a line of its own has rules of its own; leave it.
        if (at === 'line') bail();
        return this.blockScalar(p, parentIndent);
      default: {
        if (!plainMayStart(c, s.charCodeAt(p + 1))) bail();
        const e = this.plainEnd(p);
        const node: FastScalar = { kind: 'scalar', start: p, end: e, type: 'PLAIN' };
        const text = s.slice(p, e);
        let i = e;
        while (s.charCodeAt(i) === SPACE) i++;
        if (s.charCodeAt(i) === COLON && i < this.contentEnd) {
          if (at === 'key') bail();
          return this.blockMap(col, node, keyName(text), i);
        }
        this.endOfLine(e);
        this.value = resolvePlain(text);
        return node;
      }
    }
  }

  /** The offset of a `:` value indicator after a quoted key ending at `p`, else -1. */
  private colonAfter(p: number): number {
    const s = this.src;
    let i = p;
    while (s.charCodeAt(i) === SPACE) i++;
    if (s.charCodeAt(i) !== COLON || i >= this.contentEnd) return -1;
    const next = s.charCodeAt(i + 1);
    // `"a":b` is not a key in block context: the package reads it as an error.
    if (i + 1 < this.contentEnd && next !== SPACE) bail();
    return i;
  }

  /**
   * The end of a single-line plain scalar starting at `p` in block context: before a ` #`
   * comment, a `: ` indicator or the line end, without trailing spaces.
   */
  private plainEnd(p: number): number {
    const s = this.src;
    const ce = this.contentEnd;
    let end = p;
    for (let i = p; i < ce; i++) {
      const c = s.charCodeAt(i);
      if (c === SPACE) {
        if (s.charCodeAt(i + 1) === HASH) break;
      } else if (c === COLON) {
        if (i + 1 >= ce) break;
        const next = s.charCodeAt(i + 1);
        if (next === SPACE) break;
        if (next === TAB) bail();
        end = i + 1;
      } else if (c === TAB) {
        bail();
      } else {
        end = i + 1;
      }
    }
    return end;
  }

  /**
   * A block mapping at column `col` whose first key (already read) is followed by `:` at
   * `colon` on the current line.
   */
  private blockMap(col: number, firstKey: FastScalar, firstName: string, colon: number): FastMap {
    const s = this.src;
    const obj: Record<string, unknown> = {};
    const map: FastMap = { kind: 'map', start: firstKey.start, keys: [], names: [], values: [] };
    let key = firstKey;
    let name = firstName;
    let c = colon;
    for (;;) {
      if (c - key.start > MAX_KEY_LENGTH) bail();
      // The value: on this line after `: `, or below (more indented, or a sequence at `col`).
      let q = c + 1;
      while (s.charCodeAt(q) === SPACE) q++;
      let valueNode: FastNode;
      if (q >= this.contentEnd || s.charCodeAt(q) === HASH) {
        valueNode = this.indentedValue(col, true, q);
      } else {
        if (s.charCodeAt(q) === TAB) bail();
        valueNode = this.blockNode(q, q - this.lineStart, col, 'key');
      }
      addEntry(obj, name, this.value);
      map.keys.push(key);
      map.names.push(name);
      map.values.push(valueNode);

      if (!this.seek()) break;
      if (this.indent < col) {
        this.next = this.lineStart;
        break;
      }
      if (this.indent > col) bail();
      // The next key, at the start of a line indented like the first.
      const p = this.lineStart + this.indent;
      const ch = s.charCodeAt(p);
      if (ch === 34 || ch === 39) {
        const quoted =
          ch === 34 ? scanDoubleQuoted(s, p, this.contentEnd) : scanSingleQuoted(s, p, this.contentEnd);
        key = {
          kind: 'scalar',
          start: p,
          end: quoted.end,
          type: ch === 34 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE',
        };
        name = quoted.value;
        c = this.colonAfter(quoted.end);
        if (c === -1) bail();
      } else {
        if (!plainMayStart(ch, s.charCodeAt(p + 1)) || this.isDash(p)) bail();
        const e = this.plainEnd(p);
        key = { kind: 'scalar', start: p, end: e, type: 'PLAIN' };
        name = keyName(s.slice(p, e));
        c = e;
        while (s.charCodeAt(c) === SPACE) c++;
        if (s.charCodeAt(c) !== COLON || c >= this.contentEnd) bail();
      }
    }
    this.value = obj;
    return map;
  }

  /**
   * The value of a map entry or sequence item that has nothing after its indicator on the
   * line: the block node on the next content line when it is deeper than `parentIndent` (or
   * a sequence at the same column, for a map value), else an empty (null) value at `emptyAt`.
   */
  private indentedValue(parentIndent: number, sameColumnSeq: boolean, emptyAt: number): FastNode {
    if (this.seek()) {
      const p = this.lineStart + this.indent;
      if (this.indent > parentIndent || (sameColumnSeq && this.indent === parentIndent && this.isDash(p))) {
        return this.blockNode(p, this.indent, parentIndent, 'line');
      }
      this.next = this.lineStart;
    }
    this.value = null;
    return { kind: 'scalar', start: emptyAt, end: emptyAt, type: 'PLAIN' };
  }

  /** A block sequence whose first `-` is at column `col` of the current line. */
  private blockSeq(col: number): FastSeq {
    const s = this.src;
    const arr: unknown[] = [];
    const seq: FastSeq = { kind: 'seq', start: this.lineStart + col, items: [] };
    for (;;) {
      const dash = this.lineStart + col;
      let q = dash + 1;
      while (s.charCodeAt(q) === SPACE) q++;
      let item: FastNode;
      if (q >= this.contentEnd || s.charCodeAt(q) === HASH) {
        item = this.indentedValue(col, false, q);
      } else {
        if (s.charCodeAt(q) === TAB) bail();
        item = this.blockNode(q, q - this.lineStart, col, 'dash');
      }
      arr.push(this.value);
      seq.items.push(item);

      if (!this.seek()) break;
      if (this.indent < col || (this.indent === col && !this.isDash(this.lineStart + col))) {
        this.next = this.lineStart;
        break;
      }
      if (this.indent > col) bail();
    }
    this.value = arr;
    return seq;
  }

  /** A block scalar whose header (`|` or `>`) is at `p`, in a collection indented `parentIndent`. */
  private blockScalar(p: number, parentIndent: number): FastScalar {
    const s = this.src;
    const folded = s.charCodeAt(p) === 62;
    let q = p + 1;
    let chomp: '' | '-' | '+' = '';
    const c = s.charCodeAt(q);
    if (c === DASH || c === 43) {
      chomp = c === DASH ? '-' : '+';
      q++;
    }
    // Indentation indicators and anything else glued to the header are left to the package.
    if (q < this.contentEnd && s.charCodeAt(q) !== SPACE) bail();
    this.endOfLine(q);
    // A header on the last line without a line break: an edge case the package handles.
    if (this.lineEnd >= this.len) bail();
    const body = scanBlockScalar(s, this.lineEnd + 1, parentIndent + 1, folded, chomp);
    this.next = body.end;
    this.value = body.value;
    return { kind: 'scalar', start: p, end: body.end, type: folded ? 'BLOCK_FOLDED' : 'BLOCK_LITERAL' };
  }

  /** A flow collection opening at `p` and closing on the same line; sets `this.pos` after it. */
  private flowCollection(p: number): FastMap | FastSeq {
    const s = this.src;
    let q = this.skipFlowSpaces(p + 1);
    if (s.charCodeAt(p) === 91) {
      const arr: unknown[] = [];
      const seq: FastSeq = { kind: 'seq', start: p, items: [] };
      if (s.charCodeAt(q) === 93) {
        this.pos = q + 1;
        this.value = arr;
        return seq;
      }
      for (;;) {
        seq.items.push(this.flowNode(q));
        arr.push(this.value);
        q = this.skipFlowSpaces(this.pos);
        const c = s.charCodeAt(q);
        if (c === 93) break;
        if (c !== 44) bail();
        q = this.skipFlowSpaces(q + 1);
        // A trailing comma (or an empty entry) is left to the package.
        if (s.charCodeAt(q) === 93 || s.charCodeAt(q) === 44) bail();
      }
      this.pos = q + 1;
      this.value = arr;
      return seq;
    }
    const obj: Record<string, unknown> = {};
    const map: FastMap = { kind: 'map', start: p, keys: [], names: [], values: [] };
    if (s.charCodeAt(q) === 125) {
      this.pos = q + 1;
      this.value = obj;
      return map;
    }
    for (;;) {
      const keyNode = this.flowNode(q);
      if (keyNode.kind !== 'scalar') bail();
      const name =
        keyNode.type === 'PLAIN' ? keyName(s.slice(keyNode.start, keyNode.end)) : (this.value as string);
      q = this.skipFlowSpaces(this.pos);
      if (s.charCodeAt(q) !== COLON) bail();
      if (q - keyNode.start > MAX_KEY_LENGTH) bail();
      // After a plain key the indicator needs a space (`a:b` is one scalar); JSON-style
      // `"a":1` is fine after a quoted key.
      if (keyNode.type === 'PLAIN' && s.charCodeAt(q + 1) !== SPACE) bail();
      q = this.skipFlowSpaces(q + 1);
      const c = s.charCodeAt(q);
      if (c === 44 || c === 125) bail();
      const valueNode = this.flowNode(q);
      addEntry(obj, name, this.value);
      map.keys.push(keyNode);
      map.names.push(name);
      map.values.push(valueNode);
      q = this.skipFlowSpaces(this.pos);
      const d = s.charCodeAt(q);
      if (d === 125) break;
      if (d !== 44) bail();
      q = this.skipFlowSpaces(q + 1);
      if (s.charCodeAt(q) === 125 || s.charCodeAt(q) === 44) bail();
    }
    this.pos = q + 1;
    this.value = obj;
    return map;
  }

  private skipFlowSpaces(p: number): number {
    const s = this.src;
    let i = p;
    while (s.charCodeAt(i) === SPACE) i++;
    // The collection must close on this line; a tab here is left to the package.
    if (i >= this.contentEnd || s.charCodeAt(i) === TAB) bail();
    return i;
  }

  /** A node inside a flow collection at `p`; sets `this.pos` just after it. */
  private flowNode(p: number): FastNode {
    const s = this.src;
    const c = s.charCodeAt(p);
    if (c === 123 || c === 91) return this.flowCollection(p);
    if (c === 34 || c === 39) {
      const q = c === 34 ? scanDoubleQuoted(s, p, this.contentEnd) : scanSingleQuoted(s, p, this.contentEnd);
      this.pos = q.end;
      this.value = q.value;
      return { kind: 'scalar', start: p, end: q.end, type: c === 34 ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE' };
    }
    if (!plainMayStart(c, s.charCodeAt(p + 1)) || c === DASH) {
      // `-` starts a flow plain scalar only before a character that is not a space or an
      // indicator (`-1`, `-x`); anything else is the package's business.
      if (c !== DASH || !flowPlainMayFollowDash(s.charCodeAt(p + 1))) bail();
    }
    const ce = this.contentEnd;
    let end = p;
    let i = p;
    for (; i < ce; i++) {
      const ch = s.charCodeAt(i);
      if (ch === SPACE) {
        // A comment inside a one-line flow collection leaves it unclosed on the line.
        if (s.charCodeAt(i + 1) === HASH) bail();
      } else if (ch === COLON) {
        const next = s.charCodeAt(i + 1);
        if (i + 1 >= ce || next === SPACE || isFlowIndicator(next)) break;
        if (next === TAB) bail();
        end = i + 1;
      } else if (isFlowIndicator(ch)) {
        break;
      } else if (ch === TAB) {
        bail();
      } else {
        end = i + 1;
      }
    }
    this.pos = end;
    const text = s.slice(p, end);
    this.value = resolvePlain(text);
    return { kind: 'scalar', start: p, end, type: 'PLAIN' };
  }
}

function isFlowIndicator(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125;
}

function flowPlainMayFollowDash(c: number): boolean {
  return !Number.isNaN(c) && c !== SPACE && c !== TAB && c !== 10 && c !== 13 && !isFlowIndicator(c);
}

/**
 * Whether a plain scalar may start with `c` (followed by `next`). Indicators start other
 * things or are errors (`,` `%` `@` `` ` ``); `?` and `:` are legal in places but rare, so they
 * are left to the package too. A `-` is fine before anything but a space (checked by callers).
 */
function plainMayStart(c: number, next: number): boolean {
  switch (c) {
    case 33: // !
    case 34: // "
    case 35: // #
    case 37: // %
    case 38: // &
    case 39: // '
    case 42: // *
    case 44: // ,
    case 58: // :
    case 62: // >
    case 63: // ?
    case 64: // @
    case 91: // [
    case 93: // ]
    case 96: // `
    case 123: // {
    case 124: // |
    case 125: // }
    case SPACE:
    case TAB:
      return false;
    case DASH:
      return !Number.isNaN(next) && next !== SPACE && next !== TAB && next !== 10 && next !== 13;
    default:
      return !Number.isNaN(c);
  }
}

/**
 * The property name a plain key becomes: `String(value)`. A null key (`~:`) would become ''
 * in the value but 'null' in the package's duplicate check; `<<` is a merge key in other
 * schemas. Both are left to the package.
 */
function keyName(text: string): string {
  const value = resolvePlain(text);
  if (value === null || text === '<<') bail();
  return String(value);
}

/** Adds an entry like the package's toJS; a repeated key is the package's error to report. */
function addEntry(obj: Record<string, unknown>, name: string, value: unknown): void {
  if (Object.hasOwn(obj, name)) bail();
  if (name === '__proto__') {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[name] = value;
  }
}
