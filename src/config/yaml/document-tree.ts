/**
 * SourceMap's view (a PathTree) of the `yaml` package's Document, for the files js-yaml does
 * not read (syntax errors, whose messages come from the package, and the rare constructs
 * js-yaml refuses), with the same scan for repeated keys and alias expansion as the events get.
 */
import { type Document, isAlias, isCollection, isMap, isNode, isScalar, isSeq, type Node } from 'yaml';
import { joinPath } from '../diagnostics.js';
import type { AliasExpansion, DuplicateKey } from './event-tree.js';
import { type Found, NOT_FOUND, type PathTree, type RangeInfo } from './source-map.js';

export class DocumentTree implements PathTree {
  private readonly doc: Document;
  private readonly source: string;
  private readonly keyIndex = new WeakMap<object, Map<string, { key: unknown; value: unknown }>>();

  constructor(doc: Document, source: string) {
    this.doc = doc;
    this.source = source;
  }

  root(): Found {
    const found: Found = { node: this.doc.contents };
    if (this.doc.contents?.range != null) found.value = this.rangeOf(this.doc.contents);
    return found;
  }

  child(parent: unknown, segment: string | number): Found {
    let node: unknown = parent;
    // Aliases are followed, so paths inside repeated content point at the anchored original.
    if (isAlias(node)) node = node.resolve(this.doc);
    if (typeof segment === 'number') {
      if (!isSeq(node)) return NOT_FOUND;
      const item = node.items[segment];
      return isNode(item) ? { node: item, value: this.rangeOf(item) } : NOT_FOUND;
    }
    if (!isMap(node)) return NOT_FOUND;
    // Index each map's keys once: a linear scan per lookup made locating every field of a
    // large `state.fields` map quadratic. A repeated key's last entry wins, as in the value.
    let index = this.keyIndex.get(node);
    if (index === undefined) {
      index = new Map();
      for (const pair of node.items) if (isScalar(pair.key)) index.set(String(pair.key.value), pair);
      this.keyIndex.set(node, index);
    }
    const pair = index.get(segment);
    if (pair === undefined || !isScalar(pair.key)) return NOT_FOUND;
    const key = pair.key;
    const value = isNode(pair.value) ? pair.value : null;
    const found: Found = { node: value };
    if (key.range != null) found.key = { start: key.range[0] };
    if (value !== null) found.value = this.rangeOf(value);
    return found;
  }

  private rangeOf(node: Node): RangeInfo | undefined {
    if (node.range == null) return undefined;
    const [start, end] = node.range;
    if (!isScalar(node)) return { start };
    switch (node.type) {
      case 'PLAIN':
        return { start, style: 'plain', from: start, to: end };
      case 'QUOTE_DOUBLE':
      case 'QUOTE_SINGLE':
        return { start, style: 'quoted', from: start + 1, to: end - 1 };
      case 'BLOCK_LITERAL': {
        // The body starts on the line after the header; its indentation is that of its first
        // non-blank line.
        const from = this.source.indexOf('\n', start) + 1;
        if (from <= 0) return { start };
        const indent = /^(?:[ ]*\r?\n)*([ ]*)/.exec(this.source.slice(from, end))?.[1]?.length ?? 0;
        return { start, style: 'literal', from, to: end, indent };
      }
      default:
        return { start, style: 'other', from: start, to: end };
    }
  }
}

/**
 * Repeated scalar keys in any map of the document (with the offset of each repeat), and how
 * far its aliases expand it (measured, never expanded).
 */
export function scanDocument(doc: Document): AliasExpansion & { duplicates: DuplicateKey[] } {
  const duplicates: DuplicateKey[] = [];
  const size = new Map<unknown, number>();
  let nodes = 0;
  let expanded = 0;
  let biggest: AliasExpansion['biggest'];
  // Depth first in document order (anchors come before their aliases), sizes on the way out.
  const stack: Array<{
    node: unknown;
    path: string;
    children?: unknown[];
    paths?: string[];
    next: number;
    size: number;
  }> = [{ node: doc.contents, path: '', next: 0, size: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.children === undefined) {
      const node = top.node;
      if (node === null || node === undefined) {
        stack.pop();
        continue;
      }
      nodes++;
      if (isAlias(node)) {
        // An alias to a node still open (a node that contains itself) adds one node.
        const aliasSize = size.get(node.resolve(doc)) ?? 1;
        expanded += aliasSize;
        if (biggest === undefined || aliasSize > biggest.nodes) {
          biggest = { offset: node.range?.[0] ?? 0, nodes: aliasSize };
        }
        stack.pop();
        if (stack.length > 0) stack[stack.length - 1]!.size += aliasSize;
        continue;
      }
      expanded++;
      top.size = 1;
      top.children = [];
      top.paths = [];
      if (isMap(node)) {
        const keys = new Map<string, number>();
        for (const pair of node.items) {
          let valuePath = top.path;
          if (isScalar(pair.key)) {
            const text = String(pair.key.value);
            valuePath = joinPath(top.path, text);
            const offset = pair.key.range?.[0] ?? 0;
            const first = keys.get(text);
            if (first !== undefined)
              duplicates.push({ key: text, mapPath: top.path, offset, firstOffset: first });
            else keys.set(text, offset);
          }
          top.children.push(pair.key, pair.value);
          top.paths.push(top.path, valuePath);
        }
      } else if (isSeq(node)) {
        top.children.push(...node.items);
        top.paths.push(...node.items.map((_, n) => joinPath(top.path, n)));
      }
    }
    if (top.next < top.children.length) {
      const at = top.next++;
      stack.push({ node: top.children[at], path: top.paths![at]!, next: 0, size: 0 });
      continue;
    }
    stack.pop();
    if (isCollection(top.node) || isScalar(top.node)) size.set(top.node, top.size);
    if (stack.length > 0) stack[stack.length - 1]!.size += top.size;
  }
  duplicates.sort((a, b) => a.offset - b.offset);
  const scan: AliasExpansion & { duplicates: DuplicateKey[] } = { duplicates, nodes, expanded };
  if (biggest !== undefined) scan.biggest = biggest;
  return scan;
}
