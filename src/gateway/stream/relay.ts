/**
 * A streaming request, with mid-stream failover. Until the first chunk reaches the client a
 * failure is an ordinary fallback (and a request error still gets its own HTTP status). After
 * that, when the upstream breaks, stalls or sends a malformed chunk:
 *
 * - if the answer had finished (finish reason seen), the stream is simply closed properly;
 * - if it was plain text, the next target is asked to continue it (continuation.ts) and its
 *   chunks join the same client stream: same id, no second role, no repeated or missing text;
 * - if tool calls or a JSON answer (`response_format`) had begun, a continuation cannot be
 *   trusted: the stream fails over only when nothing of that part was sent (then from the
 *   start), otherwise it ends with a well-formed error event.
 *
 * Each failover is marked in the stream (an SSE comment and an empty chunk carrying
 * `x_gateway.failover`) and in the request's log line. Usage is summed over every attempt
 * (what was really spent) and sent as one final usage chunk when the client asked for it.
 */

import { SSE_DONE, sseComment, sseData } from '../openai/sse.js';
import type { ChatChunk, ChatRequest, ChunkChoice, TokenCount } from '../openai/types.js';
import { ClientGoneError, type RequestClock, startAttemptClock } from '../routing/attempt.js';
import { asUpstreamError, clientGone, settle, TargetsExhaustedError } from '../routing/complete.js';
import { type AttemptRecord, addUsage, type DispatchDeps, type RequestRecord } from '../routing/record.js';
import type { Plan } from '../routing/router.js';
import { type Step, TargetWalk } from '../routing/walk.js';
import type { UpstreamError } from '../upstream/errors.js';
import { type ContinuationTrimmer, continuationRequest } from './continuation.js';

export interface StreamSink {
  /** The first write sends the response headers. */
  write(text: string): void;
  end(): void;
  readonly started: boolean;
}

interface Pending {
  from: string;
  reason: UpstreamError['kind'];
  afterChars: number;
  at: number;
}

export async function relayStream(
  plan: Plan,
  body: ChatRequest,
  deps: DispatchDeps,
  record: RequestRecord,
  clock: RequestClock,
  sink: StreamSink,
): Promise<void> {
  await new Relay(plan, body, deps, record, clock, sink).run();
}

class Relay {
  readonly #plan: Plan;
  readonly #body: ChatRequest;
  readonly #deps: DispatchDeps;
  readonly #record: RequestRecord;
  readonly #clock: RequestClock;
  readonly #sink: StreamSink;
  readonly #wantsUsage: boolean;
  /** JSON answers and several choices cannot be continued from the middle. */
  readonly #noContinuation: boolean;
  #sentText = '';
  #toolCallsSent = false;
  #roleSent = false;
  #finished = false;
  #meta: { id: string; created: number; model: string } | undefined;
  #pending: Pending | undefined;
  /** When the stream last broke, until the next target's first token (the failover's gap). */
  #brokeAt: number | undefined;

  constructor(
    plan: Plan,
    body: ChatRequest,
    deps: DispatchDeps,
    record: RequestRecord,
    clock: RequestClock,
    sink: StreamSink,
  ) {
    this.#plan = plan;
    this.#body = body;
    this.#deps = deps;
    this.#record = record;
    this.#clock = clock;
    this.#sink = sink;
    this.#wantsUsage = body.stream_options?.include_usage === true;
    const format = body.response_format?.type;
    this.#noContinuation =
      format === 'json_schema' || format === 'json_object' || (typeof body.n === 'number' && body.n > 1);
  }

