/**
 * Errors as FastAPI writes them: `{"detail": "<message>"}` with the same status the default
 * API gives the error's code (validation failures carry a list instead: see inputs.ts).
 */
import { httpStatusFor, toHttpError } from '../errors.js';

export function compatErrorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  const err = toHttpError(error);
  return detailResponse(err.message, httpStatusFor(err.code), headers);
}

export function detailResponse(
  detail: unknown,
  status: number,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ detail }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** Starlette's answer to a path no route serves. */
export const compatNotFound = (): Response => detailResponse('Not Found', 404);
