/**
 * Parses a workflow's YAML or JSON text into a plain value plus a map from document paths
 * (`nodes[2].outputs[0]`) to source ranges, so every later diagnostic can say line and
 * column. JSON goes through the YAML parser too (JSON is YAML), which gives it positions.
 * Alias expansion is bounded so an alias bomb fails in milliseconds instead of eating memory.
 */
import {
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
} from 'yaml';
import type { Position } from './types.js';

/** More alias expansions than this (weighted by nesting) is treated as an attack. */
export const MAX_ALIAS_COUNT = 100;

/** Later syntax errors are mostly echoes of the first ones. */
const MAX_SYNTAX_ERRORS = 20;

interface RangeInfo {
  start: number;
  end: number;
  scalarType?: Scalar.Type | undefined;
}

export interface ParseProblem {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  pos?: Position;
}

export interface ParsedSource {
  /** The document as plain data; `undefined` when it could not be parsed. */
  value: unknown;
  map: SourceMap;
  problems: ParseProblem[];
}

const LAST_SEGMENT = /(?:\.[^.[\]]*|\[\d+\])$/;

interface Found {
  node: Node | null;
  value?: RangeInfo;
  key?: RangeInfo;
}

const NOT_FOUND: Found = { node: null };

/**
 * Path → range of the YAML node (and of its key, for map entries). Paths are resolved on
 * demand by walking the parsed document and cached: indexing every node up front cost more
 * than the whole validation of a large file, and most nodes are never asked about.
 */
export class SourceMap {
  private readonly source: string;
  private readonly lines: LineCounter | undefined;
  private readonly doc: Document | undefined;
  private readonly cache = new Map<string, Found>();

  constructor(source: string, lines: LineCounter | undefined, doc?: Document) {
    this.source = source;
    this.lines = lines;
    this.doc = doc;
  }

  positionOf(offset: number): Position | undefined {
    if (this.lines === undefined) return undefined;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** The node at `path`, else its key, else the nearest enclosing node. */
  locate = (path: string): Position | undefined => {
    let p = path;
    for (;;) {
      const found = this.find(p);
      const info = found.value ?? found.key;
      if (info !== undefined) return this.positionOf(info.start);
      if (p === '') return undefined;
      p = parentPath(p);
    }
  };

  /** Where the key of a map entry is (for unknown-key warnings). */
  locateKey(path: string): Position | undefined {
    const info = this.find(path).key;
    return info === undefined ? this.locate(path) : this.positionOf(info.start);
  }

  private readonly keyIndex = new WeakMap<object, Map<string, { key: unknown; value: unknown }>>();

  private find(path: string): Found {
    const cached = this.cache.get(path);
    if (cached !== undefined) return cached;
    let found: Found = NOT_FOUND;
    if (this.doc !== undefined) {
      if (path === '') {
        found = { node: this.doc.contents };
        if (this.doc.contents?.range != null) found.value = rangeOf(this.doc.contents);
      } else {
        found = this.child(this.find(parentPath(path)).node, lastSegment(path));
      }
    }
    this.cache.set(path, found);
    return found;
  }

  private child(parent: Node | null, segment: string | number): Found {
    let node: unknown = parent;
    // Aliases are followed, so paths inside repeated content point at the anchored original.
    if (isAlias(node) && this.doc !== undefined) node = node.resolve(this.doc);
    if (typeof segment === 'number') {
      if (!isSeq(node)) return NOT_FOUND;
      const item = node.items[segment];
      return isNode(item) ? { node: item, value: rangeOf(item) } : NOT_FOUND;
    }
    if (!isMap(node)) return NOT_FOUND;
    // Index each map's keys once: a linear scan per lookup made locating every field of a
    // large `state.fields` map quadratic.
    let index = this.keyIndex.get(node);
    if (index === undefined) {
      index = new Map();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const text = String(pair.key.value);
          if (!index.has(text)) index.set(text, pair);
        }
      }
      this.keyIndex.set(node, index);
    }
    const pair = index.get(segment);
    if (pair === undefined || !isScalar(pair.key)) return NOT_FOUND;
    const key = pair.key;
    const value = isNode(pair.value) ? pair.value : null;
    const found: Found = { node: value };
    if (key.range != null) found.key = { start: key.range[0], end: key.range[1] };
    if (value !== null) found.value = rangeOf(value);
    return found;
  }

  private valueInfo(path: string): RangeInfo | undefined {
    return this.find(path).value;
  }

  /**
   * The file position of character `offset` of the string value at `path` (a template or a
   * condition). Exact for one-line plain or quoted scalars and for literal blocks (`|`);
   * otherwise the start of the scalar.
   */
  positionIn(path: string, value: string, offset: number): Position | undefined {
    const info = this.valueInfo(path);
    if (info === undefined) return this.locate(path);
    const raw = this.source.slice(info.start, info.end);
    switch (info.scalarType) {
      case 'PLAIN':
        return raw.includes('\n') ? this.positionOf(info.start) : this.positionOf(info.start + offset);
      case 'QUOTE_DOUBLE':
      case 'QUOTE_SINGLE':
        return raw.includes('\n') ? this.positionOf(info.start) : this.positionOf(info.start + 1 + offset);
      case 'BLOCK_LITERAL':
        return this.positionInBlock(info, value, offset);
      default:
        return this.positionOf(info.start);
    }
  }

  private positionInBlock(info: RangeInfo, value: string, offset: number): Position | undefined {
    const header = this.positionOf(info.start);
    const bodyStart = this.source.indexOf('\n', info.start) + 1;
    if (header === undefined || bodyStart <= 0) return header;
    // Each value line is a source line minus the block's indentation (that of its first
    // non-blank line), so a value offset maps to a file line and column directly.
    const firstLine = /^(?:[ ]*\r?\n)*([ ]*)/.exec(this.source.slice(bodyStart, info.end));
    const indent = firstLine?.[1]?.length ?? 0;
    const before = value.slice(0, offset);
    const lineIndex = before.split('\n').length - 1;
    const lineStart = before.lastIndexOf('\n') + 1;
    return { line: header.line + 1 + lineIndex, column: indent + (offset - lineStart) + 1 };
  }
}

