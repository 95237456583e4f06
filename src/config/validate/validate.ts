/**
 * Semantic rules over a normalised workflow (workflow-format.md section 5 "Validation"):
 * names that must refer to something, types that must agree, a graph that must be
 * walkable from START to END, concurrent branches that must not write the same field.
 * Every problem is reported (no early exit) so a user fixes the file in one round.
 */

import type { Reporter } from '../diagnostics.js';
import type { NormaliseMeta } from '../normalise/reader.js';
import type { Workflow } from '../types.js';
import type { SourceMap } from '../yaml/source-map.js';
import { Checker } from './checker.js';
import { checkConflictingEdges, checkEdge } from './edges.js';
import { checkGraph } from './graph.js';
import { checkNode, checkNodeIds } from './nodes.js';
import { checkStateFields } from './state.js';

export function validate(workflow: Workflow, meta: NormaliseMeta, reporter: Reporter, map: SourceMap): void {
  const ck = new Checker(workflow, meta, reporter, map);
  checkStateFields(ck);
  checkNodeIds(ck);
  for (const node of workflow.nodes) checkNode(ck, node);
  for (const edge of workflow.edges) checkEdge(ck, edge);
  checkConflictingEdges(ck);
  checkGraph(ck);
}
