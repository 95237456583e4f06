/**
 * SourceMap's view (a PathTree) of the fast front end's nodes: the same answers the `yaml`
 * package's Document gives for the same file, since the nodes carry the same offsets.
 */

import type { FastMap, FastNode } from './fast.js';
import type { Found, PathTree, RangeInfo } from './parse.js';

const NOT_FOUND: Found = { node: null };

/** Maps with at most this many keys are searched, not indexed. */
const SCAN_LIMIT = 16;

export class FastTree implements PathTree {
  private readonly top: FastNode;
  /** Key → entry index per map, built when a map is first asked about. */
  private readonly keyIndex = new WeakMap<FastMap, Map<string, number>>();

  constructor(root: FastNode) {
    this.top = root;
  }

  root(): Found {
    return { node: this.top, value: rangeOf(this.top) };
  }

  child(parent: unknown, segment: string | number): Found {
    const node = parent as FastNode | null;
    if (node === null || node === undefined) return NOT_FOUND;
    if (typeof segment === 'number') {
      if (node.kind !== 'seq') return NOT_FOUND;
      const item = node.items[segment];
      return item === undefined ? NOT_FOUND : { node: item, value: rangeOf(item) };
    }
    if (node.kind !== 'map') return NOT_FOUND;
    // Keys are unique (the front end gives up on a repeat), so the first match is the only one.
    // Most maps are small, where a scan beats building an index; a large one (`state.fields`)
    // is indexed once, as a scan per lookup would make locating all its fields quadratic.
    let i: number | undefined;
    if (node.names.length <= SCAN_LIMIT) {
      i = node.names.indexOf(segment);
      if (i === -1) return NOT_FOUND;
    } else {
      let index = this.keyIndex.get(node);
      if (index === undefined) {
        index = new Map();
        for (let k = 0; k < node.names.length; k++) index.set(node.names[k]!, k);
        this.keyIndex.set(node, index);
      }
      i = index.get(segment);
      if (i === undefined) return NOT_FOUND;
    }
    const key = node.keys[i]!;
    const value = node.values[i]!;
    return { node: value, key: { start: key.start, end: key.end }, value: rangeOf(value) };
  }
}

function rangeOf(node: FastNode): RangeInfo {
  return node.kind === 'scalar'
    ? { start: node.start, end: node.end, scalarType: node.type }
    : { start: node.start };
}
