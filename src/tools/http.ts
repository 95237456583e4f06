/**
 * Shared HTTP plumbing for the web tools: URL checks, the guarded client for URLs an author
 * or a model chose, a timeout joined to the run's abort signal, and a body reader that stops
 * at a byte cap instead of buffering whatever a server decides to send.
 */
import { AgentcrateError } from '../errors.js';
import {
  AllowListError,
  blockedCause,
  guardedFetch as netFetch,
  type OutboundFetch,
  parseAllowList,
} from '../net/index.js';
import { errorMessage } from './args.js';
import type { ToolContext } from './types.js';

export function checkUrl(tool: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AgentcrateError(
      'E_TOOL',
      `${tool}: '${raw.slice(0, 200)}' is not a valid URL (expected http(s)://...)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AgentcrateError(
      'E_TOOL_DENIED',
      `${tool}: only http and https URLs are allowed, not '${url.protocol.replace(/:$/, '')}'`,
    );
  }
  return url;
}

/**
 * The guarded client for a tool call: addresses are checked when each connection opens and on
 * every redirect hop; `tool_config.allowed_hosts` and the host's `--allow-private-network`
 * are the only ways past it.
 */
export function guardedFetch(tool: string, ctx: ToolContext): OutboundFetch {
  let allowedHosts: ReturnType<typeof parseAllowList>;
  try {
    allowedHosts = parseAllowList(ctx.config.allowed_hosts);
  } catch (error) {
    if (!(error instanceof AllowListError)) throw error;
    throw new AgentcrateError('E_TOOL', `${tool}: tool_config.allowed_hosts entry ${error.message}`, {
      details: { field: 'allowed_hosts', entry: error.entry },
    });
  }
  return netFetch({ ...ctx.network, allowedHosts });
}

/** The run's signal joined with a per-request timeout. */
export function timeoutSignal(signal: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(ms)]);
}

/** Wraps a fetch failure (timeout, refused connection, abort) into a tool error. */
export function fetchFailure(
  tool: string,
  target: string,
  error: unknown,
  timeoutMs: number,
): AgentcrateError {
  const blocked = blockedCause(error);
  if (blocked) {
    return new AgentcrateError('E_TOOL_DENIED', `${tool}: request to ${target} refused: ${blocked.message}`, {
      cause: error,
      details: { host: blocked.host, ...(blocked.address ? { address: blocked.address } : {}) },
    });
  }
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError') {
    return new AgentcrateError('E_TOOL', `${tool}: ${target} did not answer within ${timeoutMs / 1000}s`, {
      cause: error,
    });
  }
  if (name === 'AbortError') {
    return new AgentcrateError('E_CANCELLED', `${tool}: request to ${target} was cancelled`, {
      cause: error,
    });
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return new AgentcrateError(
    'E_TOOL',
    `${tool}: request to ${target} failed: ${errorMessage(error)}${cause}`,
    {
      cause: error,
    },
  );
}

/** Reads at most `maxBytes` of a response body, cancelling the rest. */
export async function readBodyCapped(
  response: Response,
  maxBytes: number,
): Promise<{ text: string; bytes: number; truncated: boolean }> {
  if (!response.body) return { text: '', bytes: 0, truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - bytes;
    if (value.byteLength >= room) {
      chunks.push(value.subarray(0, room));
      bytes += room;
      truncated = value.byteLength > room;
      if (!truncated) {
        // Exactly at the cap: only truncated if more data follows.
        const next = await reader.read();
        truncated = !next.done;
      }
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    bytes += value.byteLength;
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
  return { text, bytes, truncated };
}
