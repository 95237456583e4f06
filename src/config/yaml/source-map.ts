/**
 * Document path (`nodes[2].outputs[0]`) → file position, for every diagnostic. Paths are
 * resolved on demand through a PathTree (one over js-yaml's events, one over the `yaml`
 * package's Document) and cached: indexing every node up front cost more than validating a
 * large file, and most nodes are never asked about.
 */
import type { Position } from '../types.js';

/** How a scalar is written, as far as placing a character inside it goes. */
export type ScalarStyle = 'plain' | 'quoted' | 'literal' | 'other';

export interface RangeInfo {
  /** The node's first character (a scalar's opening quote or block indicator included). */
  start: number;
  /** Scalars: how they are written... */
  style?: ScalarStyle | undefined;
  /** ...where their text lies (between quotes; a block's body from its first line)... */
  from?: number | undefined;
  to?: number | undefined;
  /** ...and a literal block's indentation (columns stripped from each line). */
  indent?: number | undefined;
}

/** A node reached by a path: the tree's own handle (to walk on from), its range and its key's. */
export interface Found {
  node: unknown;
  value?: RangeInfo | undefined;
  key?: RangeInfo | undefined;
}

export const NOT_FOUND: Found = { node: null };

/** What SourceMap needs of a parsed tree: the root, and one step down a path. */
export interface PathTree {
  root(): Found;
  /** The child of `parent` (a node from an earlier Found) at a map key or sequence index. */
  child(parent: unknown, segment: string | number): Found;
}

/** Offsets → line and column, from the line starts of the source (found once, on first use). */
export class LineIndex {
  private readonly source: string;
  private starts: Int32Array | undefined;

  constructor(source: string) {
    this.source = source;
  }

  /** 1-based line and column of `offset`. */
  position(offset: number): Position {
    const starts = this.lineStarts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  private lineStarts(): Int32Array {
    if (this.starts !== undefined) return this.starts;
    // Each \n starts a line (a \r\n ends its line at the \n, so columns count the \r as part
    // of the previous line, as the `yaml` package's line counter does).
    let count = 1;
    for (let i = this.source.indexOf('\n'); i !== -1; i = this.source.indexOf('\n', i + 1)) count++;
    const starts = new Int32Array(count);
    let k = 1;
    for (let i = this.source.indexOf('\n'); i !== -1; i = this.source.indexOf('\n', i + 1))
      starts[k++] = i + 1;
    this.starts = starts;
    return starts;
  }
}

export class SourceMap {
  private readonly source: string;
  private readonly lines: LineIndex | undefined;
  private readonly tree: PathTree | undefined;
  private readonly cache = new Map<string, Found>();

  /** Without `lines`, nothing has a position (JSON that only JSON.parse could read). */
  constructor(source: string, lines: LineIndex | undefined, tree?: PathTree) {
    this.source = source;
    this.lines = lines;
    this.tree = tree;
  }

  positionOf(offset: number): Position | undefined {
    return this.lines?.position(offset);
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

  /**
   * The file position of character `offset` of the string value at `path` (a template or a
   * condition). Exact for one-line plain or quoted scalars and for literal blocks (`|`);
   * otherwise the start of the scalar.
   */
  positionIn(path: string, value: string, offset: number): Position | undefined {
    const text = this.find(path).value;
    if (text?.style === undefined || text.from === undefined || text.to === undefined)
      return this.locate(path);
    if (text.from >= text.to) return this.positionOf(text.start);
    switch (text.style) {
      case 'plain':
      case 'quoted': {
        const newline = this.source.indexOf('\n', text.from);
        const oneLine = newline === -1 || newline >= text.to;
        return this.positionOf(oneLine ? text.from + offset : text.start);
      }
      case 'literal': {
        // Each value line is a source line minus the block's indentation, so a value offset
        // maps to a file line and column directly.
        const body = this.positionOf(text.from);
        if (body === undefined) return undefined;
        let lineIndex = 0;
        let lineStart = 0;
        for (let i = value.indexOf('\n'); i !== -1 && i < offset; i = value.indexOf('\n', i + 1)) {
          lineIndex++;
          lineStart = i + 1;
        }
        return { line: body.line + lineIndex, column: (text.indent ?? 0) + (offset - lineStart) + 1 };
      }
      default:
        return this.positionOf(text.start);
    }
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
