/**
 * Continuing a partial answer on another target. The request is the original one plus the
 * text the client already has, as the final assistant message (a "prefill"): the model writes
 * what follows it. Each proxied upstream says how it wants that asked (`continuation`); SDK
 * upstreams take the final assistant message as is (Anthropic's prefill). Trailing whitespace
 * is left out of the prefix (Anthropic refuses it, and tokenizers continue better without it),
 * and what the client already has of it is not sent twice.
 *
 * A model may also ignore the prefix and start over: `ContinuationTrimmer` holds back the
 * continuation while it still reads as a restart of the prefix and drops the repeated part,
 * so the client never sees text twice.
 */
import type { ContinuationMode } from '../config/schema.js';
import type { ChatMessage, ChatRequest } from '../openai/types.js';

export interface Continuation {
  body: ChatRequest;
  trimmer: ContinuationTrimmer;
}

export function continuationRequest(
  body: ChatRequest,
  sentText: string,
  mode: ContinuationMode,
  kind: 'proxy' | 'sdk',
): Continuation {
  const prefix = sentText.replace(/\s+$/, '');
  const message: ChatMessage = { role: 'assistant', content: prefix };
  const next: ChatRequest = { ...body, messages: [...body.messages, message] };
  if (kind === 'proxy') {
    if (mode === 'prefix_flag') message.prefix = true;
    else if (mode === 'continue_final_message') {
      next.continue_final_message = true;
      next.add_generation_prompt = false;
    }
  }
  return { body: next, trimmer: new ContinuationTrimmer(prefix, sentText.slice(prefix.length)) };
}

const MIN_RESTART_PREFIX = 8;

export class ContinuationTrimmer {
  readonly #prefix: string;
  /** Whitespace the client has after `prefix` (not sent to the model). */
  #sentTail: string;
  #held = '';
  #decided = false;

  constructor(prefix: string, sentTail: string) {
    // A restart can only be told from a continuation when the prefix is long enough that
    // matching it by chance is unlikely; a short one is trusted to be continued.
    this.#prefix = prefix.length >= MIN_RESTART_PREFIX ? prefix : '';
    this.#sentTail = sentTail;
  }

  /** The part of a continuation delta to send on (may be '' while deciding). */
  feed(delta: string): string {
    if (this.#decided) return delta;
    this.#held += delta;
    const held = this.#held;
    if (held.length <= this.#prefix.length) {
      // Still possibly the prefix again: keep holding while it matches.
      if (this.#prefix.startsWith(held) && this.#prefix !== '') return '';
      return this.#decide(held);
    }
    if (this.#prefix !== '' && held.startsWith(this.#prefix))
      return this.#decide(held.slice(this.#prefix.length));
    return this.#decide(held);
  }

  /** What is still held when the stream ends (a continuation that was a prefix of the prefix). */
  flush(): string {
    if (this.#decided) return '';
    const held = this.#held;
    this.#held = '';
    this.#decided = true;
    // The model repeated the prefix, or part of it, and stopped: nothing new to say.
    if (this.#prefix.startsWith(held)) return '';
    return this.#dropSentTail(held);
  }

  #decide(text: string): string {
    this.#decided = true;
    this.#held = '';
    return this.#dropSentTail(text);
  }

  /** Whitespace the client already has is not repeated at the continuation's start. */
  #dropSentTail(text: string): string {
    let i = 0;
    while (i < this.#sentTail.length && i < text.length && text[i] === this.#sentTail[i]) i++;
    this.#sentTail = '';
    return text.slice(i);
  }
}
