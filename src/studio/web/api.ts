/** Talking to the studio's API: JSON in and out, errors as `ApiError` with the server's message. */

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`/api${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers:
      init.body === undefined
        ? { accept: 'application/json' }
        : { accept: 'application/json', 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    credentials: 'same-origin',
  });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (!res.ok) {
    const e = (
      body as { error?: { code: string; message: string; details?: Record<string, unknown> } } | null
    )?.error;
    throw new ApiError(
      res.status,
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? `${res.status} ${res.statusText}`,
      e?.details ?? {},
    );
  }
  return body as T;
}

/** Server-sent events with named events; returns a function that closes the stream. */
export function stream(
  path: string,
  handlers: Record<string, (data: string) => void>,
  onError?: () => void,
): () => void {
  const source = new EventSource(`/api${path}`);
  for (const [name, fn] of Object.entries(handlers)) {
    source.addEventListener(name, (e) => fn((e as MessageEvent<string>).data));
  }
  source.onerror = () => {
    // The server closes the stream after `end`; a closed stream must not reconnect forever.
    if (source.readyState === EventSource.CLOSED || source.readyState === EventSource.CONNECTING) {
      source.close();
      onError?.();
    }
  };
  return () => source.close();
}

// ------------------------------------------------------------------ shapes the API returns
// The server's own types where it has them (type-only imports: nothing reaches the bundle).

export type { Diagnostic } from '../../config/types.js';
export type { GraphEdge, GraphNode, WorkflowGraph as Graph } from '../graph.js';
export type { WorkflowFileSummary as WorkflowSummary } from '../workspace.js';

import type { Diagnostic } from '../../config/types.js';
import type { JobStatusView } from '../../server/job-view.js';
import type { WorkflowGraph as Graph } from '../graph.js';

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  [key: string]: unknown;
}

export interface Analysis {
  valid: boolean;
  diagnostics: Diagnostic[];
  flowName: string | null;
  graph: Graph | null;
  inputs: JsonSchema | null;
  state: Array<{ name: string; type: string; required: boolean; description: string | null }> | null;
}

export interface JobView extends JobStatusView {
  dry_run: boolean | null;
  origin: { replayOf?: string; fromIndex?: number; fromNode?: string; edited?: string[] } | null;
}

export interface Execution {
  index: number;
  node: string;
  iteration: number;
  outcome: 'ok' | 'failed' | 'interrupted';
  mapped: boolean;
  writes: Record<string, unknown> | null;
}

export interface JobDetail extends JobView {
  file: string | null;
  executions: Execution[];
}
