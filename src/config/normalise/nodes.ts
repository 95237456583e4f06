/** `nodes:` → NodeDefs: id, prompt and inputs, outputs, output_schema, tools, llm. */

import { joinPath } from '../diagnostics.js';
import { KEYS } from '../known-keys.js';
import { KNOWN_TOOLS } from '../known-tools.js';
import { didYouMean, suggest } from '../suggest.js';
import type { NodeDef, NodeTool, OutputSchema, TypeNode } from '../types.js';
import { readCode, readNodeMemory } from './code.js';
import { readLlm } from './llm.js';
import { IDENTIFIER, isObj, kindOf, type Obj, type Reader } from './reader.js';
import { readType } from './type-schema.js';

export function normaliseNodes(rd: Reader, raw: unknown): NodeDef[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    rd.meta.nodesUnread = true;
    if (raw !== undefined && raw !== null && !Array.isArray(raw))
      rd.wrongKind('nodes', 'a list of nodes', raw);
    else
      rd.missing('nodes', 'the workflow has no nodes: add nodes: [{id: ..., prompt: ..., outputs: [...]}]');
    return [];
  }
  return raw.map((n, i) => readNode(rd, n, i));
}

function readNode(rd: Reader, raw: unknown, index: number): NodeDef {
  const path = joinPath('nodes', index);
  const node: NodeDef = {
    id: '',
    index,
    prompt: { source: '', parts: [] },
    inputs: [],
    outputs: [],
    outputSchema: { kind: 'single', type: { kind: 'any' } },
    tools: [],
    toolConfig: {},
    llm: {},
    unsupported: [],
    logPrompts: false,
  };
  const pos = rd.map.locate(path);
  if (pos !== undefined) node.pos = pos;
  if (!isObj(raw)) {
    rd.wrongKind(path, 'a map with id, prompt, outputs and output_schema', raw);
    rd.meta.badOutputSchema.add(index);
    rd.meta.badOutputs.add(index);
    return node;
  }
  const rawId = raw.id;
  if (typeof rawId === 'string') node.id = rawId;
  else if (rawId === undefined || rawId === null)
    rd.missing(joinPath(path, 'id'), `node #${index + 1} has no id`);
  else rd.wrongKind(joinPath(path, 'id'), 'an identifier', rawId);
  const label = node.id === '' ? `node #${index + 1}` : `node '${node.id}'`;

  rd.checkKeys(
    raw,
    path,
    KEYS.node,
    (key) => `'${key}' on ${label} is accepted but not implemented yet; it has no effect`,
  );
  readCode(rd, raw, node, path, label);
  readNodeMemory(rd, raw, node, path);

  const name = rd.optText(raw, 'name', path);
  if (name !== undefined) node.name = name;
  const description = rd.optText(raw, 'description', path);
  if (description !== undefined) node.description = description;

  const promptPath = joinPath(path, 'prompt');
  if (typeof raw.prompt === 'string' && raw.prompt.trim() !== '') {
    node.prompt = rd.template(raw.prompt, promptPath);
  } else if (raw.prompt === undefined || raw.prompt === null || raw.prompt === '') {
    // A code node computes its output itself; configurable-agents files still carry a prompt.
    if (node.code === undefined)
      rd.r.error(
        'missing-prompt',
        promptPath,
        `${label} has no prompt: add prompt: "..." (a template, e.g. "Summarise {state.text}")`,
      );
  } else {
    rd.wrongKind(promptPath, 'a text template', raw.prompt);
  }

  const inputs = rd.optMap(raw, 'inputs', path);
  if (inputs !== undefined) {
    for (const [name, value] of Object.entries(inputs)) {
      const inputPath = joinPath(joinPath(path, 'inputs'), name);
      if (!IDENTIFIER.test(name)) {
        rd.r.error(
          'invalid-input-name',
          inputPath,
          `input name '${name}' of ${label} must be an identifier so {${name}} can use it`,
          {
            pos: rd.map.locateKey(inputPath),
          },
        );
      }
      if (typeof value !== 'string') {
        rd.wrongKind(inputPath, 'a text template such as "{state.topic}"', value);
        continue;
      }
      node.inputs.push({ name, template: rd.template(value, inputPath) });
    }
  }

  readOutputs(rd, raw, node, path, label);
  readOutputSchema(rd, raw, node, path, label);
  readTools(rd, raw, node, path, label);

  const toolConfig = rd.optMap(raw, 'tool_config', path);
  if (toolConfig !== undefined) node.toolConfig = toolConfig;
  const llm = rd.optMap(raw, 'llm', path);
  if (llm !== undefined) node.llm = readLlm(rd, llm, joinPath(path, 'llm'), KEYS.llm);
  node.logPrompts = rd.optBool(raw, 'log_prompts', path) ?? false;
  return node;
}

