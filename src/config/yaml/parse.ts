/**
 * Parses a workflow's YAML or JSON text into a plain value plus a map from document paths
 * (`nodes[2].outputs[0]`) to source ranges, so every later diagnostic can say line and
 * column. JSON goes through the YAML parser too (JSON is YAML), which gives it positions.
 * Alias expansion is bounded so an alias bomb fails in milliseconds instead of eating memory.
 *
 * Files in the common subset of YAML are read by the fast front end (yaml-fast.ts) instead
 * of the `yaml` package: same value, same positions, a fraction of the time. Everything else
 * (and every file with a problem) goes through the package, so its messages are unchanged.
 */
import {
  type Document,
  isAlias,
  isDocument,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
} from 'yaml';
import type { Position } from '../types.js';
import { parseFast } from './fast.js';
import { FastTree } from './fast-tree.js';

/** More alias expansions than this (weighted by nesting) is treated as an attack. */
export const MAX_ALIAS_COUNT = 100;

/** Later syntax errors are mostly echoes of the first ones. */
const MAX_SYNTAX_ERRORS = 20;

export interface RangeInfo {
  start: number;
  /** Where the node ends; always set for scalars (nothing reads a collection's end). */
  end?: number | undefined;
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

/** A node reached by a path: the tree's own node (to walk on from), its range and its key's. */
export interface Found {
  node: unknown;
  value?: RangeInfo | undefined;
  key?: RangeInfo | undefined;
}

const NOT_FOUND: Found = { node: null };

/**
 * What SourceMap needs of a parsed tree: the root, and one step down a path. Implemented
 * over the `yaml` package's Document and over the fast front end's nodes (yaml-fast.ts).
 */
export interface PathTree {
  root(): Found;
  /** The child of `parent` (a node from an earlier Found) at a map key or sequence index. */
  child(parent: unknown, segment: string | number): Found;
}

/**
 * Path → range of the YAML node (and of its key, for map entries). Paths are resolved on
 * demand by walking the parsed document and cached: indexing every node up front cost more
 * than the whole validation of a large file, and most nodes are never asked about.
 */
export class SourceMap {
  private readonly source: string;
  private readonly lines: LineCounter | undefined;
  private readonly tree: PathTree | undefined;
  private readonly cache = new Map<string, Found>();

  constructor(source: string, lines: LineCounter | undefined, tree?: Document | PathTree) {
    this.source = source;
    this.lines = lines;
    this.tree = tree === undefined ? undefined : isDocument(tree) ? new DocumentTree(tree) : tree;
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

  private find(path: string): Found {
    const cached = this.cache.get(path);
    if (cached !== undefined) return cached;
    let found: Found = NOT_FOUND;
    if (this.tree !== undefined) {
      found =
        path === '' ? this.tree.root() : this.tree.child(this.find(parentPath(path)).node, lastSegment(path));
    }
    this.cache.set(path, found);
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
    const raw = this.source.slice(info.start, info.end ?? info.start);
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
    const firstLine = /^(?:[ ]*\r?\n)*([ ]*)/.exec(this.source.slice(bodyStart, info.end ?? bodyStart));
    const indent = firstLine?.[1]?.length ?? 0;
    let lineIndex = 0;
    let lineStart = 0;
    for (let i = value.indexOf('\n'); i !== -1 && i < offset; i = value.indexOf('\n', i + 1)) {
      lineIndex++;
      lineStart = i + 1;
    }
    return { line: header.line + 1 + lineIndex, column: indent + (offset - lineStart) + 1 };
  }
}

/** PathTree over the `yaml` package's Document (the path for everything the fast one skips). */
class DocumentTree implements PathTree {
  private readonly doc: Document;
  private readonly keyIndex = new WeakMap<object, Map<string, { key: unknown; value: unknown }>>();

  constructor(doc: Document) {
    this.doc = doc;
  }

  root(): Found {
    const found: Found = { node: this.doc.contents };
    if (this.doc.contents?.range != null) found.value = rangeOf(this.doc.contents);
    return found;
  }

  child(parent: unknown, segment: string | number): Found {
    let node: unknown = parent;
    // Aliases are followed, so paths inside repeated content point at the anchored original.
    if (isAlias(node)) node = node.resolve(this.doc);
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
}

/** Line starts as the package's parser records them (each line break starts a line). */
function lineCounterFor(source: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}

/** Parses `source`; never throws for bad content. */
export function parseSource(source: string, format: 'yaml' | 'json'): ParsedSource {
  // Most workflow files are in the subset the fast front end reads (several times faster
  // than the package); anything else, including every file with a problem, takes the
  // package's path below, so messages are unchanged.
  const fast = parseFast(source);
  if (fast !== undefined) {
    return {
      value: fast.value,
      map: new SourceMap(source, lineCounterFor(source), new FastTree(fast.root)),
      problems: [],
    };
  }
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
  const start = lastSegmentStart(path);
  return start === -1 ? '' : path.slice(0, start);
}

function lastSegment(path: string): string | number {
  const start = lastSegmentStart(path);
  if (start === -1) return path;
  return path.charCodeAt(start) === 91 ? Number(path.slice(start + 1, -1)) : path.slice(start + 1);
}

/**
 * Where the last segment of `path` starts: a `[digits]` index at the end, or a `.key` with no
 * `.`, `[` or `]` in it; -1 when there is none (the whole path is one key). Hand-written: a
 * regular expression here was a tenth of the loader's time on a large file, as every node,
 * edge and template reference asks for its position.
 */
function lastSegmentStart(path: string): number {
  const n = path.length;
  if (path.charCodeAt(n - 1) === 93) {
    const open = path.lastIndexOf('[');
    if (open === -1 || open > n - 3) return -1;
    for (let i = open + 1; i < n - 1; i++) {
      const c = path.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
    }
    return open;
  }
  const dot = path.lastIndexOf('.');
  if (dot === -1) return -1;
  for (let i = dot + 1; i < n; i++) {
    const c = path.charCodeAt(i);
    if (c === 91 || c === 93) return -1;
  }
  return dot;
}
