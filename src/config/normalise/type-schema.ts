/**
 * A `type:` string plus its optional `schema:` → TypeNode, for state fields, output_schema
 * entries and nested object properties.
 */

import { joinPath } from '../diagnostics.js';
import { KEYS } from '../known-keys.js';
import { parseType, suggestTypeName, TypeSyntaxError } from '../languages/type-grammar.js';
import type { ObjectField, TypeNode } from '../types.js';
import { isObj, type Reader } from './reader.js';

/** Nesting limit for object schemas; deeper files are almost certainly generated garbage. */
const MAX_SCHEMA_DEPTH = 32;

/**
 * A type string plus optional `schema` → TypeNode. `object` (also inside list/dict) gets its
 * fields from `schema`, or is free-form without one.
 */
export function readType(
  rd: Reader,
  rawType: unknown,
  rawSchema: unknown,
  path: string,
  label: string,
  depth: number,
): { type: TypeNode; text: string; ok: boolean } {
  const typePath = joinPath(path, 'type');
  if (typeof rawType !== 'string' || rawType.trim() === '') {
    if (rawType === undefined || rawType === null) {
      rd.missing(
        typePath,
        `${label} has no type: add type: str (or int, float, bool, list[...], dict[...], object)`,
      );
    } else {
      rd.wrongKind(typePath, 'a type name such as str or list[int]', rawType);
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
    rd.r.error('invalid-type', typePath, `${label} has an invalid type '${rawType}': ${err.message}`, {
      suggestion,
      pos: rd.map.positionIn(typePath, rawType, Math.max(0, err.column - 1)),
    });
    return { type: { kind: 'any' }, text: rawType, ok: false };
  }
  const target = findObject(type);
  const schemaPath = joinPath(path, 'schema');
  if (target === undefined) {
    if (rawSchema !== undefined && rawSchema !== null) {
      rd.r.warn(
        'unused-schema',
        schemaPath,
        `${label} has a schema but its type '${rawType}' has no object in it`,
      );
    }
    return { type, text: rawType, ok: true };
  }
  // Without a schema an object is free-form: any JSON object (configurable-agents accepts it
  // too). An output_schema entry without one takes its state field's type (validate/).
  if (rawSchema === undefined || rawSchema === null) return { type, text: rawType, ok: true };
  const fields = readSchema(rd, rawSchema, schemaPath, label, depth + 1);
  if (fields === undefined) return { type, text: rawType, ok: false };
  target.fields = fields;
  return { type, text: rawType, ok: true };
}

function readSchema(
  rd: Reader,
  raw: unknown,
  path: string,
  label: string,
  depth: number,
): ObjectField[] | undefined {
  if (depth > MAX_SCHEMA_DEPTH) {
    rd.r.error('schema-too-deep', path, `${label}: object schemas nest more than ${MAX_SCHEMA_DEPTH} levels`);
    return undefined;
  }
  if (!isObj(raw) || Object.keys(raw).length === 0) {
    rd.r.error(
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
      const built = typeAt(rd, def, fieldPath, fieldLabel);
      if (built === undefined) ok = false;
      else fields.push({ name, type: built, required: true });
      continue;
    }
    if (!isObj(def)) {
      rd.wrongKind(fieldPath, 'a type string or a map with type', def);
      ok = false;
      continue;
    }
    rd.checkKeys(def, fieldPath, KEYS.schemaField);
    const built = readType(rd, def.type, def.schema, fieldPath, fieldLabel, depth);
    if (!built.ok) ok = false;
    const field: ObjectField = {
      name,
      type: built.type,
      required: rd.optBool(def, 'required', fieldPath) ?? true,
    };
    const description = rd.optText(def, 'description', fieldPath);
    if (description !== undefined) field.description = description;
    fields.push(field);
  }
  return ok ? fields : undefined;
}

function typeAt(rd: Reader, text: string, path: string, label: string): TypeNode | undefined {
  try {
    // `meta: object` is a free-form object, like `{type: object}` without a schema.
    return parseType(text);
  } catch (err) {
    if (!(err instanceof TypeSyntaxError)) throw err;
    rd.r.error('invalid-type', path, `${label} has an invalid type '${text}': ${err.message}`, {
      suggestion: suggestTypeName(text.trim()),
      pos: rd.map.positionIn(path, text, Math.max(0, err.column - 1)),
    });
    return undefined;
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
