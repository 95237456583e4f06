/**
 * Raw parsed document → typed `Workflow`. This pass checks the SHAPE of the file (keys,
 * value kinds, required keys, unknown and inert keys) and parses the embedded languages
 * (types, templates, conditions). It always produces a best-effort workflow, even with
 * errors, so the semantic pass (validate/) can still report every other problem at once;
 * the loader only hands the workflow out when no error was found.
 *
 * One file per section of the format (state.ts, nodes.ts, edges.ts, config.ts), sharing the
 * value readers of reader.ts.
 */

import type { Reporter } from '../diagnostics.js';
import { KEYS } from '../known-keys.js';
import type { Workflow } from '../types.js';
import type { SourceMap } from '../yaml/source-map.js';
import { resolveMemory } from './code.js';
import { DEFAULT_EXECUTION, normaliseConfig } from './config.js';
import { normaliseEdges } from './edges.js';
import { normaliseNodes } from './nodes.js';
import { isObj, kindOf, type NormaliseMeta, type Obj, Reader } from './reader.js';
import { normaliseState } from './state.js';

export function normalise(
  raw: unknown,
  source: string,
  reporter: Reporter,
  map: SourceMap,
): { workflow: Workflow; meta: NormaliseMeta } {
  const rd = new Reader(reporter, map);

  const workflow: Workflow = {
    schemaVersion: '1.0',
    flow: { name: '' },
    state: [],
    nodes: [],
    edges: [],
    config: {
      llm: {},
      execution: { ...DEFAULT_EXECUTION },
      observability: { logPrompts: false },
      extra: {},
    },
    source,
  };
  if (!isObj(raw)) {
    const what = raw === null || raw === undefined ? 'empty' : kindOf(raw);
    rd.r.error(
      'invalid-document',
      '',
      `the workflow file is ${what}; it must be a map with schema_version, flow, state, nodes and edges`,
    );
    return { workflow, meta: rd.meta };
  }
  rd.checkKeys(raw, '', KEYS.top);
  checkSchemaVersion(rd, raw);
  workflow.flow = readFlow(rd, raw.flow);
  workflow.state = normaliseState(rd, raw.state);
  workflow.nodes = normaliseNodes(rd, raw.nodes);
  workflow.edges = normaliseEdges(rd, raw.edges);
  if (raw.config !== undefined && raw.config !== null) workflow.config = normaliseConfig(rd, raw.config);
  resolveMemory(workflow);
  return { workflow, meta: rd.meta };
}

function checkSchemaVersion(rd: Reader, raw: Obj): void {
  const v = raw.schema_version;
  if (v === '1.0') return;
  if (v === undefined) {
    rd.missing(
      'schema_version',
      `the workflow has no schema_version: add schema_version: "1.0" at the top (files without it are not in the configurable-agents 1.0 format)`,
    );
  } else if (v === 1) {
    // YAML reads an unquoted 1.0 as the number 1; the intent is unmistakable.
    rd.r.warn(
      'schema-version-number',
      'schema_version',
      'schema_version should be the string "1.0" (quote it)',
    );
  } else {
    rd.r.error(
      'unsupported-schema-version',
      'schema_version',
      `schema_version ${kindOf(v)} is not supported; agentcrate reads schema_version "1.0"`,
    );
  }
}

function readFlow(rd: Reader, raw: unknown): Workflow['flow'] {
  const flow: Workflow['flow'] = { name: '' };
  if (raw === undefined || raw === null) {
    rd.missing('flow', 'the workflow has no flow: add flow: {name: my_workflow}');
    return flow;
  }
  if (!isObj(raw)) {
    rd.wrongKind('flow', 'a map with name, description and version', raw);
    return flow;
  }
  rd.checkKeys(raw, 'flow', KEYS.flow);
  const name = rd.optText(raw, 'name', 'flow');
  if (name === undefined || name.trim() === '') {
    rd.missing('flow.name', 'flow.name is required and must not be empty: add flow: {name: my_workflow}');
  } else {
    flow.name = name;
  }
  const description = rd.optText(raw, 'description', 'flow');
  if (description !== undefined) flow.description = description;
  const version = rd.optText(raw, 'version', 'flow');
  if (version !== undefined) flow.version = version;
  return flow;
}
