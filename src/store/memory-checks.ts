/**
 * The memory part's argument checks and query shape, the same in every store: a bad address
 * or value fails with the same E_INVALID_INPUT message whichever store is behind the seam.
 */
import { AgentcrateError } from '../errors.js';
import {
  MAX_MEMORY_VALUE_BYTES,
  type MemoryAddress,
  type MemoryChange,
  type MemoryQuery,
} from './memory-types.js';

const MAX_PART = 512;

function invalid(message: string): AgentcrateError {
  return new AgentcrateError('E_INVALID_INPUT', message);
}

export function checkPart(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_PART) {
    throw invalid(`Memory ${what} must be a non-empty string of at most ${MAX_PART} characters.`);
  }
  return value;
}

function checkAddress(a: MemoryAddress): void {
  checkPart(a?.agent, 'agent');
  checkPart(a.workflow, 'workflow');
  checkPart(a.node, 'node');
  checkPart(a.key, 'key');
}

/** Each change checked, with its value as JSON text (null for a delete). */
export function prepareChanges(
  changes: readonly MemoryChange[],
): Array<{ change: MemoryChange; text: string | null }> {
  if (!Array.isArray(changes)) throw invalid('Memory changes must be a list.');
  return changes.map((change, i) => {
    checkAddress(change);
    if (change.op === 'delete') return { change, text: null };
    if (change.op !== 'set')
      throw invalid(`Memory change #${i} has op "${String(change.op)}"; use set or delete.`);
    const text = JSON.stringify(change.value);
    if (text === undefined) throw invalid(`Memory value for key "${change.key}" is not JSON data.`);
    if (Buffer.byteLength(text) > MAX_MEMORY_VALUE_BYTES) {
      throw invalid(
        `Memory value for key "${change.key}" is ${Buffer.byteLength(text)} bytes of JSON; the limit is ${MAX_MEMORY_VALUE_BYTES}.`,
      );
    }
    return { change, text };
  });
}

/**
 * A query's conditions as `column = ?` parts and their values; the key prefix as a LIKE
 * pattern with `%`, `_` and `\` escaped so they match themselves (`ESCAPE '\'`).
 */
export function queryParts(query: MemoryQuery): Array<{ column: string; op: '=' | 'LIKE'; value: string }> {
  const parts: Array<{ column: string; op: '=' | 'LIKE'; value: string }> = [];
  for (const column of ['agent', 'workflow', 'node'] as const) {
    const v = query[column];
    if (v !== undefined) parts.push({ column, op: '=', value: v });
  }
  if (query.keyPrefix !== undefined && query.keyPrefix !== '') {
    parts.push({
      column: 'key',
      op: 'LIKE',
      value: `${query.keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    });
  }
  return parts;
}

export function noQueryError(): AgentcrateError {
  return invalid('Deleting memory needs at least one of agent, workflow, node or keyPrefix.');
}
