/**
 * The gateway's Prometheus metrics, fed from each finished request's record: requests,
 * attempts, fallbacks, failovers, tokens, cost, refusals, and latency histograms per upstream,
 * plus gauges read at scrape time (circuit state, error rate, in-flight requests). Labels only
 * ever hold configured names (routes, upstreams) or fixed words, so their number is bounded.
 */
import type { UpstreamPool } from '../routing/pool.js';
import type { RequestRecord } from '../routing/record.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

class Counter {
  readonly values = new Map<string, number>();
  add(labels: string, amount = 1): void {
    this.values.set(labels, (this.values.get(labels) ?? 0) + amount);
  }
}

class Histogram {
  readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  observe(labels: string, seconds: number): void {
    let s = this.series.get(labels);
    if (s === undefined) {
      s = { buckets: new Array<number>(LATENCY_BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.series.set(labels, s);
    }
    s.sum += seconds;
    s.count += 1;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]!) s.buckets[i]! += 1;
  }
}

const NEEDS_ESCAPE = /["\\\n]/;

export function labelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

// Label sets written out directly: building and joining an object's entries for each of a
// request's several series cost more than the rest of the metrics work.
const l1 = (k: string, v: string): string => `${k}="${labelValue(v)}"`;
const l2 = (k1: string, v1: string, k2: string, v2: string): string =>
  `${k1}="${labelValue(v1)}",${k2}="${labelValue(v2)}"`;

export class GatewayMetrics {
  readonly requests = new Counter();
  readonly attempts = new Counter();
  readonly fallbacks = new Counter();
  readonly failovers = new Counter();
  readonly tokens = new Counter();
  readonly cost = new Counter();
  readonly refusals = new Counter();
  readonly attemptSeconds = new Histogram();
  readonly ttftSeconds = new Histogram();
  readonly requestSeconds = new Histogram();
  inFlight = 0;

  /** A request refused before any upstream was tried (auth, limits, unknown model, bad body). */
  refused(code: string, status: number): void {
    this.refusals.add(l1('code', code));
    this.requests.add(l2('route', '', 'status', String(status)));
  }

  observe(record: RequestRecord, durationMs: number): void {
    const route = record.alias ?? '';
    this.requests.add(l2('route', route, 'status', String(record.status)));
    this.requestSeconds.observe(l2('route', route, 'stream', String(record.stream)), durationMs / 1000);
    if (record.fallbacks > 0) this.fallbacks.add(l1('route', route), record.fallbacks);
    for (const f of record.failovers) this.failovers.add(l2('from', f.from, 'to', f.to));
    for (const a of record.attempts) {
      this.attempts.add(l2('upstream', a.upstream, 'outcome', a.outcome));
      if (a.outcome === 'ok' || a.ms > 0)
        this.attemptSeconds.observe(l1('upstream', a.upstream), a.ms / 1000);
      if (a.ttftMs !== undefined) this.ttftSeconds.observe(l1('upstream', a.upstream), a.ttftMs / 1000);
      if (a.usage !== undefined) {
        this.tokens.add(l2('upstream', a.upstream, 'direction', 'input'), a.usage.inputTokens);
        this.tokens.add(l2('upstream', a.upstream, 'direction', 'output'), a.usage.outputTokens);
      }
      if (a.costUsd !== undefined) this.cost.add(l1('upstream', a.upstream), a.costUsd);
    }
  }

  render(pool: UpstreamPool): string {
    const out: string[] = [];
    const counter = (name: string, help: string, c: Counter): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of c.values) out.push(`${name}{${labels}} ${value}`);
    };
    const histogram = (name: string, help: string, h: Histogram): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const [labels, s] of h.series) {
        LATENCY_BUCKETS.forEach((le, i) => {
          out.push(`${name}_bucket{${labels},le="${le}"} ${s.buckets[i]}`);
        });
        out.push(
          `${name}_bucket{${labels},le="+Inf"} ${s.count}`,
          `${name}_sum{${labels}} ${s.sum}`,
          `${name}_count{${labels}} ${s.count}`,
        );
      }
    };
    counter(
      'agentcrate_gateway_requests_total',
      'Chat requests by route and HTTP status (499: client left).',
      this.requests,
    );
    counter('agentcrate_gateway_attempts_total', 'Upstream attempts by outcome.', this.attempts);
    counter(
      'agentcrate_gateway_fallbacks_total',
      'Moves to another target before the answer began.',
      this.fallbacks,
    );
    counter(
      'agentcrate_gateway_failovers_total',
      'Streams continued on another target after they began.',
      this.failovers,
    );
    counter('agentcrate_gateway_tokens_total', 'Tokens by upstream and direction.', this.tokens);
    counter(
      'agentcrate_gateway_cost_usd_total',
      'Estimated cost in US dollars by upstream (priced from the cost table).',
      this.cost,
    );
    counter(
      'agentcrate_gateway_refusals_total',
      'Requests refused before routing, by reason.',
      this.refusals,
    );
    histogram(
      'agentcrate_gateway_attempt_duration_seconds',
      'Duration of upstream attempts.',
      this.attemptSeconds,
    );
    histogram(
      'agentcrate_gateway_time_to_first_token_seconds',
      'Time to the first streamed token, per attempt.',
      this.ttftSeconds,
    );
    histogram(
      'agentcrate_gateway_request_duration_seconds',
      'Duration of chat requests.',
      this.requestSeconds,
    );
    out.push(
      '# HELP agentcrate_gateway_circuit_state Circuit of each upstream: 0 closed, 1 half-open, 2 open.',
      '# TYPE agentcrate_gateway_circuit_state gauge',
    );
    const states = { closed: 0, 'half-open': 1, open: 2 } as const;
    for (const u of pool.all())
      out.push(
        `agentcrate_gateway_circuit_state{${l1('upstream', u.config.name)}} ${states[u.breaker.state]}`,
      );
    out.push(
      '# HELP agentcrate_gateway_upstream_error_rate Recent share of failed attempts (moving average).',
      '# TYPE agentcrate_gateway_upstream_error_rate gauge',
    );
    for (const u of pool.all())
      out.push(
        `agentcrate_gateway_upstream_error_rate{${l1('upstream', u.config.name)}} ${u.stats.ewmaErrorRate}`,
      );
    out.push(
      '# HELP agentcrate_gateway_in_flight Chat requests being answered now.',
      '# TYPE agentcrate_gateway_in_flight gauge',
      `agentcrate_gateway_in_flight ${this.inFlight}`,
      '# HELP process_resident_memory_bytes Resident memory of the gateway process.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
    );
    return `${out.join('\n')}\n`;
  }
}
