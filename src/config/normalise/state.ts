/** `state:` → the typed state fields (name, type, required, default, description). */

import { joinPath } from '../diagnostics.js';
import { KEYS } from '../known-keys.js';
import type { StateField } from '../types.js';
import { IDENTIFIER, isObj, type Obj, type Reader } from './reader.js';
import { readType } from './type-schema.js';

export function normaliseState(rd: Reader, raw: unknown): StateField[] {
  if (raw === undefined || raw === null) {
    rd.meta.stateUnread = true;
    rd.missing('state', 'the workflow has no state: add state: {fields: {name: {type: str}}}');
    return [];
  }
  if (!isObj(raw)) {
    rd.meta.stateUnread = true;
    rd.wrongKind('state', 'a map with fields', raw);
    return [];
  }
  rd.checkKeys(raw, 'state', KEYS.state);
  const fields = raw.fields;
  if (!isObj(fields) || Object.keys(fields).length === 0) {
    rd.meta.stateUnread = true;
    if (fields !== undefined && fields !== null && !isObj(fields))
      rd.wrongKind('state.fields', 'a map', fields);
    else rd.missing('state.fields', 'state.fields must define at least one field, e.g. {topic: {type: str}}');
    return [];
  }
  const out: StateField[] = [];
  for (const [name, def] of Object.entries(fields)) {
    const path = joinPath('state.fields', name);
    if (!IDENTIFIER.test(name)) {
      rd.r.error(
        'invalid-field-name',
        path,
        `state field name '${name}' must be an identifier (letters, digits, _; not starting with a digit)`,
        { pos: rd.map.locateKey(path) },
      );
    }
    // `name: str` is a common shorthand for `name: {type: str}`.
    const obj: Obj | undefined = typeof def === 'string' ? { type: def } : isObj(def) ? def : undefined;
    if (obj === undefined) {
      rd.wrongKind(path, 'a map with a type (e.g. {type: str})', def);
      rd.meta.badStateTypes.add(name);
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
    if (isObj(def)) rd.checkKeys(obj, path, KEYS.stateField);
    const built = readType(rd, obj.type, obj.schema, path, `state field '${name}'`, 0);
    if (!built.ok) rd.meta.badStateTypes.add(name);
    const field: StateField = {
      name,
      type: built.type,
      typeText: built.text,
      required: rd.optBool(obj, 'required', path) ?? false,
      hasDefault: Object.hasOwn(obj, 'default'),
      default: obj.default ?? null,
    };
    const description = rd.optText(obj, 'description', path);
    if (description !== undefined) field.description = description;
    const pos = rd.map.locateKey(path);
    if (pos !== undefined) field.pos = pos;
    out.push(field);
  }
  return out;
}
