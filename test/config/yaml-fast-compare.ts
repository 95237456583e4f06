/**
 * Compares the fast YAML front end with the `yaml` package on one text: when the front end
 * accepts the text, the package must read it without errors, warnings or repeated keys, to
 * the same value, with the same node offsets, scalar types and line starts.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { type FastNode, parseFastOrThrow } from '../../src/config/yaml/fast.js';

export interface Comparison {
  /** The fast front end read the text (did not give up). */
  fast: boolean;
  /** Every way the two disagree (empty when they agree or the front end gave up). */
  problems: string[];
}

export function compareWithPackage(src: string): Comparison {
  const fast = parseFastOrThrow(src);
  if (fast === undefined) return { fast: false, problems: [] };
  const lines = new LineCounter();
  const doc = parseDocument(src, {
    version: '1.2',
    uniqueKeys: false,
    lineCounter: lines,
    prettyErrors: false,
    logLevel: 'silent',
  });
  const problems: string[] = [];
  for (const e of doc.errors) problems.push(`package error: ${e.message.split('\n')[0]}`);
  for (const w of doc.warnings) problems.push(`package warning: ${w.message.split('\n')[0]}`);
  if (problems.length > 0) return { fast: true, problems };
  const expected = doc.toJS({ maxAliasCount: 100 }) as unknown;
  compareValues(fast.value, expected, '', problems);
  compareNodes(fast.root, doc.contents as Node | null, '', doc, problems);
  const fastLines = lineStarts(src);
  if (fastLines.join(',') !== lines.lineStarts.join(',')) problems.push('line starts differ');
  return { fast: true, problems: problems.slice(0, 10) };
}

function lineStarts(src: string): number[] {
  const out = [0];
  for (let i = src.indexOf('\n'); i !== -1; i = src.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

/** Strict: same types, Object.is for primitives (-0, NaN), same key order and prototypes. */
function compareValues(actual: unknown, expected: unknown, path: string, problems: string[]): void {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      problems.push(`${path}: ${show(actual)} !== ${show(expected)}`);
      return;
    }
    expected.forEach((e, i) => {
      compareValues(actual[i], e, `${path}[${i}]`, problems);
    });
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      problems.push(`${path}: ${show(actual)} !== ${show(expected)}`);
      return;
    }
    if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected))
      problems.push(`${path}: prototypes differ`);
    const ak = Reflect.ownKeys(actual);
    const ek = Reflect.ownKeys(expected);
    if (ak.join('\u0000') !== ek.join('\u0000')) {
      problems.push(`${path}: keys ${show(ak)} !== ${show(ek)}`);
      return;
    }
    for (const k of ek) {
      const a = Object.getOwnPropertyDescriptor(actual, k);
      const e = Object.getOwnPropertyDescriptor(expected, k);
      if (a?.enumerable !== e?.enumerable || a?.writable !== e?.writable)
        problems.push(`${path}.${String(k)}: descriptor`);
      compareValues(a?.value, e?.value, `${path}.${String(k)}`, problems);
    }
    return;
  }
  if (!Object.is(actual, expected)) problems.push(`${path}: ${show(actual)} !== ${show(expected)}`);
}

function compareNodes(
  fast: FastNode,
  node: Node | null,
  path: string,
  doc: Document,
  problems: string[],
): void {
  if (node === null) {
    problems.push(`${path}: the package has no node`);
    return;
  }
  const range = node.range;
  if (range == null) {
    problems.push(`${path}: the package's node has no range`);
    return;
  }
  if (fast.start !== range[0]) problems.push(`${path}: start ${fast.start} !== ${range[0]}`);
  if (isScalar(node)) {
    if (fast.kind !== 'scalar') {
      problems.push(`${path}: ${fast.kind} where the package has a scalar`);
      return;
    }
    if (fast.type !== node.type) problems.push(`${path}: type ${fast.type} !== ${node.type}`);
    if (fast.end !== range[1]) problems.push(`${path}: end ${fast.end} !== ${range[1]}`);
    return;
  }
  if (isMap(node)) {
    if (fast.kind !== 'map' || fast.keys.length !== node.items.length) {
      problems.push(`${path}: not the same map`);
      return;
    }
    node.items.forEach((pair, i) => {
      const key = pair.key;
      const fk = fast.keys[i]!;
      if (!isScalar(key) || key.range == null) {
        problems.push(`${path}: key ${i} is not a scalar`);
        return;
      }
      const name = String(key.value);
      if (fast.names[i] !== name) problems.push(`${path}: key ${i} ${fast.names[i]} !== ${name}`);
      if (fk.start !== key.range[0] || fk.end !== key.range[1] || fk.type !== key.type) {
        problems.push(
          `${path}.${name} (key): ${fk.start}-${fk.end} ${fk.type} !== ${key.range[0]}-${key.range[1]} ${key.type}`,
        );
      }
      compareNodes(fast.values[i]!, pair.value as Node | null, `${path}.${name}`, doc, problems);
    });
    return;
  }
  if (isSeq(node)) {
    if (fast.kind !== 'seq' || fast.items.length !== node.items.length) {
      problems.push(`${path}: not the same sequence`);
      return;
    }
    node.items.forEach((item, i) => {
      compareNodes(fast.items[i]!, item as Node | null, `${path}[${i}]`, doc, problems);
    });
    return;
  }
  problems.push(`${path}: unexpected package node`);
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
