/**
 * SourceMap's view (a PathTree) of js-yaml's event stream, where every node carries its
 * source offsets. One pass over the events finds where each subtree ends and what each alias
 * stands for (and, when there are aliases, how far they expand the document); lookups then
 * scan or index a map's keys, or index a sequence's items, when it is first asked about.
 */
import { EVENT_ID, type Event, getScalarValue, SCALAR_STYLE, type ScalarEvent } from 'js-yaml';
import { joinPath } from '../diagnostics.js';
import { type Found, NOT_FOUND, type PathTree, type RangeInfo } from './source-map.js';

export interface DuplicateKey {
  key: string;
  /** Document path of the map holding it (`''` for the top level, `state.fields`). */
  mapPath: string;
  /** Offset of the repeat (the value that wins). */
  offset: number;
  /** Offset of the key's first appearance in the same map. */
  firstOffset: number;
}

/** How far aliases blow a document up: what walking its value as a tree would visit. */
export interface AliasExpansion {
  /** Nodes as written (each alias counts one). */
  nodes: number;
  /** Nodes with every alias written out. */
  expanded: number;
  /** The alias standing for the most nodes, if any. */
  biggest?: { offset: number; nodes: number };
}

export interface EventIndex {
  tree: EventTree;
  /** Set when the document has aliases (a document without any cannot expand). */
  aliases?: AliasExpansion;
}

/**
 * Indexes `events` (one document) in one pass: where each subtree ends, and what each alias
 * stands for. Aliases are measured, never expanded.
 */
export function indexEvents(events: Event[], source: string): EventIndex {
  const n = events.length;
  /** Index after the subtree that starts at each event. */
  const next = new Int32Array(n);
  const open = new Int32Array(n);
  let depth = 0;
  const anchors = new Map<string, number>();
  const aliasTarget = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    next[i] = i + 1;
    switch (e.type) {
      case EVENT_ID.DOCUMENT:
        open[depth++] = i;
        break;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING:
        open[depth++] = i;
        if (e.anchorStart !== -1) anchors.set(source.slice(e.anchorStart, e.anchorEnd), i);
        break;
      case EVENT_ID.SCALAR:
        if (e.anchorStart !== -1) anchors.set(source.slice(e.anchorStart, e.anchorEnd), i);
        break;
      case EVENT_ID.ALIAS: {
        const target = anchors.get(source.slice(e.anchorStart, e.anchorEnd));
        if (target !== undefined) aliasTarget.set(i, target);
        break;
      }
      case EVENT_ID.POP:
        next[open[--depth]!] = i + 1;
        break;
    }
  }
  const index: EventIndex = { tree: new EventTree(events, source, next, aliasTarget) };
  if (aliasTarget.size > 0) index.aliases = measureAliases(events, aliasTarget, next);
  return index;
}

/**
 * Expanded sizes in document order: a collection's size is settled when it closes, and an
 * anchor closes before any alias to it, so each alias finds its anchor's final size.
 */
function measureAliases(events: Event[], aliasTarget: Map<number, number>, next: Int32Array): AliasExpansion {
  const n = events.length;
  const size = new Float64Array(n);
  const open = new Int32Array(n);
  const running = new Float64Array(n);
  let depth = 0;
  let nodes = 0;
  let expanded = 0;
  let biggest: AliasExpansion['biggest'];
  const add = (s: number): void => {
    if (depth > 0) running[depth - 1]! += s;
  };
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    switch (e.type) {
      case EVENT_ID.DOCUMENT:
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING:
        if (e.type !== EVENT_ID.DOCUMENT) nodes++;
        open[depth] = i;
        running[depth] = e.type === EVENT_ID.DOCUMENT ? 0 : 1;
        depth++;
        break;
      case EVENT_ID.SCALAR:
        nodes++;
        size[i] = 1;
        add(1);
        break;
      case EVENT_ID.ALIAS: {
        nodes++;
        const target = aliasTarget.get(i);
        // An alias to a node still open (a node that contains itself) stands for one node.
        const aliasSize = target === undefined || next[target]! > i ? 1 : size[target]!;
        if (biggest === undefined || aliasSize > biggest.nodes) {
          biggest = { offset: e.anchorStart - 1, nodes: aliasSize };
        }
        add(aliasSize);
        break;
      }
      case EVENT_ID.POP: {
        depth--;
        const at = open[depth]!;
        size[at] = running[depth]!;
        if (events[at]!.type === EVENT_ID.DOCUMENT) expanded += running[depth]!;
        else add(running[depth]!);
        break;
      }
    }
  }
  const out: AliasExpansion = { nodes, expanded };
  if (biggest !== undefined) out.biggest = biggest;
  return out;
}

