/**
 * What a node must answer, as JSON Schema for the model, and the check of what it did
 * answer against the *state* types (the source of truth: output_schema must agree with
 * them, the validator makes sure of it).
 */

import { checkValue, typeToJsonSchema, type ValueIssue } from '../config/index.js';
import type { NodeDef, StateField, TypeNode } from '../config/types.js';

/**
 * Providers' structured-output modes want an object at the root, so a single-value
 * output_schema is wrapped in an object whose one property is the output field.
 */
export function nodeOutputJsonSchema(
  node: NodeDef,
  fields: ReadonlyMap<string, StateField>,
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const descriptions = new Map<string, string | undefined>();
  if (node.outputSchema.kind === 'object') {
    for (const f of node.outputSchema.fields) descriptions.set(f.name, f.description);
  } else if (node.outputs[0] !== undefined) {
    descriptions.set(node.outputs[0], node.outputSchema.description);
  }
  for (const name of node.outputs) {
    const type = outputType(node, name, fields);
    const description = descriptions.get(name) ?? fields.get(name)?.description;
    properties[name] = typeToJsonSchema(type, description);
  }
  return { type: 'object', properties, required: [...node.outputs], additionalProperties: false };
}

function outputType(node: NodeDef, name: string, fields: ReadonlyMap<string, StateField>): TypeNode {
  const field = fields.get(name);
  if (field) return field.type;
  if (node.outputSchema.kind === 'single') return node.outputSchema.type;
  return node.outputSchema.fields.find((f) => f.name === name)?.type ?? { kind: 'any' };
}

/** Issues with one answer; an empty list means every output is present and well typed. */
export function checkNodeOutput(
  node: NodeDef,
  fields: ReadonlyMap<string, StateField>,
  answer: unknown,
): ValueIssue[] {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
    return [
      {
        path: '(answer)',
        expected: `an object with ${node.outputs.join(', ')}`,
        received: describe(answer),
        message: `expected a JSON object with ${node.outputs.map((o) => `'${o}'`).join(', ')}`,
      },
    ];
  }
  const record = answer as Record<string, unknown>;
  const issues: ValueIssue[] = [];
  for (const name of node.outputs) {
    const type = outputType(node, name, fields);
    if (!(name in record) || record[name] === undefined) {
      issues.push({ path: name, expected: 'present', received: 'missing', message: `'${name}' is missing` });
      continue;
    }
    issues.push(...checkValue(type, record[name], name));
  }
  return issues;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
