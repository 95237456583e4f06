import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatSchemaJson, loadWorkflowFromString } from '../../src/config/index.js';

type Schema = Record<string, unknown>;

/**
 * A small JSON Schema (2020-12) checker for exactly the keywords the format schema uses.
 * zod's fromJSONSchema treats `oneOf: [{required: [...]}]` as "any", so it cannot test the
 * edge forms; this keeps the test independent of the code that produced the schema.
 */
function validate(root: Schema, schema: Schema | boolean, value: unknown, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: nothing allowed`];
  const errors: string[] = [];
  const s = schema;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/$defs/', '');
    errors.push(...validate(root, (root.$defs as Record<string, Schema>)[name]!, value, path));
  }
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  const typeOk = (t: string): boolean =>
    t === 'object'
      ? isObject
      : t === 'array'
        ? Array.isArray(value)
        : t === 'integer'
          ? Number.isInteger(value)
          : t === 'number'
            ? typeof value === 'number'
            : typeof value === t;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some(typeOk)) return [...errors, `${path}: expected ${types.join('|')}`];
  }
  if ('const' in s && value !== s.const) errors.push(`${path}: expected ${JSON.stringify(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(value))
    errors.push(`${path}: not one of ${s.enum.join(', ')}`);
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength) errors.push(`${path}: too short`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value))
      errors.push(`${path}: bad pattern`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${path}: below minimum`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${path}: above maximum`);
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum)
      errors.push(`${path}: too small`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${path}: too few items`);
    if (s.items !== undefined)
      value.forEach((v, i) => {
        errors.push(...validate(root, s.items as Schema, v, `${path}[${i}]`));
      });
  }
  if (isObject) {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const key of (s.required ?? []) as string[])
      if (!(key in obj)) errors.push(`${path}: missing ${key}`);
    if (typeof s.minProperties === 'number' && Object.keys(obj).length < s.minProperties)
      errors.push(`${path}: too few properties`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k] !== undefined) errors.push(...validate(root, props[k], v, `${path}.${k}`));
      else if (s.additionalProperties !== undefined)
        errors.push(...validate(root, s.additionalProperties as Schema, v, `${path}.${k}`));
      if (s.propertyNames !== undefined)
        errors.push(...validate(root, s.propertyNames as Schema, k, `${path}.${k}(name)`));
    }
  }
  for (const sub of (s.allOf ?? []) as Schema[]) errors.push(...validate(root, sub, value, path));
  if (
    Array.isArray(s.anyOf) &&
    !s.anyOf.some((sub) => validate(root, sub as Schema, value, path).length === 0)
  ) {
    errors.push(`${path}: matches none of anyOf`);
  }
  if (Array.isArray(s.oneOf)) {
    const n = s.oneOf.filter((sub) => validate(root, sub as Schema, value, path).length === 0).length;
    if (n !== 1) errors.push(`${path}: matches ${n} of oneOf`);
  }
  return errors;
}

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/configurable-agents/', import.meta.url));

const VALID = `schema_version: "1.0"
flow: {name: s}
state:
  fields:
    a: {type: str}
    ok: {type: bool, default: false}
    items: {type: "list[str]", default: []}
    out: {type: list, default: []}
    obj: {type: object, schema: {x: {type: object, schema: {y: int}}}}
nodes:
  - {id: n, prompt: "p {state.a}", outputs: [a], output_schema: {type: str}, tools: [http_get, {name: shell, on_error: continue}]}
  - {id: m, prompt: "{_parallel_item}", outputs: [obj], output_schema: {type: object, fields: [{name: obj, type: object}]}}
  - {id: k, prompt: "check", outputs: [ok], output_schema: {type: bool}}
edges:
  - {from: START, to: n}
  - {from: n, parallel: {items_field: items, target_node: m, collect_field: out}}
  - from: m
    routes:
      - {condition: {logic: "state.ok"}, to: END}
      - {condition: {logic: default}, to: k}
  - {from: k, loop: {condition_field: ok, max_iterations: 5}}
config:
  llm: {provider: ollama, providers: {openai: {model: gpt-4o}}}
  execution: {timeout_seconds: 5, max_retries: 0}
  observability: {log_prompts: true, mlflow: {enabled: false}}
`;

describe('formatSchemaJson', () => {
  const schema = formatSchemaJson();

  it('is a draft 2020-12 schema that round-trips through JSON', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('accepts every edge form and config section', () => {
    expect(validate(schema, schema, parse(VALID))).toEqual([]);
  });

  it('rejects what the loader also rejects', () => {
    const doc = parse(VALID) as Record<string, unknown>;
    const edges = doc.edges as Array<Record<string, unknown>>;
    const nodes = doc.nodes as Array<Record<string, unknown>>;
    const bad = (change: (d: Record<string, unknown>) => void): string[] => {
      const copy = structuredClone(doc);
      change(copy);
      return validate(schema, schema, copy);
    };
    expect(bad((d) => delete d.schema_version)).toContain('$: missing schema_version');
    expect(bad((d) => ((d.edges as unknown[])[0] = { ...edges[0], routes: [] }))).toContain(
      '$.edges[0]: matches 2 of oneOf',
    );
    expect(bad((d) => ((d.nodes as unknown[])[0] = { ...nodes[0], id: 'END' })).join()).toContain(
      'bad pattern',
    );
    expect(bad((d) => ((d.nodes as unknown[])[0] = { ...nodes[0], tools: ['nope'] })).join()).toContain(
      'anyOf',
    );
    const { output_schema: _, ...withoutSchema } = nodes[0]!;
    // an LLM node needs prompt and output_schema; a code node needs code
    expect(bad((d) => ((d.nodes as unknown[])[0] = withoutSchema))).toContain(
      '$.nodes[0]: matches none of anyOf',
    );
    expect(bad((d) => ((d.nodes as unknown[])[0] = { ...withoutSchema, code: 'result = 1' }))).toEqual([]);
    expect(bad((d) => ((d.config as Record<string, unknown>).llm = { provider: 'x' })).join()).toContain(
      'not one of',
    );
    // and the loader agrees that the reference document is valid
    expect(loadWorkflowFromString(VALID).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  describe.skipIf(!existsSync(FIXTURES))(
    existsSync(FIXTURES)
      ? 'configurable-agents fixtures'
      : `configurable-agents fixtures (skipped: ${FIXTURES} is absent)`,
    () => {
      const expectations = existsSync(FIXTURES)
        ? (
            JSON.parse(readFileSync(`${FIXTURES}expectations.json`, 'utf8')) as {
              files: Record<string, { valid: boolean }>;
            }
          ).files
        : {};
      const valid = existsSync(FIXTURES)
        ? readdirSync(FIXTURES).filter((f) => expectations[f]?.valid === true)
        : [];

      it.each(valid)('accepts %s', (name) => {
        expect(validate(schema, schema, parse(readFileSync(`${FIXTURES}${name}`, 'utf8')))).toEqual([]);
      });

      it('rejects missing_output_schema.yaml and multi_agent_collaboration.yaml', () => {
        for (const name of ['missing_output_schema.yaml', 'multi_agent_collaboration.yaml']) {
          expect(
            validate(schema, schema, parse(readFileSync(`${FIXTURES}${name}`, 'utf8'))).length,
          ).toBeGreaterThan(0);
        }
      });
    },
  );
});