/** Repeated keys of every mapping (asked only after js-yaml refused a document for one). */
export function findDuplicateKeys(events: Event[], source: string, next: Int32Array): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  // Depth first from the document's content, with the path of each collection.
  const stack: Array<[number, string]> = events.length > 1 ? [[1, '']] : [];
  while (stack.length > 0) {
    const [i, path] = stack.pop()!;
    const e = events[i]!;
    if (e.type === EVENT_ID.SEQUENCE) {
      for (let k = i + 1, n = 0; events[k]!.type !== EVENT_ID.POP; k = next[k]!, n++)
        stack.push([k, joinPath(path, n)]);
      continue;
    }
    if (e.type !== EVENT_ID.MAPPING) continue;
    const keys = new Map<string, number>();
    for (let k = i + 1; events[k]!.type !== EVENT_ID.POP; k = next[next[k]!]!) {
      const key = events[k]!;
      if (key.type !== EVENT_ID.SCALAR) continue;
      const text = getScalarValue(source, key);
      const offset = rangeOf(key, source).start;
      const first = keys.get(text);
      if (first !== undefined) found.push({ key: text, mapPath: path, offset, firstOffset: first });
      else keys.set(text, offset);
      stack.push([next[k]!, joinPath(path, text)]);
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** Maps with at most this many plain keys are scanned, not indexed. */
const SCAN_LIMIT = 16;

export class EventTree implements PathTree {
  private readonly events: Event[];
  private readonly source: string;
  readonly next: Int32Array;
  private readonly aliasTarget: Map<number, number>;
  /** Per mapping: key → [key event, value event] (the last of repeated keys: its value wins). */
  private readonly keyIndex = new Map<number, Map<string, [number, number]>>();
  /** Per sequence: its items' events. */
  private readonly items = new Map<number, Int32Array>();

  constructor(events: Event[], source: string, next: Int32Array, aliasTarget: Map<number, number>) {
    this.events = events;
    this.source = source;
    this.next = next;
    this.aliasTarget = aliasTarget;
  }

  root(): Found {
    // events[0] opens the document; its content is the next event.
    const at = this.events.length > 1 && this.events[1]!.type !== EVENT_ID.POP ? 1 : -1;
    if (at === -1) return NOT_FOUND;
    return { node: at, value: this.range(at) };
  }

  child(parent: unknown, segment: string | number): Found {
    if (typeof parent !== 'number' || parent < 0) return NOT_FOUND;
    // Aliases are followed, so paths inside repeated content point at the anchored original.
    const at = this.aliasTarget.get(parent) ?? parent;
    const e = this.events[at]!;
    if (typeof segment === 'number') {
      if (e.type !== EVENT_ID.SEQUENCE) return NOT_FOUND;
      const item = this.itemsOf(at)[segment];
      return item === undefined ? NOT_FOUND : { node: item, value: this.range(item) };
    }
    if (e.type !== EVENT_ID.MAPPING) return NOT_FOUND;
    const pair = this.pairOf(at, segment);
    if (pair === undefined) return NOT_FOUND;
    const [key, value] = pair;
    return { node: value, key: this.range(key), value: this.range(value) ?? this.emptyValue(key) };
  }

  private itemsOf(at: number): Int32Array {
    let items = this.items.get(at);
    if (items === undefined) {
      const list: number[] = [];
      for (let c = at + 1; this.events[c]!.type !== EVENT_ID.POP; c = this.next[c]!) list.push(c);
      items = Int32Array.from(list);
      this.items.set(at, items);
    }
    return items;
  }

  /** The [key event, value event] of `segment` in the mapping at `at`. */
  private pairOf(at: number, segment: string): [number, number] | undefined {
    let keys = this.keyIndex.get(at);
    if (keys === undefined) {
      // Most maps are small and asked about once or twice: scanning the plain keys' source
      // text beats decoding every key into an index (a large map, `state.fields`, is indexed).
      let count = 0;
      let found: [number, number] | undefined;
      let simple = true;
      for (let k = at + 1; this.events[k]!.type !== EVENT_ID.POP; k = this.next[this.next[k]!]!) {
        const key = this.events[k]!;
        count++;
        if (key.type !== EVENT_ID.SCALAR || key.style !== SCALAR_STYLE.PLAIN) simple = false;
        else if (
          key.valueEnd - key.valueStart === segment.length &&
          this.source.startsWith(segment, key.valueStart)
        ) {
          found = [k, this.next[k]!];
        }
      }
      if (simple && count <= SCAN_LIMIT) return found;
      keys = new Map();
      for (let k = at + 1; this.events[k]!.type !== EVENT_ID.POP; k = this.next[this.next[k]!]!) {
        const key = this.events[k]!;
        if (key.type === EVENT_ID.SCALAR) keys.set(getScalarValue(this.source, key), [k, this.next[k]!]);
      }
      this.keyIndex.set(at, keys);
    }
    return keys.get(segment);
  }

  /**
   * An empty value (`key:` and nothing) has no offset of its own: like the `yaml` package,
   * place it after the colon and the spaces that follow.
   */
  private emptyValue(key: number): RangeInfo | undefined {
    const e = this.events[key]!;
    if (e.type !== EVENT_ID.SCALAR || e.valueEnd === -1) return undefined;
    let i = this.source.indexOf(':', e.valueEnd);
    if (i === -1) return undefined;
    i++;
    while (this.source[i] === ' ' || this.source[i] === '\t') i++;
    return { start: i };
  }

  private range(at: number): RangeInfo | undefined {
    const e = this.events[at]!;
    switch (e.type) {
      case EVENT_ID.SCALAR:
        return e.valueStart === -1 ? undefined : rangeOf(e, this.source);
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING:
        return { start: e.start };
      case EVENT_ID.ALIAS:
        return { start: e.anchorStart - 1 };
      default:
        return undefined;
    }
  }
}

/** A scalar's range, starting where the `yaml` package's node starts: quote or block indicator. */
function rangeOf(e: ScalarEvent, source: string): RangeInfo {
  const from = e.valueStart;
  const to = e.valueEnd;
  switch (e.style) {
    case SCALAR_STYLE.PLAIN:
      return { start: from, style: 'plain', from, to };
    case SCALAR_STYLE.SINGLE_QUOTED:
    case SCALAR_STYLE.DOUBLE_QUOTED:
      return { start: from - 1, style: 'quoted', from, to };
    case SCALAR_STYLE.LITERAL_BLOCK:
      return {
        start: blockIndicator(source, from),
        style: 'literal',
        from,
        to,
        indent: Math.max(0, e.indent),
      };
    default:
      return { start: blockIndicator(source, from), style: 'other', from, to };
  }
}

/**
 * A block scalar's `|` or `>`: on the line before its body (which is where the event starts),
 * followed only by indicators, spaces and a comment.
 */
function blockIndicator(source: string, bodyStart: number): number {
  const headerEnd = source.lastIndexOf('\n', bodyStart - 1);
  if (headerEnd === -1) return bodyStart;
  const lineStart = source.lastIndexOf('\n', headerEnd - 1) + 1;
  const match = /[|>][0-9+-]*[ \t]*(?:#.*)?\r?$/.exec(source.slice(lineStart, headerEnd));
  return match === null ? bodyStart : lineStart + match.index;
}
