/**
 * Placeholder values that satisfy a JSON Schema (the subset agentcrate's output schemas and
 * the AI SDK emit). Dry runs answer with these so a whole workflow can be walked, routed and
 * type-checked without a model.
 */

const MAX_DEPTH = 16;

export function placeholderFor(schema: unknown, name = 'value', root: unknown = schema, depth = 0): unknown {
  if (depth > MAX_DEPTH || schema === null || typeof schema !== 'object') return `[dry-run] ${name}`;
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') return placeholderFor(resolveRef(root, s.$ref), name, root, depth + 1);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) {
      // Prefer a real value over null so downstream templates have something to show.
      const chosen =
        options.find((o) => (o as Record<string, unknown> | null)?.type !== 'null') ?? options[0];
      return placeholderFor(chosen, name, root, depth + 1);
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    return placeholderFor(Object.assign({}, ...(s.allOf as object[])), name, root, depth + 1);
  }
  let type = s.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
  if (type === undefined) {
    if (s.properties !== undefined || s.additionalProperties !== undefined) type = 'object';
    else if (s.items !== undefined) type = 'array';
  }
  switch (type) {
    case 'string':
      return stringFor(s, name);
    case 'integer':
      return numberFor(1, s, true);
    case 'number':
      return numberFor(0.5, s, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      let count = 2;
      if (typeof s.minItems === 'number') count = Math.max(count, s.minItems);
      if (typeof s.maxItems === 'number') count = Math.min(count, s.maxItems);
      return Array.from({ length: count }, (_, i) =>
        placeholderFor(s.items ?? { type: 'string' }, `${name} ${i + 1}`, root, depth + 1),
      );
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(properties)) {
        out[key] = placeholderFor(value, key, root, depth + 1);
      }
      if (Object.keys(properties).length === 0 && s.additionalProperties !== false) {
        const valueSchema =
          typeof s.additionalProperties === 'object' && s.additionalProperties !== null
            ? s.additionalProperties
            : { type: 'string' };
        out.key = placeholderFor(valueSchema, 'key', root, depth + 1);
      }
      return out;
    }
    default:
      return `[dry-run] ${name}`;
  }
}

function stringFor(s: Record<string, unknown>, name: string): string {
  if (s.format === 'date-time') return '2000-01-01T00:00:00Z';
  if (s.format === 'date') return '2000-01-01';
  if (s.format === 'email') return 'dry-run@example.com';
  if (s.format === 'uri' || s.format === 'url') return 'https://example.com/dry-run';
  let text = `[dry-run] ${name}`;
  const minLength = typeof s.minLength === 'number' ? s.minLength : 0;
  while (text.length < minLength) text += '.';
  return typeof s.maxLength === 'number' ? text.slice(0, s.maxLength) : text;
}

function numberFor(preferred: number, s: Record<string, unknown>, integer: boolean): number {
  let value = preferred;
  const step = integer ? 1 : 0.5;
  if (typeof s.minimum === 'number' && value < s.minimum) value = s.minimum;
  if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum)
    value = s.exclusiveMinimum + step;
  if (typeof s.maximum === 'number' && value > s.maximum) value = s.maximum;
  if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum)
    value = s.exclusiveMaximum - step;
  return integer ? Math.ceil(value) : value;
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    if (node === null || typeof node !== 'object') return {};
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node ?? {};
}
