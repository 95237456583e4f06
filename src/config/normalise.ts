/**
 * Raw parsed document → typed `Workflow`. This pass checks the SHAPE of the file (keys,
 * value kinds, required keys, unknown and inert keys) and parses the embedded languages
 * (types, templates, conditions). It always produces a best-effort workflow, even with
 * errors, so the semantic pass (validate.ts) can still report every other problem at once;
 * the loader only hands the workflow out when no error was found.
 */

import { ConditionSyntaxError, parseCondition } from './condition.js';
import { joinPath, type Reporter } from './diagnostics.js';
import { KEYS, type KeyLevel } from './known-keys.js';
import { KNOWN_PROVIDERS } from './known-providers.js';
import { KNOWN_TOOLS } from './known-tools.js';
import { didYouMean, suggest } from './suggest.js';
import { parseTemplate } from './template.js';
import { parseType, suggestTypeName, TypeSyntaxError } from './type-grammar.js';
import {
  type Condition,
  type Edge,
  END,
  type ExecutionConfig,
  type LlmConfig,
  type LlmSettings,
  type NodeDef,
  type NodeTool,
  type ObjectField,
  type ObservabilityConfig,
  type OutputSchema,
  type StateField,
  type Template,
  type TypeNode,
  type Workflow,
} from './types.js';
import type { SourceMap } from './yaml.js';

type Obj = Record<string, unknown>;

/** Side information the semantic pass needs to place and skip diagnostics. */
export interface NormaliseMeta {
  /** Document path of every parsed template (prompt, inputs). */
  templatePaths: Map<Template, string>;
  /** Document path of every parsed condition string. */
  conditionPaths: Map<Condition, string>;
  /** Route paths by edge index, in normalised order (the default route moved last). */
  routePaths: Map<number, string[]>;
  /** State fields whose type did not parse (their type is `any`; skip type comparisons). */
  badStateTypes: Set<string>;
  /** Nodes whose output_schema is missing or broken (skip output_schema comparisons). */
  badOutputSchema: Set<number>;
  /** Edges whose condition did not parse (skip ref checks). */
  badConditions: Set<Condition>;
  /** Nodes without a usable `outputs` list. */
  badOutputs: Set<number>;
}

export const DEFAULT_EXECUTION: Readonly<ExecutionConfig> = {
  timeoutSeconds: 120,
  maxRetries: 3,
  maxSteps: 100,
  maxParallel: 8,
  maxToolSteps: 10,
};

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Nesting limit for object schemas; deeper files are almost certainly generated garbage. */
const MAX_SCHEMA_DEPTH = 32;