  async run(): Promise<void> {
    const walk = new TargetWalk(this.#plan, this.#deps, this.#record, this.#clock.cancel);
    for (;;) {
      let step: Step | undefined;
      try {
        step = await walk.next();
      } catch (thrown) {
        // Waiting for a retry was cut short by the client leaving or the total deadline.
        if (thrown instanceof ClientGoneError) return this.#clientGone();
        if (!this.#sink.started) throw thrown;
        return this.#errorEvent(thrown as UpstreamError);
      }
      if (step === undefined) {
        if (!this.#sink.started) throw new TargetsExhaustedError(walk.lastError, this.#plan.alias);
        return this.#errorEvent(walk.lastError);
      }
      if (this.#pending !== undefined) this.#markFailover(step);
      const outcome = await this.#attempt(step);
      if (outcome === 'done') return;
      const error = outcome;
      if (!this.#sink.started) {
        if (!error.fallbackable) throw error;
        walk.failed(step, error);
        continue;
      }
      if (this.#finished) return this.#complete();
      const canContinue =
        this.#deps.midStreamFailover &&
        !this.#toolCallsSent &&
        !(this.#noContinuation && this.#sentText !== '');
      if (!canContinue) return this.#errorEvent(error);
      this.#pending = {
        from: step.target.upstream,
        reason: error.kind,
        afterChars: this.#sentText.length,
        at: this.#deps.now(),
      };
      walk.failed(step, error, true);
    }
  }

  /** One attempt: 'done' when the stream was completed (or the client left), else its failure. */
  async #attempt(step: Step): Promise<'done' | UpstreamError> {
    const continuing = this.#sentText !== '';
    const { body, trimmer } = continuing
      ? continuationRequest(
          { ...this.#body, model: step.target.model },
          this.#sentText,
          step.runtime.config.continuation,
          step.runtime.config.kind,
        )
      : { body: { ...this.#body, model: step.target.model }, trimmer: undefined };
    const attempt: AttemptRecord = {
      upstream: step.target.upstream,
      model: step.target.model,
      outcome: 'ok',
      ms: 0,
    };
    this.#record.attempts.push(attempt);
    const started = this.#deps.now();
    const timer = startAttemptClock(this.#clock.cancel, step.timeouts, step.target.upstream);
    // Chunks from a later attempt, or changed ones, are rewritten; the first attempt's pass as sent.
    const rewrite = this.#sink.started || continuing;
    let text = '';
    let usage: TokenCount | undefined;
    let firstToken = false;
    try {
      const stream = await step.client.stream({
        body,
        cancel: timer.cancel,
        requestId: this.#record.requestId,
        onData: timer.data,
      });
      for await (const item of stream) {
        if (item.type === 'done') break;
        const chunk = item.chunk;
        if (chunk.usage)
          usage = {
            inputTokens: chunk.usage.prompt_tokens ?? 0,
            outputTokens: chunk.usage.completion_tokens ?? 0,
          };
        const choice = chunk.choices[0];
        if (choice === undefined) continue; // usage-only: the client gets one summed usage chunk at the end
        const content = typeof choice.delta?.content === 'string' ? choice.delta.content : '';
        const calls = choice.delta?.tool_calls;
        if (!firstToken && (content !== '' || (calls !== undefined && calls.length > 0))) {
          firstToken = true;
          timer.firstToken();
          attempt.ttftMs = Math.round(this.#deps.now() - started);
          this.#record.ttftMs ??= Math.round(this.#clock.elapsed());
          const failover = this.#record.failovers.at(-1);
          if (this.#brokeAt !== undefined && failover !== undefined) {
            failover.gapMs = Math.round(this.#deps.now() - this.#brokeAt);
            this.#brokeAt = undefined;
          }
        }
        text += content;
        this.#forward(chunk, choice, item.raw, content, rewrite, trimmer);
      }
      if (trimmer !== undefined) this.#flush(trimmer);
      attempt.ms = Math.round(this.#deps.now() - started);
      step.runtime.breaker.success();
      step.runtime.stats.success(attempt.ttftMs ?? attempt.ms);
      addUsage(
        this.#record,
        attempt,
        step.runtime.config.provider,
        usage ?? this.#estimate(body, text),
        this.#deps.prices,
      );
      this.#record.upstream = step.target.upstream;
      this.#record.model = step.target.model;
      this.#complete();
      return 'done';
    } catch (thrown) {
      attempt.ms = Math.round(this.#deps.now() - started);
      if (clientGone(thrown, timer.cancel)) {
        attempt.outcome = 'client-gone';
        step.runtime.breaker.release(false);
        addUsage(
          this.#record,
          attempt,
          step.runtime.config.provider,
          usage ?? this.#estimate(body, text),
          this.#deps.prices,
        );
        this.#clientGone();
        return 'done';
      }
      const error = asUpstreamError(thrown, timer.cancel, step);
      settle(step, attempt, error, this.#deps);
      if (text !== '' || usage !== undefined) {
        addUsage(
          this.#record,
          attempt,
          step.runtime.config.provider,
          usage ?? this.#estimate(body, text),
          this.#deps.prices,
        );
      }
      return error;
    } finally {
      timer.stop();
    }
  }

  #forward(
    chunk: ChatChunk,
    choice: ChunkChoice,
    raw: string | undefined,
    content: string,
    rewrite: boolean,
    trimmer: ContinuationTrimmer | undefined,
  ): void {
    const calls = choice.delta?.tool_calls;
    const hasCalls = calls !== undefined && calls.length > 0;
    const finish = choice.finish_reason !== null && choice.finish_reason !== undefined;
    if (hasCalls) this.#toolCallsSent = true;
    if (finish) this.#finished = true;
    this.#meta ??= { id: chunk.id, created: chunk.created, model: chunk.model };
    if (!rewrite) {
      // The first attempt's chunks go out as the upstream wrote them (usage is summed at the end).
      if (choice.delta?.role !== undefined) this.#roleSent = true;
      this.#sentText += content;
      if (raw !== undefined && (chunk.usage === undefined || chunk.usage === null))
        this.#sink.write(sseData(raw));
      else this.#write({}, chunk);
      return;
    }
    let out = trimmer !== undefined ? trimmer.feed(content) : content;
    if (finish && trimmer !== undefined) out += trimmer.flush();
    const delta: Record<string, unknown> = { ...choice.delta };
    if (this.#roleSent) delete delta.role;
    else if (delta.role !== undefined) this.#roleSent = true;
    if (out !== '') delta.content = out;
    else delete delta.content;
    if (!finish && Object.keys(delta).length === 0) return; // nothing new for the client
    this.#sentText += out;
    this.#write({ choices: [{ ...choice, delta }] }, chunk);
  }

  #flush(trimmer: ContinuationTrimmer): void {
    const rest = trimmer.flush();
    if (rest === '') return;
    this.#sentText += rest;
    this.#write({ choices: [{ index: 0, delta: { content: rest }, finish_reason: null }] });
  }

  #write(fields: Partial<ChatChunk>, from?: ChatChunk): void {
    const meta = this.#meta ?? {
      id: `chatcmpl-${this.#record.requestId}`,
      created: Math.floor(Date.now() / 1000),
      model: this.#body.model,
    };
    const { usage: _usage, ...rest } = from ?? ({} as Partial<ChatChunk>);
    this.#sink.write(
      sseData(JSON.stringify({ ...rest, object: 'chat.completion.chunk', ...meta, ...fields })),
    );
  }

  #markFailover(step: Step): void {
    const pending = this.#pending as Pending;
    this.#pending = undefined;
    const failover = {
      from: pending.from,
      to: step.target.upstream,
      afterChars: pending.afterChars,
      reason: pending.reason,
    };
    this.#record.failovers.push(failover);
    this.#brokeAt = pending.at;
    this.#sink.write(
      sseComment(
        `agentcrate-gateway failover from '${failover.from}' to '${failover.to}' after ${failover.afterChars} characters (${failover.reason})`,
      ),
    );
    this.#write({
      choices: [{ index: 0, delta: {}, finish_reason: null }],
      x_gateway: {
        failover: {
          from: failover.from,
          to: failover.to,
          after_chars: failover.afterChars,
          reason: failover.reason,
        },
      },
    });
  }

  #complete(): void {
    if (this.#wantsUsage) {
      const { inputTokens, outputTokens } = this.#record.usage;
      this.#write({
        choices: [],
        usage: {
          prompt_tokens: inputTokens,
          completion_tokens: outputTokens,
          total_tokens: inputTokens + outputTokens,
        },
      });
    }
    this.#sink.write(SSE_DONE);
    this.#sink.end();
    this.#record.status = 200;
    this.#record.streamEnd = 'completed';
  }

  #errorEvent(error: UpstreamError | undefined): void {
    const message = this.#deps.redact(
      error === undefined
        ? 'the stream broke and no other target could continue it'
        : `the stream broke (${error.message}) and could not be continued${this.#toolCallsSent ? ' (tool calls had begun)' : this.#noContinuation ? ' (a structured answer had begun)' : ''}`,
    );
    this.#sink.write(
      sseData(
        JSON.stringify({
          error: { message, type: 'upstream_error', code: 'stream_interrupted', param: null },
        }),
      ),
    );
    this.#sink.end();
    this.#record.status = 200;
    this.#record.streamEnd = 'error-event';
    this.#record.error = message;
  }

  #clientGone(): void {
    this.#sink.end();
    this.#record.status = 499;
    this.#record.streamEnd = 'client-gone';
  }

  /** Tokens of an attempt the upstream never reported (it broke first): about 4 characters a token. */
  #estimate(body: ChatRequest, text: string): TokenCount {
    return {
      inputTokens: Math.ceil(JSON.stringify(body.messages).length / 4),
      outputTokens: Math.ceil(text.length / 4),
      estimated: true,
    };
  }
}
