/** Checks a source tree against the rules of an architecture document; returns what breaks them. */
import path from 'node:path';
import { cycles, type ImportEdge, importsOf, sourceFiles } from './imports.js';
import { readArchitectureRules, roomOf } from './rules.js';

export interface ArchitectureReport {
  /** Rules the document states that the code breaks, one line each, with file:line. */
  violations: string[];
  /** Files in no room of the table. */
  homeless: string[];
  /** Cycles between rooms over runtime imports (static or dynamic). */
  roomCycles: string[][];
  /** Cycles between files over static runtime imports (the ones that bite at load time). */
  fileCycles: string[][];
  /** The document's own problems (a row the grammar cannot read). */
  documentProblems: string[];
  edges: ImportEdge[];
}

export function checkArchitecture(srcRoot: string, documentFile: string): ArchitectureReport {
  const rules = readArchitectureRules(documentFile);
  const roomNames = [...rules.rooms.keys()];
  const files = sourceFiles(srcRoot);
  const edges = files.flatMap((file) => importsOf(srcRoot, file));
  const homeless = files
    .map((file) => path.relative(srcRoot, file).split(path.sep).join('/'))
    .filter((file) => roomOf(file, roomNames) === undefined);

  const violations: string[] = [];
  const roomEdges = new Map<string, Set<string>>();
  const fileEdges = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (!edge.typeOnly && !edge.dynamic) {
      if (!fileEdges.has(edge.from)) fileEdges.set(edge.from, new Set());
      fileEdges.get(edge.from)!.add(edge.to);
    }
    const from = roomOf(edge.from, roomNames);
    const to = roomOf(edge.to, roomNames);
    if (from === undefined || to === undefined || from === to) continue;
    if (!edge.typeOnly) {
      if (!roomEdges.has(from)) roomEdges.set(from, new Set());
      roomEdges.get(from)!.add(to);
    }
    const rule = rules.rooms.get(from)!;
    const where = `src/${edge.from}:${edge.line} imports ${edge.typeOnly ? 'types from ' : ''}src/${edge.to}`;
    if (rule.never.has(to)) {
      violations.push(`${where}: never \`${from}\` → \`${to}\``);
      continue;
    }
    if (rule.values === '*' || rule.values.has(to) || rules.everywhere.has(to)) continue;
    if (rule.types.has(to)) {
      if (!edge.typeOnly) {
        violations.push(`${where}: \`${from}\` may take only types from \`${to}\`; write \`import type\``);
      }
      continue;
    }
    violations.push(`${where}: \`${to}\` is not among the imports of \`${from}\` in docs/architecture.md`);
  }
  return {
    violations,
    homeless,
    roomCycles: cycles(roomNames, roomEdges),
    fileCycles: cycles(
      files.map((file) => path.relative(srcRoot, file).split(path.sep).join('/')),
      fileEdges,
    ),
    documentProblems: rules.problems,
    edges,
  };
}
