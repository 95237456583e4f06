/**
 * Server-sent events in and out. In: an upstream's byte stream → parsed chat chunks, through
 * `eventsource-parser`; a chunk that is not JSON, an error event, or an end without `[DONE]`
 * is an `UpstreamError` (the failover decides what it means). Out: the lines the gateway writes.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { UpstreamError } from '../upstream/errors.js';
import type { StreamItem } from '../upstream/types.js';
import type { ChatChunk } from './types.js';

/** Largest single event accepted from an upstream (a runaway line is a broken stream). */
const MAX_EVENT_BYTES = 8 * 1024 * 1024;

export async function* parseChatStream(
  body: AsyncIterable<Uint8Array | string>,
  upstream: string,
  onData?: () => void,
): AsyncGenerator<StreamItem> {
  const decoder = new TextDecoder();
  const pending: EventSourceMessage[] = [];
  let overflow = false;
  const parser = createParser({
    onEvent: (event) => pending.push(event),
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') overflow = true;
    },
    maxBufferSize: MAX_EVENT_BYTES,
  } as Parameters<typeof createParser>[0]);
  for await (const piece of body) {
    onData?.();
    parser.feed(typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true }));
    if (overflow)
      throw new UpstreamError(
        'malformed',
        `upstream '${upstream}' sent an event over ${MAX_EVENT_BYTES} bytes`,
      );
    for (let i = 0; i < pending.length; i++) {
      const item = toItem(pending[i] as EventSourceMessage, upstream);
      if (item === undefined) continue;
      if (item.type === 'done') {
        pending.length = 0;
        yield item;
        return;
      }
      yield item;
    }
    pending.length = 0;
  }
  throw new UpstreamError('closed', `upstream '${upstream}' ended the stream without [DONE]`);
}

function toItem(event: EventSourceMessage, upstream: string): StreamItem | undefined {
  const data = event.data;
  if (data === '[DONE]') return { type: 'done' };
  if (data.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (error) {
    throw new UpstreamError('malformed', `upstream '${upstream}' sent a chunk that is not JSON`, {
      cause: error,
    });
  }
  if (value === null || typeof value !== 'object') {
    throw new UpstreamError('malformed', `upstream '${upstream}' sent a chunk that is not an object`);
  }
  const record = value as Record<string, unknown>;
  if (event.event === 'error' || record.error !== undefined) {
    const message = errorText(record.error) ?? 'error event';
    throw new UpstreamError('closed', `upstream '${upstream}' sent an error event: ${message}`);
  }
  if (!Array.isArray(record.choices)) {
    throw new UpstreamError('malformed', `upstream '${upstream}' sent a chunk without choices`);
  }
  return { type: 'chunk', chunk: value as ChatChunk, raw: data };
}

function errorText(error: unknown): string | undefined {
  if (typeof error === 'string') return error;
  if (
    error !== null &&
    typeof error === 'object' &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    return (error as { message: string }).message;
  }
  return undefined;
}

/** `data: …\n\n` */
export function sseData(json: string): string {
  return `data: ${json}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/** An SSE comment: every client ignores it; people reading the stream see it. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}