const PLACEHOLDER_CONDITION: Condition = { source: '', expr: { kind: 'literal', value: false } };

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isObj(v)) return 'a map';
  if (typeof v === 'string')
    return `the string ${JSON.stringify(v.length > 30 ? `${v.slice(0, 27)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

export function normalise(
  raw: unknown,
  source: string,
  reporter: Reporter,
  map: SourceMap,
): { workflow: Workflow; meta: NormaliseMeta } {
  return new Normaliser(reporter, map).run(raw, source);
}

class Normaliser {
  private readonly r: Reporter;
  private readonly map: SourceMap;
  readonly meta: NormaliseMeta = {
    templatePaths: new Map(),
    conditionPaths: new Map(),
    routePaths: new Map(),
    badStateTypes: new Set(),
    badOutputSchema: new Set(),
    badConditions: new Set(),
    badOutputs: new Set(),
  };

  constructor(reporter: Reporter, map: SourceMap) {
    this.r = reporter;
    this.map = map;
  }

  run(raw: unknown, source: string): { workflow: Workflow; meta: NormaliseMeta } {
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
      this.r.error(
        'invalid-document',
        '',
        `the workflow file is ${what}; it must be a map with schema_version, flow, state, nodes and edges`,
      );
      return { workflow, meta: this.meta };
    }
    this.checkKeys(raw, '', KEYS.top);
    this.schemaVersion(raw);
    workflow.flow = this.flow(raw.flow);
    workflow.state = this.state(raw.state);
    workflow.nodes = this.nodes(raw.nodes);
    workflow.edges = this.edges(raw.edges);
    if (raw.config !== undefined && raw.config !== null) workflow.config = this.config(raw.config);
    return { workflow, meta: this.meta };
  }

  // ------------------------------------------------------------------ helpers

  /** Unknown keys → warning with did-you-mean; inert keys → warning naming the key. */
  private checkKeys(obj: Obj, path: string, level: KeyLevel, inertMessage?: (key: string) => string): void {
    for (const key of Object.keys(obj)) {
      if (level.known.includes(key)) continue;
      const keyPath = joinPath(path, key);
      const pos = this.map.locateKey(keyPath);
      if (level.inert.includes(key)) {
        const message =
          inertMessage?.(key) ??
          `'${key}' in ${level.what} is accepted but not implemented yet; it has no effect`;
        this.r.warn('inert-feature', keyPath, message, { pos });
        continue;
      }
      const suggestion = suggest(key, [...level.known, ...level.inert]);
      this.r.warn('unknown-key', keyPath, `unknown key '${key}' in ${level.what}${didYouMean(suggestion)}`, {
        suggestion,
        pos,
      });
    }
  }

  private missing(path: string, message: string): void {
    this.r.error('missing-key', path, message);
  }

  private wrongKind(path: string, expected: string, value: unknown): void {
    this.r.error('invalid-value', path, `${path} must be ${expected}, not ${kindOf(value)}`);
  }

  /** An optional string; numbers are accepted (YAML reads `version: 1.0` as a number). */
  private optText(obj: Obj, key: string, path: string): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    this.wrongKind(joinPath(path, key), 'text', v);
    return undefined;
  }

  private optBool(obj: Obj, key: string, path: string): boolean | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    this.wrongKind(joinPath(path, key), 'true or false', v);
    return undefined;
  }

  private optInt(obj: Obj, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER) {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `between ${min} and ${max}`;
    this.r.error(
      'invalid-value',
      joinPath(path, key),
      `${key} must be a whole number ${range}, not ${kindOf(v)}`,
    );
    return undefined;
  }

  private optNumber(obj: Obj, key: string, path: string, min: number): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v) && v >= min) return v;
    this.r.error(
      'invalid-value',
      joinPath(path, key),
      `${key} must be a number ${min} or more, not ${kindOf(v)}`,
    );
    return undefined;
  }

  private optMap(obj: Obj, key: string, path: string): Obj | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (isObj(v)) return v;
    this.wrongKind(joinPath(path, key), 'a map', v);
    return undefined;
  }

  private template(text: string, path: string): Template {
    const t = parseTemplate(text);
    const pos = this.map.locate(path);
    if (pos !== undefined) t.pos = pos;
    this.meta.templatePaths.set(t, path);
    return t;
  }

  private condition(text: string, path: string): Condition {
    const pos = this.map.locate(path);
    try {
      const c: Condition = { source: text, expr: parseCondition(text) };
      if (pos !== undefined) c.pos = pos;
      this.meta.conditionPaths.set(c, path);
      return c;
    } catch (err) {
      if (!(err instanceof ConditionSyntaxError)) throw err;
      this.r.error('condition-syntax', path, `condition "${text}" is not valid: ${err.message}`, {
        pos: this.map.positionIn(path, text, Math.max(0, err.column - 1)),
      });
      const c = { ...PLACEHOLDER_CONDITION, source: text };
      this.meta.badConditions.add(c);
      return c;
    }
  }

  // ------------------------------------------------------------------ top level

  private schemaVersion(raw: Obj): void {
    const v = raw.schema_version;
    if (v === '1.0') return;
    if (v === undefined) {
      this.missing(
        'schema_version',
        `the workflow has no schema_version: add schema_version: "1.0" at the top (files without it are not in the configurable-agents 1.0 format)`,
      );
    } else if (v === 1) {
      // YAML reads an unquoted 1.0 as the number 1; the intent is unmistakable.
      this.r.warn(
        'schema-version-number',
        'schema_version',
        'schema_version should be the string "1.0" (quote it)',
      );
    } else {
      this.r.error(
        'unsupported-schema-version',
        'schema_version',
        `schema_version ${kindOf(v)} is not supported; agentcrate reads schema_version "1.0"`,
      );
    }
  }

  private flow(raw: unknown): Workflow['flow'] {
    const flow: Workflow['flow'] = { name: '' };
    if (raw === undefined || raw === null) {
      this.missing('flow', 'the workflow has no flow: add flow: {name: my_workflow}');
      return flow;
    }
    if (!isObj(raw)) {
      this.wrongKind('flow', 'a map with name, description and version', raw);
      return flow;
    }
    this.checkKeys(raw, 'flow', KEYS.flow);
    const name = this.optText(raw, 'name', 'flow');
    if (name === undefined || name.trim() === '') {
      this.missing('flow.name', 'flow.name is required and must not be empty: add flow: {name: my_workflow}');
    } else {
      flow.name = name;
    }
    const description = this.optText(raw, 'description', 'flow');
    if (description !== undefined) flow.description = description;
    const version = this.optText(raw, 'version', 'flow');
    if (version !== undefined) flow.version = version;
    return flow;
  }

  // ------------------------------------------------------------------ state and types

  private state(raw: unknown): StateField[] {
    if (raw === undefined || raw === null) {
      this.missing('state', 'the workflow has no state: add state: {fields: {name: {type: str}}}');
      return [];
    }
    if (!isObj(raw)) {
      this.wrongKind('state', 'a map with fields', raw);
      return [];
    }
    this.checkKeys(raw, 'state', KEYS.state);
    const fields = raw.fields;
    if (!isObj(fields) || Object.keys(fields).length === 0) {
      if (fields !== undefined && fields !== null && !isObj(fields))
        this.wrongKind('state.fields', 'a map', fields);
      else
        this.missing(
          'state.fields',
          'state.fields must define at least one field, e.g. {topic: {type: str}}',
        );
      return [];
    }
    const out: StateField[] = [];
    for (const [name, def] of Object.entries(fields)) {
      const path = joinPath('state.fields', name);
      if (!IDENTIFIER.test(name)) {
        this.r.error(
          'invalid-field-name',
          path,
          `state field name '${name}' must be an identifier (letters, digits, _; not starting with a digit)`,
          { pos: this.map.locateKey(path) },
        );
      }
      // `name: str` is a common shorthand for `name: {type: str}`.
      const obj: Obj | undefined = typeof def === 'string' ? { type: def } : isObj(def) ? def : undefined;
      if (obj === undefined) {
        this.wrongKind(path, 'a map with a type (e.g. {type: str})', def);
        this.meta.badStateTypes.add(name);
        out.push({
          name,
          type: { kind: 'any' },
          typeText: '',
          required: false,
          hasDefault: false,
          default: null,
        });
        continue;
      }
      if (isObj(def)) this.checkKeys(obj, path, KEYS.stateField);
      const built = this.type(obj.type, obj.schema, path, `state field '${name}'`, false, 0);
      if (!built.ok) this.meta.badStateTypes.add(name);
      const field: StateField = {
        name,
        type: built.type,
        typeText: built.text,
        required: this.optBool(obj, 'required', path) ?? false,
        hasDefault: Object.hasOwn(obj, 'default'),
        default: obj.default ?? null,
      };
      const description = this.optText(obj, 'description', path);
      if (description !== undefined) field.description = description;
      const pos = this.map.locateKey(path);
      if (pos !== undefined) field.pos = pos;
      out.push(field);
    }
    return out;
  }

  /**
   * A type string plus optional `schema` → TypeNode. `object` (also inside list/dict) gets its
   * fields from `schema`; a bare `object` is an error unless `allowBare` (output_schema fields
   * may leave the schema to the state field of the same name).
   */
  private type(
    rawType: unknown,
    rawSchema: unknown,
    path: string,
    label: string,
    allowBare: boolean,
    depth: number,
  ): { type: TypeNode; text: string; ok: boolean } {
    const typePath = joinPath(path, 'type');
    if (typeof rawType !== 'string' || rawType.trim() === '') {
      if (rawType === undefined || rawType === null) {
        this.missing(
          typePath,
          `${label} has no type: add type: str (or int, float, bool, list[...], dict[...], object)`,
        );
      } else {
        this.wrongKind(typePath, 'a type name such as str or list[int]', rawType);
      }
      return { type: { kind: 'any' }, text: '', ok: false };
    }
    let type: TypeNode;
    try {
      type = parseType(rawType);
    } catch (err) {
      if (!(err instanceof TypeSyntaxError)) throw err;
      const word = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(rawType.slice(Math.max(0, err.column - 1)))?.[1];
      const suggestion = word === undefined ? undefined : suggestTypeName(word);
      this.r.error('invalid-type', typePath, `${label} has an invalid type '${rawType}': ${err.message}`, {
        suggestion,
        pos: this.map.positionIn(typePath, rawType, Math.max(0, err.column - 1)),
      });
      return { type: { kind: 'any' }, text: rawType, ok: false };
    }
    const target = findObject(type);
    const schemaPath = joinPath(path, 'schema');
    if (target === undefined) {
      if (rawSchema !== undefined && rawSchema !== null) {
        this.r.warn(
          'unused-schema',
          schemaPath,
          `${label} has a schema but its type '${rawType}' has no object in it`,
        );
      }
      return { type, text: rawType, ok: true };
    }
    if (rawSchema === undefined || rawSchema === null) {
      if (allowBare) return { type, text: rawType, ok: true };
      this.r.error(
        'object-needs-schema',
        typePath,
        `${label} is an object but has no schema: add schema: {name: str, ...} describing its properties`,
      );
      return { type, text: rawType, ok: false };
    }
    const fields = this.schema(rawSchema, schemaPath, label, depth + 1);
    if (fields === undefined) return { type, text: rawType, ok: false };
    target.fields = fields;
    return { type, text: rawType, ok: true };
  }

  private schema(raw: unknown, path: string, label: string, depth: number): ObjectField[] | undefined {
    if (depth > MAX_SCHEMA_DEPTH) {
      this.r.error(
        'schema-too-deep',
        path,
        `${label}: object schemas nest more than ${MAX_SCHEMA_DEPTH} levels`,
      );
      return undefined;
    }
    if (!isObj(raw) || Object.keys(raw).length === 0) {
      this.r.error(
        'invalid-schema',
        path,
        `${label}: schema must be a non-empty map of property name → type (e.g. {summary: str, score: int})`,
      );
      return undefined;
    }
    const fields: ObjectField[] = [];
    let ok = true;
    for (const [name, def] of Object.entries(raw)) {
      const fieldPath = joinPath(path, name);
      const fieldLabel = `${label} property '${name}'`;
      if (typeof def === 'string') {
        // A plain type string: the property's type lives at the entry itself.
        const built = this.typeAt(def, fieldPath, fieldLabel);
        if (built === undefined) ok = false;
        else fields.push({ name, type: built, required: true });
        continue;
      }
      if (!isObj(def)) {
        this.wrongKind(fieldPath, 'a type string or a map with type', def);
        ok = false;
        continue;
      }
      this.checkKeys(def, fieldPath, KEYS.schemaField);
      const built = this.type(def.type, def.schema, fieldPath, fieldLabel, false, depth);
      if (!built.ok) ok = false;
      const field: ObjectField = {
        name,
        type: built.type,
        required: this.optBool(def, 'required', fieldPath) ?? true,
      };
      const description = this.optText(def, 'description', fieldPath);
      if (description !== undefined) field.description = description;
      fields.push(field);
    }
    return ok ? fields : undefined;
  }

  /** A schema entry written as a bare type string (`bio: str`); objects need the map form. */
  private typeAt(text: string, path: string, label: string): TypeNode | undefined {
    try {
      const type = parseType(text);
      if (findObject(type) !== undefined) {
        this.r.error(
          'object-needs-schema',
          path,
          `${label} is an object but has no schema: write it as {type: object, schema: {...}}`,
        );
        return undefined;
      }
      return type;
    } catch (err) {
      if (!(err instanceof TypeSyntaxError)) throw err;
      this.r.error('invalid-type', path, `${label} has an invalid type '${text}': ${err.message}`, {
        suggestion: suggestTypeName(text.trim()),
        pos: this.map.positionIn(path, text, Math.max(0, err.column - 1)),
      });
      return undefined;
    }
  }

  // ------------------------------------------------------------------ nodes

  private nodes(raw: unknown): NodeDef[] {
    if (!Array.isArray(raw) || raw.length === 0) {
      if (raw !== undefined && raw !== null && !Array.isArray(raw))
        this.wrongKind('nodes', 'a list of nodes', raw);
      else
        this.missing(
          'nodes',
          'the workflow has no nodes: add nodes: [{id: ..., prompt: ..., outputs: [...]}]',
        );
      return [];
    }
    return raw.map((n, i) => this.node(n, i));
  }

  private node(raw: unknown, index: number): NodeDef {
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
    const pos = this.map.locate(path);
    if (pos !== undefined) node.pos = pos;
    if (!isObj(raw)) {
      this.wrongKind(path, 'a map with id, prompt, outputs and output_schema', raw);
      this.meta.badOutputSchema.add(index);
      this.meta.badOutputs.add(index);
      return node;
    }
    const rawId = raw.id;
    if (typeof rawId === 'string') node.id = rawId;
    else if (rawId === undefined || rawId === null)
      this.missing(joinPath(path, 'id'), `node #${index + 1} has no id`);
    else this.wrongKind(joinPath(path, 'id'), 'an identifier', rawId);
    const label = node.id === '' ? `node #${index + 1}` : `node '${node.id}'`;

    this.checkKeys(raw, path, KEYS.node, (key) => {
      if (key === 'code' || key === 'sandbox') {
        node.unsupported.push(key);
        return `${label} uses '${key}', which agentcrate does not run yet: the workflow validates, but a run stops at this node`;
      }
      return `'${key}' on ${label} is accepted but not implemented yet; it has no effect`;
    });

    const description = this.optText(raw, 'description', path);
    if (description !== undefined) node.description = description;

    const promptPath = joinPath(path, 'prompt');
    if (typeof raw.prompt === 'string' && raw.prompt.trim() !== '') {
      node.prompt = this.template(raw.prompt, promptPath);
    } else if (raw.prompt === undefined || raw.prompt === null || raw.prompt === '') {
      this.r.error(
        'missing-prompt',
        promptPath,
        `${label} has no prompt: add prompt: "..." (a template, e.g. "Summarise {state.text}")`,
      );
    } else {
      this.wrongKind(promptPath, 'a text template', raw.prompt);
    }

    const inputs = this.optMap(raw, 'inputs', path);
    if (inputs !== undefined) {
      for (const [name, value] of Object.entries(inputs)) {
        const inputPath = joinPath(joinPath(path, 'inputs'), name);
        if (!IDENTIFIER.test(name)) {
          this.r.error(
            'invalid-input-name',
            inputPath,
            `input name '${name}' of ${label} must be an identifier so {${name}} can use it`,
            {
              pos: this.map.locateKey(inputPath),
            },
          );
        }
        if (typeof value !== 'string') {
          this.wrongKind(inputPath, 'a text template such as "{state.topic}"', value);
          continue;
        }
        node.inputs.push({ name, template: this.template(value, inputPath) });
      }
    }

    this.outputs(raw, node, path, label);
    this.outputSchema(raw, node, path, label);
    this.tools(raw, node, path, label);

    const toolConfig = this.optMap(raw, 'tool_config', path);
    if (toolConfig !== undefined) node.toolConfig = toolConfig;
    const llm = this.optMap(raw, 'llm', path);
    if (llm !== undefined) node.llm = this.llm(llm, joinPath(path, 'llm'), KEYS.llm);
    node.logPrompts = this.optBool(raw, 'log_prompts', path) ?? false;
    return node;
  }

  private outputs(raw: Obj, node: NodeDef, path: string, label: string): void {
    const outPath = joinPath(path, 'outputs');
    const v = raw.outputs;
    if (!Array.isArray(v) || v.length === 0) {
      this.meta.badOutputs.add(node.index);
      if (v !== undefined && v !== null && !Array.isArray(v))
        this.wrongKind(outPath, 'a list of state field names', v);
      else
        this.r.error(
          'missing-outputs',
          outPath,
          `${label} has no outputs: add outputs: [field] naming the state fields it writes`,
        );
      return;
    }
    v.forEach((item, j) => {
      if (typeof item === 'string') node.outputs.push(item);
      else {
        this.meta.badOutputs.add(node.index);
        this.wrongKind(joinPath(outPath, j), 'a state field name', item);
      }
    });
  }

  private outputSchema(raw: Obj, node: NodeDef, path: string, label: string): void {
    const osPath = joinPath(path, 'output_schema');
    const v = raw.output_schema;
    const bad = (): void => {
      this.meta.badOutputSchema.add(node.index);
    };
    if (v === undefined || v === null) {
      bad();
      this.r.error(
        'missing-output-schema',
        osPath,
        `${label} has no output_schema: add output_schema: {type: str} for one output, or {type: object, fields: [{name, type}]} with one entry per output`,
        { pos: node.pos },
      );
      return;
    }
    if (!isObj(v)) {
      bad();
      this.wrongKind(osPath, 'a map with a type', v);
      return;
    }
    this.checkKeys(v, osPath, KEYS.outputSchema);
    const description = this.optText(v, 'description', osPath);
    if (v.fields !== undefined && v.fields !== null) {
      if (typeof v.type !== 'string' || v.type.trim() !== 'object') {
        bad();
        this.r.error(
          'invalid-output-schema',
          joinPath(osPath, 'type'),
          `output_schema of ${label} has fields, so its type must be object`,
        );
        return;
      }
      const fieldsPath = joinPath(osPath, 'fields');
      if (!Array.isArray(v.fields) || v.fields.length === 0) {
        bad();
        this.r.error(
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
          this.wrongKind(fPath, 'a map with name and type', f);
          return;
        }
        this.checkKeys(f, fPath, KEYS.outputField);
        if (typeof f.name !== 'string' || f.name === '') {
          bad();
          this.missing(joinPath(fPath, 'name'), `output_schema field #${j + 1} of ${label} has no name`);
          return;
        }
        const built = this.type(f.type, f.schema, fPath, `output '${f.name}' of ${label}`, true, 0);
        if (!built.ok) bad();
        const field: { name: string; type: TypeNode; description?: string } = {
          name: f.name,
          type: built.type,
        };
        const fd = this.optText(f, 'description', fPath);
        if (fd !== undefined) field.description = fd;
        fields.push(field);
      });
      node.outputSchema = { kind: 'object', fields };
      return;
    }
    const built = this.type(v.type, v.schema, osPath, `output_schema of ${label}`, true, 0);
    if (!built.ok) bad();
    const single: OutputSchema = { kind: 'single', type: built.type };
    if (description !== undefined) single.description = description;
    node.outputSchema = single;
  }

  private tools(raw: Obj, node: NodeDef, path: string, label: string): void {
    const toolsPath = joinPath(path, 'tools');
    const v = raw.tools;
    if (v === undefined || v === null) return;
    if (!Array.isArray(v)) {
      this.wrongKind(toolsPath, 'a list of tool names', v);
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
        this.checkKeys(item, tPath, KEYS.tool);
        if (typeof item.name !== 'string' || item.name === '') {
          this.missing(joinPath(tPath, 'name'), `tool #${j + 1} of ${label} has no name`);
          return;
        }
        name = item.name;
        namePath = joinPath(tPath, 'name');
        const onError = item.on_error;
        if (onError === 'fail' || onError === 'continue') tool.onError = onError;
        else if (onError !== undefined && onError !== null) {
          this.r.error(
            'invalid-value',
            joinPath(tPath, 'on_error'),
            `on_error must be fail or continue, not ${kindOf(onError)}`,
          );
        }
        const config = this.optMap(item, 'config', tPath);
        if (config !== undefined) tool.config = config;
      } else {
        this.wrongKind(tPath, 'a tool name or {name, on_error, config}', item);
        return;
      }
      const canonical = KNOWN_TOOLS.get(name);
      if (canonical === undefined) {
        const suggestion = suggest(name, KNOWN_TOOLS.keys());
        this.r.error(
          'unknown-tool',
          namePath,
          `unknown tool '${name}' on ${label}${didYouMean(suggestion)}`,
          {
            suggestion,
          },
        );
      }
      node.tools.push({ name, canonical: canonical ?? name, ...tool });
    });
  }

  private llm(raw: Obj, path: string, level: KeyLevel): LlmSettings {
    this.checkKeys(raw, path, level);
    const out: LlmSettings = {};
    const provider = this.optText(raw, 'provider', path);
    if (provider !== undefined) {
      if (!KNOWN_PROVIDERS.includes(provider)) this.unknownProvider(provider, joinPath(path, 'provider'));
      out.provider = provider;
    }
    const model = this.optText(raw, 'model', path);
    if (model !== undefined) out.model = model;
    const temperature = this.optNumber(raw, 'temperature', path, 0);
    if (temperature !== undefined) out.temperature = temperature;
    const maxTokens = this.optInt(raw, 'max_tokens', path, 1);
    if (maxTokens !== undefined) out.max_tokens = maxTokens;
    const apiBase = this.optText(raw, 'api_base', path);
    if (apiBase !== undefined) out.api_base = apiBase;
    return out;
  }

  private unknownProvider(provider: string, path: string, pos = this.map.locate(path)): void {
    const suggestion = suggest(provider, KNOWN_PROVIDERS);
    this.r.error(
      'unknown-provider',
      path,
      `unknown provider '${provider}'${didYouMean(suggestion)} (known: ${KNOWN_PROVIDERS.join(', ')})`,
      { suggestion, pos },
    );
  }

  // ------------------------------------------------------------------ edges

  private edges(raw: unknown): Edge[] {
    if (!Array.isArray(raw) || raw.length === 0) {
      if (raw !== undefined && raw !== null && !Array.isArray(raw))
        this.wrongKind('edges', 'a list of edges', raw);
      else
        this.missing('edges', 'the workflow has no edges: add edges: [{from: START, to: first_node}, ...]');
      return [];
    }
    const out: Edge[] = [];
    raw.forEach((e, i) => {
      const edge = this.edge(e, i);
      if (edge !== undefined) out.push(edge);
    });
    return out;
  }

  private edge(raw: unknown, index: number): Edge | undefined {
    const path = joinPath('edges', index);
    if (!isObj(raw)) {
      this.wrongKind(path, 'a map with from and to (or routes, loop, parallel)', raw);
      return undefined;
    }
    this.checkKeys(raw, path, KEYS.edge);
    const pos = this.map.locate(path);
    const withPos = <T extends Edge>(e: T): T => {
      if (pos !== undefined) e.pos = pos;
      return e;
    };
    let from = '';
    if (typeof raw.from === 'string' && raw.from !== '') from = raw.from;
    else if (raw.from === undefined || raw.from === null)
      this.missing(joinPath(path, 'from'), `edge #${index + 1} has no from: add from: START or a node id`);
    else this.wrongKind(joinPath(path, 'from'), 'a node id or START', raw.from);

    const forms = (['to', 'routes', 'loop', 'parallel'] as const).filter(
      (k) => raw[k] !== undefined && raw[k] !== null,
    );
    if (forms.length !== 1) {
      const found = forms.length === 0 ? 'none' : forms.join(' and ');
      this.r.error(
        'invalid-edge',
        path,
        `edge #${index + 1}${from === '' ? '' : ` from '${from}'`} must have exactly one of to, routes, loop or parallel (found ${found})`,
      );
      return undefined;
    }
    const form = forms[0]!;
    if (raw.condition !== undefined && form !== 'to') {
      this.r.error(
        'invalid-edge',
        joinPath(path, 'condition'),
        `condition: only goes with to:; inside ${form} use its own fields`,
      );
    }
    switch (form) {
      case 'to': {
        const to = this.targets(raw.to, joinPath(path, 'to'));
        if (to === undefined) return undefined;
        const edge: Edge = { kind: 'direct', index, from, to };
        const c = raw.condition;
        const cPath = joinPath(path, 'condition');
        if (typeof c === 'string') edge.condition = this.condition(c, cPath);
        else if (isObj(c) && typeof c.logic === 'string')
          edge.condition = this.condition(c.logic, joinPath(cPath, 'logic'));
        else if (c !== undefined && c !== null)
          this.wrongKind(cPath, 'a condition string such as "state.ok == true"', c);
        return withPos(edge);
      }
      case 'routes':
        return this.routes(raw.routes, index, from, path, withPos);
      case 'loop':
        return this.loop(raw.loop, index, from, path, withPos);
      case 'parallel':
        return this.parallel(raw.parallel, index, from, path, withPos);
    }
  }

  private targets(v: unknown, path: string): string[] | undefined {
    if (typeof v === 'string' && v !== '') return [v];
    if (Array.isArray(v) && v.length > 0) {
      const out: string[] = [];
      v.forEach((t, j) => {
        if (typeof t === 'string' && t !== '') out.push(t);
        else this.wrongKind(joinPath(path, j), 'a node id or END', t);
      });
      return out.length === v.length ? out : undefined;
    }
    this.wrongKind(path, 'a node id, END, or a non-empty list of node ids', v);
    return undefined;
  }

  private routes(
    v: unknown,
    index: number,
    from: string,
    path: string,
    withPos: <T extends Edge>(e: T) => T,
  ) {
    const routesPath = joinPath(path, 'routes');
    if (!Array.isArray(v) || v.length === 0) {
      this.wrongKind(routesPath, 'a non-empty list of {condition: {logic: ...}, to: ...}', v);
      return undefined;
    }
    const routes: Array<{ condition: Condition | null; to: string }> = [];
    const paths: string[] = [];
    let defaultRoute: { condition: null; to: string } | undefined;
    let defaultPath = '';
    let defaults = 0;
    let ok = true;
    v.forEach((route, j) => {
      const rPath = joinPath(routesPath, j);
      if (!isObj(route)) {
        ok = false;
        this.wrongKind(rPath, 'a map with condition and to', route);
        return;
      }
      this.checkKeys(route, rPath, KEYS.route);
      if (typeof route.to !== 'string' || route.to === '') {
        ok = false;
        if (route.to === undefined || route.to === null)
          this.missing(joinPath(rPath, 'to'), `route #${j + 1} has no to`);
        else this.wrongKind(joinPath(rPath, 'to'), 'a node id or END', route.to);
        return;
      }
      const c = route.condition;
      let logic: string | undefined;
      let logicPath = joinPath(rPath, 'condition');
      if (typeof c === 'string') logic = c;
      else if (isObj(c)) {
        this.checkKeys(c, logicPath, KEYS.routeCondition);
        logicPath = joinPath(logicPath, 'logic');
        if (typeof c.logic === 'string') logic = c.logic;
      }
      if (logic === undefined || logic.trim() === '') {
        ok = false;
        this.missing(
          logicPath,
          `route #${j + 1} has no condition: add condition: {logic: "state.x == 1"} (or {logic: default})`,
        );
        return;
      }
      if (logic.trim() === 'default') {
        defaults++;
        defaultRoute = { condition: null, to: route.to };
        defaultPath = rPath;
        return;
      }
      routes.push({ condition: this.condition(logic, logicPath), to: route.to });
      paths.push(rPath);
    });
    if (defaults !== 1) {
      this.r.error(
        'routes-default',
        routesPath,
        defaults === 0
          ? `routes from '${from}' need exactly one default route: add {condition: {logic: default}, to: ...}`
          : `routes from '${from}' have ${defaults} default routes; keep exactly one`,
      );
    }
    if (!ok) return undefined;
    // The default is the fallback wherever it was written, so it is tried last.
    if (defaultRoute !== undefined) {
      routes.push(defaultRoute);
      paths.push(defaultPath);
    }
    this.meta.routePaths.set(index, paths);
    return withPos({ kind: 'routes', index, from, routes } as Edge);
  }

  private loop(v: unknown, index: number, from: string, path: string, withPos: <T extends Edge>(e: T) => T) {
    const loopPath = joinPath(path, 'loop');
    if (!isObj(v)) {
      this.wrongKind(loopPath, 'a map with condition_field, max_iterations and exit_to', v);
      return undefined;
    }
    this.checkKeys(v, loopPath, KEYS.loop);
    if (typeof v.condition_field !== 'string' || v.condition_field === '') {
      this.missing(
        joinPath(loopPath, 'condition_field'),
        'loop needs condition_field: a bool state field that ends the loop when true',
      );
      return undefined;
    }
    const maxIterations = this.optInt(v, 'max_iterations', loopPath, 1, 100) ?? 10;
    let exitTo = END;
    if (typeof v.exit_to === 'string' && v.exit_to !== '') exitTo = v.exit_to;
    else if (v.exit_to !== undefined && v.exit_to !== null)
      this.wrongKind(joinPath(loopPath, 'exit_to'), 'a node id or END', v.exit_to);
    return withPos({
      kind: 'loop',
      index,
      from,
      conditionField: v.condition_field,
      maxIterations,
      exitTo,
    } as Edge);
  }

  private parallel(
    v: unknown,
    index: number,
    from: string,
    path: string,
    withPos: <T extends Edge>(e: T) => T,
  ) {
    const pPath = joinPath(path, 'parallel');
    if (!isObj(v)) {
      this.wrongKind(pPath, 'a map with items_field, target_node and collect_field', v);
      return undefined;
    }
    this.checkKeys(v, pPath, KEYS.parallel);
    const names: Record<string, string> = {};
    for (const key of ['items_field', 'target_node', 'collect_field'] as const) {
      const value = v[key];
      if (typeof value === 'string' && value !== '') names[key] = value;
      else if (value === undefined || value === null)
        this.missing(joinPath(pPath, key), `parallel needs ${key}`);
      else this.wrongKind(joinPath(pPath, key), 'a name', value);
    }
    const { items_field, target_node, collect_field } = names;
    if (items_field === undefined || target_node === undefined || collect_field === undefined)
      return undefined;
    return withPos({
      kind: 'parallel',
      index,
      from,
      itemsField: items_field,
      targetNode: target_node,
      collectField: collect_field,
    } as Edge);
  }

  // ------------------------------------------------------------------ config

  private config(raw: unknown): Workflow['config'] {
    const config: Workflow['config'] = {
      llm: {},
      execution: { ...DEFAULT_EXECUTION },
      observability: { logPrompts: false },
      extra: {},
    };
    if (!isObj(raw)) {
      this.wrongKind('config', 'a map', raw);
      return config;
    }
    this.checkKeys(raw, 'config', KEYS.config);
    for (const [key, value] of Object.entries(raw)) {
      if (key !== 'llm' && key !== 'execution' && key !== 'observability') config.extra[key] = value;
    }
    const llm = this.optMap(raw, 'llm', 'config');
    if (llm !== undefined) config.llm = this.configLlm(llm);
    const execution = this.optMap(raw, 'execution', 'config');
    if (execution !== undefined) config.execution = this.execution(execution);
    const observability = this.optMap(raw, 'observability', 'config');
    if (observability !== undefined) config.observability = this.observability(observability);
    return config;
  }

  private configLlm(raw: Obj): LlmConfig {
    const path = 'config.llm';
    const out: LlmConfig = this.llm(raw, path, KEYS.configLlm);
    const providers = this.optMap(raw, 'providers', path);
    if (providers !== undefined) {
      out.providers = {};
      for (const [name, settings] of Object.entries(providers)) {
        const pPath = joinPath(joinPath(path, 'providers'), name);
        if (!KNOWN_PROVIDERS.includes(name)) this.unknownProvider(name, pPath, this.map.locateKey(pPath));
        if (!isObj(settings)) {
          this.wrongKind(pPath, 'a map of llm settings', settings);
          continue;
        }
        out.providers[name] = this.llm(settings, pPath, KEYS.llm);
      }
    }
    return out;
  }

  private execution(raw: Obj): ExecutionConfig {
    const path = 'config.execution';
    this.checkKeys(raw, path, KEYS.execution);
    const timeout =
      this.optNumber(raw, 'timeout_seconds', path, 0) ?? this.optNumber(raw, 'timeout', path, 0);
    if (raw.timeout !== undefined && raw.timeout_seconds !== undefined) {
      this.r.warn(
        'duplicate-setting',
        joinPath(path, 'timeout'),
        'both timeout and timeout_seconds are set; timeout_seconds wins',
      );
    }
    return {
      timeoutSeconds: timeout !== undefined && timeout > 0 ? timeout : DEFAULT_EXECUTION.timeoutSeconds,
      maxRetries: this.optInt(raw, 'max_retries', path, 0) ?? DEFAULT_EXECUTION.maxRetries,
      maxSteps: this.optInt(raw, 'max_steps', path, 1) ?? DEFAULT_EXECUTION.maxSteps,
      maxParallel: this.optInt(raw, 'max_parallel', path, 1) ?? DEFAULT_EXECUTION.maxParallel,
      maxToolSteps: this.optInt(raw, 'max_tool_steps', path, 1) ?? DEFAULT_EXECUTION.maxToolSteps,
    };
  }

  private observability(raw: Obj): ObservabilityConfig {
    const path = 'config.observability';
    this.checkKeys(raw, path, KEYS.observability);
    const out: ObservabilityConfig = { logPrompts: this.optBool(raw, 'log_prompts', path) ?? false };
    const mlflow = this.optMap(raw, 'mlflow', path);
    if (mlflow !== undefined) {
      const mPath = joinPath(path, 'mlflow');
      this.checkKeys(mlflow, mPath, KEYS.mlflow);
      const block: NonNullable<ObservabilityConfig['mlflow']> = {
        enabled: this.optBool(mlflow, 'enabled', mPath) ?? false,
      };
      const uri = this.optText(mlflow, 'tracking_uri', mPath);
      if (uri !== undefined) block.trackingUri = uri;
      const experiment = this.optText(mlflow, 'experiment_name', mPath);
      if (experiment !== undefined) block.experimentName = experiment;
      out.mlflow = block;
    }
    // prices: {<model or provider/model>: {input: <USD per 1M>, output: <USD per 1M>}}
    const prices = this.optMap(raw, 'prices', path);
    if (prices !== undefined) {
      out.prices = {};
      for (const [model, value] of Object.entries(prices)) {
        const pPath = joinPath(joinPath(path, 'prices'), model);
        if (!isObj(value)) {
          this.wrongKind(pPath, 'a map like {input: 0.1, output: 0.4} (USD per million tokens)', value);
          continue;
        }
        const input = this.optNumber(value, 'input', pPath, 0);
        const output = this.optNumber(value, 'output', pPath, 0);
        if (input === undefined || output === undefined) {
          this.r.error(
            'invalid-value',
            pPath,
            `price of '${model}' needs both input and output (USD per million tokens)`,
          );
          continue;
        }
        out.prices[model] = { input, output };
      }
    }
    return out;
  }
}

/** The object node a `schema` describes: the type itself, or the first object inside a list/dict. */
function findObject(type: TypeNode): Extract<TypeNode, { kind: 'object' }> | undefined {
  let t: TypeNode | null = type;
  for (let guard = 0; t !== null && guard < 64; guard++) {
    if (t.kind === 'object') return t;
    if (t.kind === 'list') t = t.items;
    else if (t.kind === 'dict') t = t.value;
    else return undefined;
  }
  return undefined;
}
