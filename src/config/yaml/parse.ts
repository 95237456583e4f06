/**
 * Parses a workflow's YAML or JSON text into a plain value plus a SourceMap from document
 * paths (`nodes[2].outputs[0]`) to positions, so every later diagnostic can say line and
 * column. JSON goes through the YAML parsers too (JSON is YAML), which gives it positions.
 *
 * Two maintained parsers, each where it is best: js-yaml reads nearly every file, fast, as
 * an event stream whose source offsets give the positions; a file it refuses (a syntax
 * error, or the rare construct it does not take) is read again by the `yaml` package for its
 * located messages. Either way a repeated key is a warning (the later value wins, as in
 * configurable-agents' PyYAML reader), and aliases that expand the document past a bound are
 * refused as an alias bomb before anything walks the value.
 */
import { constructFromEvents, EVENT_ID, type Event, parseEvents, YAMLException } from 'js-yaml';
import { type Document, parseDocument } from 'yaml';
import { joinPath } from '../diagnostics.js';
import type { Position } from '../types.js';
import { DocumentTree, scanDocument } from './document-tree.js';
import { type AliasExpansion, type DuplicateKey, findDuplicateKeys, indexEvents } from './event-tree.js';
import { LineIndex, SourceMap } from './source-map.js';

/**
 * Aliases may expand a document to this many nodes, or to ten times its own size if that
 * is more: ordinary reuse (a shared llm block) stays far below, a "billion laughs" far above.
 */
const MIN_ALIAS_LIMIT = 100_000;
const ALIAS_FACTOR = 10;

/** Collections nested deeper than this are left to the `yaml` package (and its message). */
const MAX_FAST_DEPTH = 100;

export interface ParseProblem {
  severity: 'error' | 'warning';
  code: string;
  /** Document path, when the problem belongs to a key (a repeated one). */
  path?: string;
  message: string;
  pos?: Position;
}

export interface ParsedSource {
  /** The document as plain data; `undefined` when it could not be parsed. */
  value: unknown;
  map: SourceMap;
  problems: ParseProblem[];
}

/** Parses `source`; never throws for bad content. */
export function parseSource(source: string, format: 'yaml' | 'json'): ParsedSource {
  return readWithJsYaml(source) ?? readWithYamlPackage(source, format);
}

/** The alias-bomb error, when aliases expand the document past the bound. */
function aliasBomb(expansion: AliasExpansion, map: SourceMap): ParseProblem | undefined {
  const limit = Math.max(MIN_ALIAS_LIMIT, ALIAS_FACTOR * expansion.nodes);
  if (expansion.expanded <= limit) return undefined;
  const at = expansion.biggest;
  return {
    severity: 'error',
    code: 'yaml-aliases',
    message: `YAML aliases expand the document from ${count(expansion.nodes)} to ${count(expansion.expanded)} nodes (limit ${count(limit)})${at === undefined ? '' : `, this one alone to ${count(at.nodes)}`}: the file looks like an alias bomb ("billion laughs"); write the repeated parts out or use fewer nested aliases`,
    pos: (at === undefined ? undefined : map.positionOf(at.offset)) ?? { line: 1, column: 1 },
  };
}

function count(n: number): string {
  return n > 1e15 ? n.toExponential(1) : n.toLocaleString('en-US');
}

/** js-yaml's path; `undefined` hands the file to the `yaml` package. */
function readWithJsYaml(source: string): ParsedSource | undefined {
  let events: Event[];
  try {
    events = parseEvents(source, { maxDepth: MAX_FAST_DEPTH });
  } catch {
    return undefined;
  }
  const index = indexEvents(events, source);
  // One document exactly (the first spans every event); an empty stream or several
  // documents get the package's message.
  if (events[0]?.type !== EVENT_ID.DOCUMENT || index.tree.next[0] !== events.length) return undefined;
  const map = new SourceMap(source, new LineIndex(source), index.tree);
  const bomb = index.aliases === undefined ? undefined : aliasBomb(index.aliases, map);
  if (bomb !== undefined) return { value: undefined, map, problems: [bomb] };
  try {
    return { value: constructFromEvents(events, { source })[0], map, problems: [] };
  } catch (err) {
    if (!(err instanceof YAMLException) || !/duplicate/i.test(err.reason)) return undefined;
  }
  // A repeated key: warn at each repeat and let the later value win, as PyYAML does.
  const problems = duplicateWarnings(findDuplicateKeys(events, source, index.tree.next), map);
  try {
    return { value: constructFromEvents(events, { source, json: true })[0], map, problems };
  } catch {
    return undefined;
  }
}