/** Parses `source`; never throws for bad content. */
export function parseSource(source: string, format: 'yaml' | 'json'): ParsedSource {
  const lines = new LineCounter();
  const problems: ParseProblem[] = [];
  // A badly broken file yields hundreds of parser errors; their stack traces are never
  // shown and capturing them dominated the cost of loading such a file.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let doc: Document;
  try {
    doc = parseDocument(source, {
      lineCounter: lines,
      // The package's own duplicate-key check compares every pair of keys in a map (quadratic:
      // a third of the parse time of a 500-node file); findDuplicateKeys does it in one pass.
      uniqueKeys: false,
      // Positions come from the line counter; pretty errors would format context we drop.
      prettyErrors: false,
      version: '1.2',
      // The yaml package would print warnings (e.g. collection keys) to stderr; keys are
      // checked by the normaliser instead, and nothing of ours writes to the console.
      logLevel: 'error',
    });
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
  const map = new SourceMap(source, lines, doc);

  if (doc.errors.length > 0) {
    if (format === 'json') {
      // Valid JSON that YAML rejects (e.g. tab-indented) still loads, only without positions.
      try {
        return { value: JSON.parse(source) as unknown, map: new SourceMap(source, undefined), problems };
      } catch {
        // fall through to the YAML parser's located errors
      }
    }
    for (const err of doc.errors.slice(0, MAX_SYNTAX_ERRORS)) {
      let pos = map.positionOf(err.pos[0]);
      let firstLine = (err.message.split('\n')[0] ?? err.message)
        .replace(/ at line \d+, column \d+:?\s*$/, '')
        .trim();
      // The parser reports an unclosed quote where the file ends; point at where it opened.
      const quote = /^Missing closing (["'])quote/.exec(firstLine)?.[1];
      const opened = quote === undefined ? -1 : source.lastIndexOf(quote, err.pos[0]);
      if (quote !== undefined && opened >= 0) {
        pos = map.positionOf(opened) ?? pos;
        firstLine = `a ${quote}-quoted string starts here and is never closed (missing closing ${quote})`;
      }
      const where = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.column}`;
      const problem: ParseProblem = {
        severity: 'error',
        code: 'yaml-syntax',
        message: `${format === 'json' ? 'JSON' : 'YAML'} syntax error${where}: ${firstLine}`,
      };
      if (pos !== undefined) problem.pos = pos;
      problems.push(problem);
    }
    if (doc.errors.length > MAX_SYNTAX_ERRORS) {
      problems.push({
        severity: 'error',
        code: 'yaml-syntax',
        message: `${doc.errors.length - MAX_SYNTAX_ERRORS} more syntax errors not shown; fix the first ones and load again`,
      });
    }
    return { value: undefined, map, problems };
  }

  for (const dup of findDuplicateKeys(doc.contents)) {
    const pos = map.positionOf(dup.offset);
    const problem: ParseProblem = {
      severity: 'error',
      code: 'yaml-syntax',
      message: `YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.column}` : ''}: the key '${dup.key}' appears twice in the same map (keys must be unique; the second would silently replace the first)`,
    };
    if (pos !== undefined) problem.pos = pos;
    problems.push(problem);
  }
  if (problems.some((p) => p.severity === 'error')) return { value: undefined, map, problems };

  for (const w of doc.warnings) {
    const lp = lines.linePos(w.pos[0]);
    const problem: ParseProblem = {
      severity: 'warning',
      code: 'yaml-warning',
      message: `YAML: ${(w.message.split('\n')[0] ?? w.message).replace(/ at line \d+, column \d+:?\s*$/, '')}`,
    };
    problem.pos = { line: lp.line, column: lp.col };
    problems.push(problem);
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message =
      err instanceof ReferenceError && /alias/i.test(err.message)
        ? `YAML aliases expand too much (limit ${MAX_ALIAS_COUNT} expansions): the file looks like an alias bomb ("billion laughs"); write the repeated parts out or use fewer nested aliases`
        : `YAML could not be read: ${err instanceof Error ? err.message : String(err)}`;
    problems.push({ severity: 'error', code: 'yaml-aliases', message, pos: { line: 1, column: 1 } });
    return { value: undefined, map, problems };
  }

  return { value, map, problems };
}

/** Duplicate scalar keys in any map of the tree, with the offset of each repeat. */
function findDuplicateKeys(root: unknown): Array<{ key: string; offset: number }> {
  const found: Array<{ key: string; offset: number }> = [];
  // The document is a tree (aliases are Alias nodes, not links), so no visited set is needed.
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          const text = String(key.value);
          if (keys.has(text)) found.push({ key: text, offset: key.range?.[0] ?? 0 });
          keys.add(text);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return found;
}

function rangeOf(node: Node): RangeInfo | undefined {
  if (node.range == null) return undefined;
  const info: RangeInfo = { start: node.range[0], end: node.range[1] };
  if (isScalar(node)) info.scalarType = node.type;
  return info;
}

function parentPath(path: string): string {
  const next = path.replace(LAST_SEGMENT, '');
  return next === path ? '' : next;
}

function lastSegment(path: string): string | number {
  const m = LAST_SEGMENT.exec(path);
  if (m === null) return path;
  const seg = m[0];
  return seg.startsWith('[') ? Number(seg.slice(1, -1)) : seg.slice(1);
}
