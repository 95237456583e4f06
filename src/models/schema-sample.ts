/**
 * Placeholder values that satisfy a JSON Schema (the subset agentcrate's output schemas and
 * the AI SDK emit). Dry runs answer with these so a whole workflow can be walked, routed and
 * type-checked without a model.
 */

const MAX_DEPTH = 16;

interface Walk {
  root: unknown;
  /** Put before a string's field name: `[dry-run] title`. */
  label: string;
  /** The label as a word for emails and URLs: `dry-run@example.com`. */
  slug: string;
}

/**
 * A value valid for `schema`; strings read `<label> <field name>` so a reader sees where each
 * came from (the dry-run model's `[dry-run]`, a test model's own word).
 */
export function placeholderFor(schema: unknown, name = 'value', label = '[dry-run]'): unknown {
  const slug = label.replace(/[^A-Za-z0-9-]/g, '') || 'placeholder';
  return walk(schema, name, { root: schema, label, slug }, 0);
}

function walk(schema: unknown, name: string, w: Walk, depth: number): unknown {
  if (depth > MAX_DEPTH || schema === null || typeof schema !== 'object') return `${w.label} ${name}`;
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') return walk(resolveRef(w.root, s.$ref), name, w, depth + 1);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) {
      // Prefer a real value over null so downstream templates have something to show.
      const chosen =
        options.find((o) => (o as Record<string, unknown> | null)?.type !== 'null') ?? options[0];
      return walk(chosen, name, w, depth + 1);
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    return walk(Object.assign({}, ...(s.allOf as object[])), name, w, depth + 1);
  }
  let type = s.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
  if (type === undefined) {
    if (s.properties !== undefined || s.additionalProperties !== undefined) type = 'object';
    else if (s.items !== undefined) type = 'array';
  }
  switch (type) {
    case 'string':
      return stringFor(s, name, w);
    case 'integer':
      return numberFor(1, s, true);
    case 'number':
      return numberFor(0.5, s, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      // A tuple (`prefixItems`) gets each position's own type; a list, `items` for every entry.
      const prefix = Array.isArray(s.prefixItems) ? (s.prefixItems as unknown[]) : [];
      let count = prefix.length > 0 ? prefix.length : 2;
      if (typeof s.minItems === 'number') count = Math.max(count, s.minItems);
      if (typeof s.maxItems === 'number') count = Math.min(count, s.maxItems);
      const rest = s.items !== undefined && s.items !== false ? s.items : { type: 'string' };
      return Array.from({ length: count }, (_, i) =>
        walk(prefix[i] ?? rest, `${name} ${i + 1}`, w, depth + 1),
      );
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(properties)) {
        out[key] = walk(value, key, w, depth + 1);
      }
      if (Object.keys(properties).length === 0 && s.additionalProperties !== false) {
        const valueSchema =
          typeof s.additionalProperties === 'object' && s.additionalProperties !== null
            ? s.additionalProperties
            : { type: 'string' };
        out.key = walk(valueSchema, 'key', w, depth + 1);
      }
      return out;
    }
    default:
      return `${w.label} ${name}`;
  }
}

function stringFor(s: Record<string, unknown>, name: string, w: Walk): string {
  if (s.format === 'date-time') return '2000-01-01T00:00:00Z';
  if (s.format === 'date') return '2000-01-01';
  if (s.format === 'email') return `${w.slug}@example.com`;
  if (s.format === 'uri' || s.format === 'url') return `https://example.com/${w.slug}`;
  let text = `${w.label} ${name}`;
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
