/**
 * Argument checks every `Store` implementation makes the same way, so a bad call fails with
 * the same `E_INVALID_INPUT` message whichever store is behind the seam.
 */
import { AgentcrateError } from '../errors.js';
import type { StoreEvent } from './types.js';

export function invalid(message: string): AgentcrateError {
  return new AgentcrateError('E_INVALID_INPUT', message);
}

export function notFound(jobId: string): AgentcrateError {
  return new AgentcrateError('E_NOT_FOUND', `No job with id "${jobId}" in the store.`, {
    details: { jobId },
  });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`${what} must be a non-empty string.`);
  return value;
}

export function checkEvent(event: unknown, index: number): StoreEvent {
  if (
    !isPlainObject(event) ||
    typeof event.type !== 'string' ||
    event.type === '' ||
    typeof event.at !== 'number' ||
    !Number.isFinite(event.at)
  ) {
    throw invalid(
      `Event #${index} must be an object with a non-empty string "type" and a numeric "at" (epoch ms).`,
    );
  }
  return event as unknown as StoreEvent;
}