function readOutputs(rd: Reader, raw: Obj, node: NodeDef, path: string, label: string): void {
  const outPath = joinPath(path, 'outputs');
  const v = raw.outputs;
  if (!Array.isArray(v) || v.length === 0) {
    rd.meta.badOutputs.add(node.index);
    if (v !== undefined && v !== null && !Array.isArray(v))
      rd.wrongKind(outPath, 'a list of state field names', v);
    else
      rd.r.error(
        'missing-outputs',
        outPath,
        `${label} has no outputs: add outputs: [field] naming the state fields it writes`,
      );
    return;
  }
  v.forEach((item, j) => {
    if (typeof item === 'string') node.outputs.push(item);
    else {
      rd.meta.badOutputs.add(node.index);
      rd.wrongKind(joinPath(outPath, j), 'a state field name', item);
    }
  });
}

function readOutputSchema(rd: Reader, raw: Obj, node: NodeDef, path: string, label: string): void {
  const osPath = joinPath(path, 'output_schema');
  const v = raw.output_schema;
  const bad = (): void => {
    rd.meta.badOutputSchema.add(node.index);
  };
  if (v === undefined || v === null) {
    bad();
    // A code node's result is checked against the state types of its outputs directly.
    if (node.code !== undefined) return;
    rd.r.error(
      'missing-output-schema',
      osPath,
      `${label} has no output_schema: add output_schema: {type: str} for one output, or {type: object, fields: [{name, type}]} with one entry per output`,
      { pos: node.pos },
    );
    return;
  }
  if (!isObj(v)) {
    bad();
    rd.wrongKind(osPath, 'a map with a type', v);
    return;
  }
  rd.checkKeys(v, osPath, KEYS.outputSchema);
  const description = rd.optText(v, 'description', osPath);
  if (v.fields !== undefined && v.fields !== null) {
    if (typeof v.type !== 'string' || v.type.trim() !== 'object') {
      bad();
      rd.r.error(
        'invalid-output-schema',
        joinPath(osPath, 'type'),
        `output_schema of ${label} has fields, so its type must be object`,
      );
      return;
    }
    const fieldsPath = joinPath(osPath, 'fields');
    if (!Array.isArray(v.fields) || v.fields.length === 0) {
      bad();
      rd.r.error(
        'invalid-output-schema',
        fieldsPath,
        `output_schema.fields of ${label} must be a non-empty list of {name, type}`,
      );
      return;
    }
    const fields: Array<{ name: string; type: TypeNode; description?: string }> = [];
    v.fields.forEach((f, j) => {
      const fPath = joinPath(fieldsPath, j);
      if (!isObj(f)) {
        bad();
        rd.wrongKind(fPath, 'a map with name and type', f);
        return;
      }
      rd.checkKeys(f, fPath, KEYS.outputField);
      if (typeof f.name !== 'string' || f.name === '') {
        bad();
        rd.missing(joinPath(fPath, 'name'), `output_schema field #${j + 1} of ${label} has no name`);
        return;
      }
      const built = readType(rd, f.type, f.schema, fPath, `output '${f.name}' of ${label}`, 0);
      if (!built.ok) bad();
      const field: { name: string; type: TypeNode; description?: string } = {
        name: f.name,
        type: built.type,
      };
      const fd = rd.optText(f, 'description', fPath);
      if (fd !== undefined) field.description = fd;
      fields.push(field);
    });
    node.outputSchema = { kind: 'object', fields };
    return;
  }
  const built = readType(rd, v.type, v.schema, osPath, `output_schema of ${label}`, 0);
  if (!built.ok) bad();
  const single: OutputSchema = { kind: 'single', type: built.type };
  if (description !== undefined) single.description = description;
  node.outputSchema = single;
}

function readTools(rd: Reader, raw: Obj, node: NodeDef, path: string, label: string): void {
  const toolsPath = joinPath(path, 'tools');
  const v = raw.tools;
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) {
    rd.wrongKind(toolsPath, 'a list of tool names', v);
    return;
  }
  v.forEach((item, j) => {
    const tPath = joinPath(toolsPath, j);
    let name: string;
    let namePath = tPath;
    const tool: Omit<NodeTool, 'name' | 'canonical'> = { onError: 'fail', config: {} };
    if (typeof item === 'string') {
      name = item;
    } else if (isObj(item)) {
      rd.checkKeys(item, tPath, KEYS.tool);
      if (typeof item.name !== 'string' || item.name === '') {
        rd.missing(joinPath(tPath, 'name'), `tool #${j + 1} of ${label} has no name`);
        return;
      }
      name = item.name;
      namePath = joinPath(tPath, 'name');
      const onError = item.on_error;
      if (onError === 'fail' || onError === 'continue') tool.onError = onError;
      else if (onError !== undefined && onError !== null) {
        rd.r.error(
          'invalid-value',
          joinPath(tPath, 'on_error'),
          `on_error must be fail or continue, not ${kindOf(onError)}`,
        );
      }
      const config = rd.optMap(item, 'config', tPath);
      if (config !== undefined) tool.config = config;
    } else {
      rd.wrongKind(tPath, 'a tool name or {name, on_error, config}', item);
      return;
    }
    const canonical = KNOWN_TOOLS.get(name);
    if (canonical === undefined) {
      const suggestion = suggest(name, KNOWN_TOOLS.keys());
      rd.r.error('unknown-tool', namePath, `unknown tool '${name}' on ${label}${didYouMean(suggestion)}`, {
        suggestion,
      });
    }
    node.tools.push({ name, canonical: canonical ?? name, ...tool });
  });
}
