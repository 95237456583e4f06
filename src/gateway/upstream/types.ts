/**
 * The upstream seam: one attempt at one target. Both kinds (proxied OpenAI-compatible and
 * translated through the AI SDK) answer in the OpenAI wire format, so routing, failover and
 * accounting never care which kind they talk to. Timeouts are the caller's: it cancels
 * `cancel` with an `UpstreamError` as the reason, and the upstream rethrows that reason.
 */
import type { UpstreamConfig } from '../config/types.js';
import type { ChatChunk, ChatRequest, TokenCount } from '../openai/types.js';
import type { Cancellation } from '../routing/attempt.js';

export interface AttemptInput {
  /** The client's request with `model` set to the target's model (and continuation applied). */
  body: ChatRequest;
  cancel: Cancellation;
  requestId: string;
  /** Called when response headers arrived (the first-token clock of a non-streaming call stops). */
  onHeaders?: () => void;
  /** Called for each piece of body read (resets the idle clock). */
  onData?: () => void;
}

export interface CompleteResult {
  /** The JSON to send to the client (the upstream's own bytes when proxied). */
  body: string | Buffer;
  usage: TokenCount;
  /** The first choice's content, for logs and tests. */
  finishReason: string | null;
}

export type StreamItem =
  /** `raw` is the upstream's own JSON text of the chunk, forwarded as is when nothing changes. */
  { type: 'chunk'; chunk: ChatChunk; raw?: string } | { type: 'done' };

export interface Upstream {
  readonly config: UpstreamConfig;
  complete(input: AttemptInput): Promise<CompleteResult>;
  /** Resolves once the upstream accepted the stream (2xx); the iterator throws `UpstreamError`s. */
  stream(input: AttemptInput): Promise<AsyncIterable<StreamItem>>;
  close(): Promise<void>;
}
