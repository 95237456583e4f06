/** Units of the gateway's routing: circuit breaker, weighted order, minute windows, continuation trimming. */
import { describe, expect, it } from 'vitest';
import { MinuteWindow } from '../../src/gateway/keys/window.js';
import { CircuitBreaker } from '../../src/gateway/routing/breaker.js';
import { orderTargets, Router } from '../../src/gateway/routing/router.js';
import { ContinuationTrimmer, continuationRequest } from '../../src/gateway/stream/continuation.js';
import { configFrom } from './helpers.js';

describe('circuit breaker', () => {
  it('opens after N consecutive failures, lets one probe through after the cooldown, closes on its success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 3, cooldownMs: 1000 }, () => now);
    for (let i = 0; i < 2; i++) {
      expect(breaker.tryAcquire()).toBe(true);
      breaker.failure();
    }
    breaker.success(); // a success in between resets the count
    for (let i = 0; i < 3; i++) {
      expect(breaker.tryAcquire()).toBe(true);
      breaker.failure();
    }
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryInMs).toBe(1000);
    now = 999;
    expect(breaker.tryAcquire()).toBe(false);
    now = 1000;
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true); // the probe
    expect(breaker.tryAcquire()).toBe(false); // only one
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.opened).toBe(1);
  });

  it('opens again for a whole cooldown when the probe fails; a probe answered with a request error closes it', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 1, cooldownMs: 100 }, () => now);
    breaker.tryAcquire();
    breaker.failure();
    now = 100;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.retryInMs).toBe(100);
    now = 200;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release(false); // client left: no verdict, the next caller may probe
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release(true); // the upstream answered (a 400): reachable
    expect(breaker.state).toBe('closed');
  });
});

describe('weighted target order', () => {
  const targets = [
    { upstream: 'a', model: 'x', weight: 3 },
    { upstream: 'b', model: 'y', weight: 1 },
    { upstream: 'c', model: 'z', weight: 0 },
  ];

  it('keeps the list order when no target has a weight', () => {
    const plain = [
      { upstream: 'a', model: 'x' },
      { upstream: 'b', model: 'y' },
    ];
    expect(orderTargets(plain, () => 0.5)).toBe(plain);
  });

  it('spreads first attempts by weight, puts weight-0 targets last, keeps every target', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const firsts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (let i = 0; i < 4000; i++) {
      const order = orderTargets(targets, random);
      expect(order.map((t) => t.upstream).sort()).toEqual(['a', 'b', 'c']);
      expect(order[2]!.upstream).toBe('c');
      firsts[order[0]!.upstream]! += 1;
    }
    expect(firsts.c).toBe(0);
    expect(firsts.a! / 4000).toBeGreaterThan(0.7);
    expect(firsts.a! / 4000).toBeLessThan(0.8);
  });
});

describe('minute window', () => {
  it('counts the last sixty seconds and says when a limit frees up', () => {
    const w = new MinuteWindow();
    w.add(5, 1_000);
    w.add(5, 30_000);
    expect(w.total(59_999)).toBe(10);
    expect(w.total(61_000)).toBe(5); // the first bucket left
    expect(w.secondsUntilBelow(10, 59_999)).toBe(2); // second 1 leaves at 61 s
    expect(w.secondsUntilBelow(5, 59_999)).toBe(31);
    expect(w.total(200_000)).toBe(0);
  });
});

describe('continuation', () => {
  it('asks for the partial text as the final assistant message, in the mode the upstream wants', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'q' }] };
    expect(continuationRequest(body, 'Hello wor', 'prefill', 'proxy').body.messages.at(-1)).toEqual({
      role: 'assistant',
      content: 'Hello wor',
    });
    expect(continuationRequest(body, 'Hi ', 'prefix_flag', 'proxy').body.messages.at(-1)).toEqual({
      role: 'assistant',
      content: 'Hi',
      prefix: true,
    });
    const vllm = continuationRequest(body, 'Hi', 'continue_final_message', 'proxy').body;
    expect([vllm.continue_final_message, vllm.add_generation_prompt]).toEqual([true, false]);
    expect(body.messages).toHaveLength(1); // the original request is not changed
  });

  const run = (prefix: string, sentTail: string, pieces: string[]) => {
    const trimmer = new ContinuationTrimmer(prefix, sentTail);
    return pieces.map((p) => trimmer.feed(p)).join('') + trimmer.flush();
  };

  it('passes a real continuation through, even one that starts like the prefix', () => {
    expect(run('The answer is', '', [' 42', '.'])).toBe(' 42.');
    expect(run('Hello world again', '', ['Hello', ' there'])).toBe('Hello there');
  });

  it('drops a restart of the whole prefix, in any chunking', () => {
    expect(run('The answer is', '', ['The ans', 'wer is', ' 42.'])).toBe(' 42.');
    expect(run('The answer is', '', ['The answer is 42.'])).toBe(' 42.');
    expect(run('The answer is', '', ['The answer'])).toBe(''); // repeated and stopped
  });

  it('does not repeat the whitespace the client already has', () => {
    expect(run('The answer is', ' ', [' 42'])).toBe('42');
    expect(run('The answer is', '\n\n', ['\nNext'])).toBe('Next');
    expect(run('The answer is', ' ', ['42'])).toBe('42');
  });
});

describe('router', () => {
  const config = configFrom(`upstreams:
  oai: {provider: openai, models: [gpt-4o]}
  claude-eu: {provider: anthropic}
  claude-us: {provider: anthropic}
routes:
  fast: {targets: [oai/gpt-4o-mini]}
  gemini-2.5-flash: {targets: [oai/gpt-4o-mini]}
`);
  const router = new Router(config, () => 0.5);
  const targets = (model: string) => router.plan(model)?.targets.map((t) => `${t.upstream}/${t.model}`);

  it('routes aliases, upstream/model, listed models, and provider/model from workflows routed here', () => {
    expect(targets('fast')).toEqual(['oai/gpt-4o-mini']);
    expect(targets('claude-eu/claude-x')).toEqual(['claude-eu/claude-x']);
    expect(targets('gpt-4o')).toEqual(['oai/gpt-4o']);
    expect(targets('openai/gpt-4o')).toEqual(['oai/gpt-4o']);
    expect(targets('google/gemini-2.5-flash')).toEqual(['oai/gpt-4o-mini']);
    expect(targets('anthropic/claude-sonnet-4-5')).toEqual([
      'claude-eu/claude-sonnet-4-5',
      'claude-us/claude-sonnet-4-5',
    ]);
    expect(router.plan('google/gemini-2.0-pro')).toBeUndefined();
    expect(router.plan('nothing')).toBeUndefined();
  });
});
