/**
 * Inputs as configurable-agents' generated server takes them: a pydantic model built from the
 * state fields (`str`, `int`, `float`, `bool` as such, `list[...]` as `list`, `dict[...]` as
 * `dict`, anything else as `Any`; required fields required, the rest defaulted), validated in
 * pydantic's lax mode (`"5"` is an int, `1` a bool), extra fields ignored. What fails that
 * check is FastAPI's 422 `detail: [{type, loc, msg, input}]`. Values inside lists, dicts and
 * objects are then converted the same lax way toward the full state type, as upstream's state
 * model does when the run starts; what still does not fit fails the run (the engine's own
 * strict check), as it does upstream.
 */
import type { StateField, TypeNode, Workflow } from '../../config/types.js';

export interface FastApiIssue {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

type Lax = { ok: true; value: unknown } | { ok: false; type: string; msg: string };

const ok = (value: unknown): Lax => ({ ok: true, value });
const fail = (type: string, msg: string): Lax => ({ ok: false, type, msg });

const INT_TEXT = /^[+-]?\d+(\.0*)?$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE_TEXT = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_TEXT = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** pydantic v2's lax conversions from JSON values to a scalar (its conversion table). */
function laxScalar(kind: 'str' | 'int' | 'float' | 'bool', value: unknown): Lax {
  switch (kind) {
    case 'str':
      return typeof value === 'string' ? ok(value) : fail('string_type', 'Input should be a valid string');
    case 'int': {
      if (typeof value === 'boolean') return ok(value ? 1 : 0);
      if (typeof value === 'number') {
        return Number.isInteger(value)
          ? ok(value)
          : fail('int_from_float', 'Input should be a valid integer, got a number with a fractional part');
      }
      if (typeof value === 'string') {
        const text = value.trim();
        return INT_TEXT.test(text)
          ? ok(Number.parseInt(text, 10))
          : fail('int_parsing', 'Input should be a valid integer, unable to parse string as an integer');
      }
      return fail('int_type', 'Input should be a valid integer');
    }
    case 'float': {
      if (typeof value === 'boolean') return ok(value ? 1 : 0);
      if (typeof value === 'number') return ok(value);
      if (typeof value === 'string') {
        const text = value.trim();
        return FLOAT_TEXT.test(text)
          ? ok(Number(text))
          : fail('float_parsing', 'Input should be a valid number, unable to parse string as a number');
      }
      return fail('float_type', 'Input should be a valid number');
    }
    case 'bool': {
      if (typeof value === 'boolean') return ok(value);
      if (typeof value === 'number') {
        if (value === 1 || value === 0) return ok(value === 1);
        return fail('bool_parsing', 'Input should be a valid boolean, unable to interpret input');
      }
      if (typeof value === 'string') {
        const text = value.trim().toLowerCase();
        if (TRUE_TEXT.has(text)) return ok(true);
        if (FALSE_TEXT.has(text)) return ok(false);
        return fail('bool_parsing', 'Input should be a valid boolean, unable to interpret input');
      }
      return fail('bool_type', 'Input should be a valid boolean');
    }
  }
}

/** The type upstream's input model gives a state field: its top level only. */
function topLevel(type: TypeNode): Lax | ((value: unknown) => Lax) {
  switch (type.kind) {
    case 'str':
    case 'int':
    case 'float':
    case 'bool':
      return (value) => laxScalar(type.kind, value);
    case 'list':
      return (value) =>
        Array.isArray(value) ? ok(value) : fail('list_type', 'Input should be a valid list');
    case 'dict':
      return (value) =>
        isObject(value) ? ok(value) : fail('dict_type', 'Input should be a valid dictionary');
    default:
      return ok(undefined);
  }
}

/**
 * Best-effort lax conversion toward the full type, inside containers too; a value that does
 * not convert is left as it is for the engine's strict check to report.
 */
export function laxDeep(type: TypeNode, value: unknown): unknown {
  switch (type.kind) {
    case 'str':
    case 'int':
    case 'float':
    case 'bool': {
      const r = laxScalar(type.kind, value);
      return r.ok ? r.value : value;
    }
    case 'list':
      return Array.isArray(value) && type.items !== null
        ? value.map((item) => laxDeep(type.items as TypeNode, item))
        : value;
    case 'dict':
      if (!isObject(value) || type.value === null) return value;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, laxDeep(type.value as TypeNode, v)]),
      );
    case 'object': {
      if (!isObject(value)) return value;
      // A nested pydantic model ignores extra keys too.
      const out: Record<string, unknown> = {};
      for (const field of type.fields) {
        if (Object.hasOwn(value, field.name)) out[field.name] = laxDeep(field.type, value[field.name]);
      }
      return out;
    }
    default:
      return value;
  }
}

export type CheckedInputs =
  | { ok: true; inputs: Record<string, unknown> }
  | { ok: false; detail: FastApiIssue[] };

function checkField(field: StateField, body: Record<string, unknown>, detail: FastApiIssue[]): unknown {
  if (!Object.hasOwn(body, field.name)) {
    if (field.required) {
      detail.push({ type: 'missing', loc: ['body', field.name], msg: 'Field required', input: body });
    }
    return undefined;
  }
  const value = body[field.name];
  const check = topLevel(field.type);
  if (typeof check === 'function') {
    const r = check(value);
    if (!r.ok) {
      detail.push({ type: r.type, loc: ['body', field.name], msg: r.msg, input: value });
      return undefined;
    }
  }
  return laxDeep(field.type, value);
}

/**
 * The request body (already parsed JSON) checked as upstream's `WorkflowInput`: the inputs to
 * run with (unknown fields dropped, values converted), or FastAPI's 422 detail.
 */
export function checkCompatInputs(workflow: Workflow, body: unknown): CheckedInputs {
  if (!isObject(body)) {
    return {
      ok: false,
      detail: [
        {
          type: 'model_attributes_type',
          loc: ['body'],
          msg: 'Input should be a valid dictionary or object to extract fields from',
          input: body,
        },
      ],
    };
  }
  const detail: FastApiIssue[] = [];
  const inputs: Record<string, unknown> = {};
  for (const field of workflow.state) {
    const value = checkField(field, body, detail);
    if (value !== undefined) inputs[field.name] = value;
  }
  return detail.length > 0 ? { ok: false, detail } : { ok: true, inputs };
}

/** FastAPI's answer to a body that is no JSON (`loc` holds the character position). */
export function jsonInvalid(text: string, error: Error): FastApiIssue {
  const at = /position (\d+)/.exec(error.message);
  return {
    type: 'json_invalid',
    loc: ['body', at ? Number(at[1]) : Math.max(0, text.length - 1)],
    msg: 'JSON decode error',
    input: {},
    ctx: { error: error.message.replace(/\s*\(line \d+ column \d+\)$/, '') },
  };
}

/** FastAPI's answer to a required body that is absent. */
export const BODY_MISSING: FastApiIssue = {
  type: 'missing',
  loc: ['body'],
  msg: 'Field required',
  input: null,
};