function readWithYamlPackage(source: string, format: 'yaml' | 'json'): ParsedSource {
  const lines = new LineIndex(source);
  const problems: ParseProblem[] = [];
  // A badly broken file yields hundreds of parser errors; their stack traces are never
  // shown and capturing them dominated the cost of loading such a file.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let doc: Document;
  try {
    doc = parseDocument(source, {
      // Repeated keys are found (and warned about) by scanDocument, in one pass.
      uniqueKeys: false,
      // Positions come from the line index; pretty errors would format context we drop.
      prettyErrors: false,
      version: '1.2',
      // The yaml package would print warnings (e.g. collection keys) to stderr; keys are
      // checked by the normaliser instead, and nothing of ours writes to the console.
      logLevel: 'error',
    });
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
  const map = new SourceMap(source, lines, new DocumentTree(doc, source));

  if (doc.errors.length > 0) {
    if (format === 'json') {
      // Valid JSON that YAML rejects (e.g. tab-indented) still loads, only without positions.
      try {
        return { value: JSON.parse(source) as unknown, map: new SourceMap(source, undefined), problems };
      } catch {
        // fall through to the YAML parser's located errors
      }
    }
    // Only the first: the parser's later errors are nearly always echoes of it (one tab or
    // one unclosed bracket makes every following line "misaligned").
    const first = syntaxError(doc.errors[0]!, source, map, format);
    const more = doc.errors.length - 1;
    if (more > 0)
      first.message += ` (${more} more syntax error${more === 1 ? '' : 's'} after it, most likely caused by this one: fix it and validate again)`;
    problems.push(first);
    return { value: undefined, map, problems };
  }

  const scan = scanDocument(doc);
  problems.push(...duplicateWarnings(scan.duplicates, map));
  const bomb = aliasBomb(scan, map);
  if (bomb !== undefined) {
    problems.push(bomb);
    return { value: undefined, map, problems };
  }
  for (const w of doc.warnings) {
    const problem: ParseProblem = {
      severity: 'warning',
      code: 'yaml-warning',
      message: `YAML: ${firstLine(w.message)}`,
    };
    const pos = map.positionOf(w.pos[0]);
    if (pos !== undefined) problem.pos = pos;
    problems.push(problem);
  }
  let value: unknown;
  try {
    // Aliases were measured above; toJS shares the anchored value instead of copying it.
    value = doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    problems.push({
      severity: 'error',
      code: 'yaml-syntax',
      message: `YAML could not be read: ${err instanceof Error ? err.message : String(err)}`,
      pos: { line: 1, column: 1 },
    });
    return { value: undefined, map, problems };
  }
  return { value, map, problems };
}

function syntaxError(
  err: { pos: [number, number]; message: string },
  source: string,
  map: SourceMap,
  format: 'yaml' | 'json',
): ParseProblem {
  let pos = map.positionOf(err.pos[0]);
  let message = firstLine(err.message);
  // The parser reports an unclosed quote where the file ends; point at where it opened.
  const quote = /^Missing closing (["'])quote/.exec(message)?.[1];
  const opened = quote === undefined ? -1 : source.lastIndexOf(quote, err.pos[0]);
  if (quote !== undefined && opened >= 0) {
    pos = map.positionOf(opened) ?? pos;
    message = `a ${quote}-quoted string starts here and is never closed (missing closing ${quote})`;
  }
  // An unclosed flow collection is reported where the parser gave up; point at its opening.
  const close = /^Flow (?:map|sequence) .*end with an? ([}\]])/.exec(message)?.[1];
  const openedAt =
    close === undefined ? -1 : unclosedOpener(source, err.pos[0], close === '}' ? '{' : '[', close);
  if (close !== undefined && openedAt >= 0) {
    pos = map.positionOf(openedAt) ?? pos;
    message = `a flow ${close === '}' ? 'map' : 'list'} '${close === '}' ? '{' : '['}' opens here and is never closed: add the closing '${close}'`;
  }
  if (/^Tabs are not allowed as indentation/.test(message))
    message = 'a tab indents this line; YAML indents with spaces only: replace the tab with spaces';
  const where = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.column}`;
  const problem: ParseProblem = {
    severity: 'error',
    code: 'yaml-syntax',
    message: `${format === 'json' ? 'JSON' : 'YAML'} syntax error${where}: ${message}`,
  };
  if (pos !== undefined) problem.pos = pos;
  return problem;
}

/** The nearest `open` before `end` that no `close` after it matches (quotes are not parsed). */
function unclosedOpener(source: string, end: number, open: string, close: string): number {
  let depth = 0;
  for (let i = Math.min(end, source.length) - 1; i >= 0; i--) {
    const ch = source[i];
    if (ch === close) depth++;
    else if (ch === open) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?\s*$/, '').trim();
}

function duplicateWarnings(duplicates: DuplicateKey[], map: SourceMap): ParseProblem[] {
  return duplicates.map((dup) => {
    const pos = map.positionOf(dup.offset);
    const first = map.positionOf(dup.firstOffset);
    const where = dup.mapPath === '' ? 'at the top level' : `in ${dup.mapPath}`;
    const problem: ParseProblem = {
      severity: 'warning',
      code: 'duplicate-key',
      path: joinPath(dup.mapPath, dup.key),
      message: `the key '${dup.key}' appears twice ${where}${first === undefined ? '' : ` (first at line ${first.line})`}; the later value wins, as in configurable-agents' YAML reader, and the earlier one is ignored: remove or merge one of them`,
    };
    if (pos !== undefined) problem.pos = pos;
    return problem;
  });
}
