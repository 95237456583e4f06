/**
 * Webhook delivery of a finished job. The receiver verifies `X-Agentcrate-Signature:
 * sha256=<hex>` (HMAC-SHA256 of the raw body with the shared secret), so a forged callback
 * cannot pass for ours. Failures are retried with exponential backoff; delivery is best
 * effort and never blocks or fails the job itself.
 *
 * Whoever calls POST /run chooses the URL, so delivery goes through the guarded outbound
 * client: loopback, private and metadata addresses are refused (at submit time when the URL
 * spells one, at connect time when a name resolves to one) unless the server runs with
 * `--allow-private-network`.
 */
import { createHmac } from 'node:crypto';
import { AgentcrateError } from '../errors.js';
import {
  blockedCause,
  checkHostName,
  guardedFetch,
  type NetworkAccess,
  resolvePolicy,
} from '../net/index.js';

export const SIGNATURE_HEADER = 'x-agentcrate-signature';

const WEBHOOK_HINT =
  'to allow it on purpose, start the server with --allow-private-network (AGENTCRATE_ALLOW_PRIVATE_NETWORK=true)';

export interface WebhookOptions {
  secret?: string;
  /** What delivery may reach beyond the public internet (the server's network settings). */
  network?: NetworkAccess;
  /** Total attempts (first try included). */
  attempts?: number;
  /** Delay before the 2nd attempt; doubles each time. */
  baseDelayMs?: number;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  onResult?: (result: WebhookResult) => void;
}

export interface WebhookResult {
  url: string;
  jobId: string;
  ok: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Only absolute http(s) URLs: anything else (file:, data:, javascript:) is refused, and so is a
 * URL that spells an address the outbound guard blocks (a name is checked when it resolves).
 */
export function checkWebhookUrl(raw: string, network: NetworkAccess = {}): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AgentcrateError(
      'E_INVALID_INPUT',
      `webhook '${raw}' is not a valid URL; give an absolute http(s) URL`,
      {
        details: {
          issues: [{ path: 'webhook', expected: 'http(s) URL', received: raw, message: 'not a URL' }],
        },
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AgentcrateError(
      'E_INVALID_INPUT',
      `webhook must use http or https, got '${url.protocol}'; give an absolute http(s) URL`,
      {
        details: {
          issues: [
            {
              path: 'webhook',
              expected: 'http(s) URL',
              received: url.protocol,
              message: 'unsupported scheme',
            },
          ],
        },
      },
    );
  }
  const refused = checkHostName(resolvePolicy({ ...network, allowHint: WEBHOOK_HINT }), url.hostname);
  if (refused) {
    throw new AgentcrateError('E_INVALID_INPUT', `webhook ${url.origin}: ${refused.message}`, {
      details: {
        issues: [
          {
            path: 'webhook',
            expected: 'a public http(s) URL',
            received: url.origin,
            message: refused.reason,
          },
        ],
      },
    });
  }
  return url.toString();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** POSTs `payload` to `url` until a 2xx answer or the attempts run out. Never throws. */
export async function deliverWebhook(
  url: string,
  jobId: string,
  payload: unknown,
  options: WebhookOptions = {},
): Promise<WebhookResult> {
  const body = JSON.stringify(payload);
  const doFetch = guardedFetch({ ...options.network, allowHint: WEBHOOK_HINT });
  const attempts = Math.max(1, options.attempts ?? 5);
  const base = options.baseDelayMs ?? 1000;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'agentcrate-webhook',
    'x-agentcrate-job-id': jobId,
  };
  if (options.secret) headers[SIGNATURE_HEADER] = signBody(body, options.secret);
  let last: WebhookResult = { url, jobId, ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        redirect: 'manual',
      });
      await response.body?.cancel().catch(() => undefined);
      last = { url, jobId, ok: response.ok, attempts: attempt, status: response.status };
      if (response.ok) break;
      // A 4xx other than timeout/rate-limit means the receiver refuses this payload: retrying won't help.
      if (
        response.status >= 400 &&
        response.status < 500 &&
        response.status !== 408 &&
        response.status !== 429
      ) {
        break;
      }
    } catch (error) {
      const blocked = blockedCause(error);
      last = {
        url,
        jobId,
        ok: false,
        attempts: attempt,
        error: blocked?.message ?? (error as Error).message,
      };
      // The guard gives the same answer every time: retrying would only wait.
      if (blocked) break;
    }
    if (attempt < attempts) await sleep(base * 2 ** (attempt - 1));
  }
  options.onResult?.(last);
  return last;
}
