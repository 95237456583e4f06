/**
 * Renders parsed templates (workflow-format.md section 6) against a node's inputs and
 * the run state. The validator rejects unknown placeholders before a run, so a miss
 * here means a value is absent at run time (e.g. walking into a null object field).
 */
import type { Template } from '../config/types.js';
import { AgentcrateError } from '../errors.js';

export type TemplateLookup = (path: string[]) => { found: boolean; value: unknown };

/** Strings as they are, anything else as compact JSON (`null`, `3`, `["a","b"]`). */
export function renderTemplate(t: Template, lookup: TemplateLookup): string {
  let out = '';
  for (const part of t.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const { found, value } = lookup(part.path);
    if (!found) {
      throw new AgentcrateError(
        'E_INVALID_INPUT',
        `template placeholder ${part.raw} has no value: it names no node input or state field, ` +
          'or a part of its path is missing in the current state',
        { details: { placeholder: part.raw, offset: part.offset } },
      );
    }
    out += typeof value === 'string' ? value : (JSON.stringify(value ?? null) ?? 'null');
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A miss, the same object for all (a lookup's result is read, never kept). */
const MISSING = Object.freeze({ found: false, value: undefined });

/** `path` from its `from`-th part (no copy of the path per placeholder). */
function walk(root: Record<string, unknown>, path: string[], from = 0): { found: boolean; value: unknown } {
  let current: unknown = root;
  for (let i = from; i < path.length; i++) {
    const part = path[i]!;
    if (!isRecord(current) || !Object.hasOwn(current, part)) return MISSING;
    current = current[part];
  }
  return { found: true, value: current };
}

/**
 * `{state.x...}` reads state only; a bare `{x...}` reads the node's inputs first, then
 * state (an input shadows a state field of the same name, even for deeper paths).
 */
export function scopeLookup(inputs: Record<string, unknown>, state: Record<string, unknown>): TemplateLookup {
  return (path) => {
    const [head] = path;
    if (head === undefined) return MISSING;
    if (head === 'state' && path.length > 1) return walk(state, path, 1);
    if (Object.hasOwn(inputs, head)) return walk(inputs, path);
    return walk(state, path);
  };
}
