/**
 * The run's state: built from defaults and validated inputs (section 3), and the public
 * view of it that users get back as `outputs` (bookkeeping keys removed).
 */

import { checkValue, coerceCliValue, type ValueIssue } from '../config/index.js';
import { suggest } from '../config/suggest.js';
import type { Workflow } from '../config/types.js';
import { AgentcrateError } from '../errors.js';

/**
 * `-i key=value` values are text: each known field's text is parsed as JSON when it parses,
 * else kept as a string, then converted to the field's type where that is lossless. Unknown
 * keys pass through untouched so the strict check reports them with the known names.
 */
export function coerceCliInputs(
  workflow: Workflow,
  raw: Record<string, string>,
): { inputs: Record<string, unknown>; issues: ValueIssue[] } {
  const out: Record<string, unknown> = {};
  const issues: ValueIssue[] = [];
  for (const [key, text] of Object.entries(raw)) {
    const field = workflow.state.find((f) => f.name === key);
    if (!field) {
      out[key] = text;
      continue;
    }
    const converted = coerceCliValue(field.type, text);
    if (converted.ok) out[key] = converted.value;
    else
      issues.push({
        path: key,
        expected: field.typeText,
        received: JSON.stringify(text),
        message: `'${key}': ${converted.message}`,
      });
  }
  return { inputs: out, issues };
}

/** One error for every input problem, so users fix them all in one go. */
export function invalidInput(issues: ValueIssue[]): AgentcrateError {
  return new AgentcrateError(
    'E_INVALID_INPUT',
    `invalid input:\n${issues.map((i) => `  - ${i.message}`).join('\n')}`,
    {
      details: { issues },
    },
  );
}

/**
 * Validates inputs strictly against the state types (as JSON from HTTP or an input file
 * must be), every problem at once, and fills the rest from defaults (or null).
 */
export function buildInitialState(
  workflow: Workflow,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const issues: ValueIssue[] = [];
  const known = workflow.state.map((f) => f.name);
  const state: Record<string, unknown> = {};
  for (const key of Object.keys(inputs)) {
    if (!known.includes(key)) {
      const close = suggest(key, known);
      issues.push({
        path: key,
        expected: `one of ${known.join(', ')}`,
        received: 'an unknown field',
        message: `unknown input '${key}'${close ? ` — did you mean '${close}'?` : ''}; known fields: ${known.join(', ')}`,
      });
    }
  }
  for (const field of workflow.state) {
    const has = Object.hasOwn(inputs, field.name) && inputs[field.name] !== undefined;
    if (!has) {
      if (field.required) {
        issues.push({
          path: field.name,
          expected: field.typeText,
          received: 'missing',
          message: `'${field.name}' is required (${field.typeText})${field.description ? `: ${field.description}` : ''}`,
        });
      }
      state[field.name] = field.hasDefault ? ownCopy(field.default) : null;
      continue;
    }
    const value = inputs[field.name];
    if (value === null && !field.required) {
      state[field.name] = null;
      continue;
    }
    const problems = checkValue(field.type, value, field.name);
    if (problems.length > 0) issues.push(...problems);
    else state[field.name] = value;
  }
  if (issues.length > 0) throw invalidInput(issues);
  return state;
}

/**
 * A default's own copy for one run: objects and lists are cloned so no run shares them with
 * another; a string, number or boolean is itself (structuredClone costs microseconds even
 * for those, on every run).
 */
function ownCopy(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}

/** Users see state fields only: loop counters and other bookkeeping stay inside. */
export function publicOutputs(workflow: Workflow, state: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of workflow.state) out[field.name] = state[field.name] ?? null;
  return out;
}
