/**
 * In-process Prometheus metrics. Counters live in plain fields (no client library: the
 * text format is small and this keeps the per-run cost at a few additions).
 */
import { getHeapSpaceStatistics } from 'node:v8';

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export type RunOutcome = 'completed' | 'failed' | 'cancelled';

export class Metrics {
  readonly runs: Record<RunOutcome, number> = { completed: 0, failed: 0, cancelled: 0 };
  readonly rejected = { queue_full: 0, unavailable: 0 };
  readonly tokens = { input: 0, output: 0 };
  readonly #bucketCounts = new Array<number>(DURATION_BUCKETS.length).fill(0);
  #durationSum = 0;
  #durationCount = 0;
  httpRequests = 0;

  recordRun(outcome: RunOutcome, durationMs: number): void {
    this.runs[outcome] += 1;
    const seconds = Math.max(0, durationMs) / 1000;
    this.#durationSum += seconds;
    this.#durationCount += 1;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (seconds <= DURATION_BUCKETS[i]!) this.#bucketCounts[i]! += 1;
    }
  }

  recordTokens(input: number, output: number): void {
    this.tokens.input += input;
    this.tokens.output += output;
  }

  render(gauges: { queueDepth: number; inFlight: number }): string {
    const lines: string[] = [
      '# HELP agentcrate_runs_total Finished workflow runs by final status.',
      '# TYPE agentcrate_runs_total counter',
    ];
    for (const [status, n] of Object.entries(this.runs))
      lines.push(`agentcrate_runs_total{status="${status}"} ${n}`);
    lines.push(
      '# HELP agentcrate_runs_rejected_total Runs refused before they were queued.',
      '# TYPE agentcrate_runs_rejected_total counter',
    );
    for (const [reason, n] of Object.entries(this.rejected)) {
      lines.push(`agentcrate_runs_rejected_total{reason="${reason}"} ${n}`);
    }
    lines.push(
      '# HELP agentcrate_run_duration_seconds Wall-clock duration of finished runs.',
      '# TYPE agentcrate_run_duration_seconds histogram',
    );
    // Buckets are cumulative already: recordRun adds to every bucket the value fits in.
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      lines.push(
        `agentcrate_run_duration_seconds_bucket{le="${DURATION_BUCKETS[i]}"} ${this.#bucketCounts[i]}`,
      );
    }
    lines.push(
      `agentcrate_run_duration_seconds_bucket{le="+Inf"} ${this.#durationCount}`,
      `agentcrate_run_duration_seconds_sum ${this.#durationSum}`,
      `agentcrate_run_duration_seconds_count ${this.#durationCount}`,
      '# HELP agentcrate_model_tokens_total Model tokens used, by direction.',
      '# TYPE agentcrate_model_tokens_total counter',
      `agentcrate_model_tokens_total{direction="input"} ${this.tokens.input}`,
      `agentcrate_model_tokens_total{direction="output"} ${this.tokens.output}`,
      '# HELP agentcrate_queue_depth Runs accepted and waiting for a free slot.',
      '# TYPE agentcrate_queue_depth gauge',
      `agentcrate_queue_depth ${gauges.queueDepth}`,
      '# HELP agentcrate_runs_in_flight Runs executing now.',
      '# TYPE agentcrate_runs_in_flight gauge',
      `agentcrate_runs_in_flight ${gauges.inFlight}`,
      '# HELP agentcrate_http_requests_total HTTP requests served.',
      '# TYPE agentcrate_http_requests_total counter',
      `agentcrate_http_requests_total ${this.httpRequests}`,
    );
    // Process memory, so an operator can tell V8 heap sizing apart from a real leak.
    const mem = process.memoryUsage();
    lines.push(
      '# HELP process_resident_memory_bytes Resident memory of the server process.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${mem.rss}`,
      '# HELP nodejs_heap_size_total_bytes V8 heap reserved.',
      '# TYPE nodejs_heap_size_total_bytes gauge',
      `nodejs_heap_size_total_bytes ${mem.heapTotal}`,
      '# HELP nodejs_heap_size_used_bytes V8 heap in use.',
      '# TYPE nodejs_heap_size_used_bytes gauge',
      `nodejs_heap_size_used_bytes ${mem.heapUsed}`,
      '# HELP nodejs_external_memory_bytes Memory of buffers and other objects outside the V8 heap.',
      '# TYPE nodejs_external_memory_bytes gauge',
      `nodejs_external_memory_bytes ${mem.external}`,
    );
    // Per heap space (the names prom-client uses), e.g. to tell a grown new space from old data.
    const spaces = getHeapSpaceStatistics();
    lines.push(
      '# HELP nodejs_heap_space_size_total_bytes V8 heap reserved, by space.',
      '# TYPE nodejs_heap_space_size_total_bytes gauge',
      ...spaces.map((s) => `nodejs_heap_space_size_total_bytes{space="${s.space_name}"} ${s.space_size}`),
      '# HELP nodejs_heap_space_size_used_bytes V8 heap in use, by space.',
      '# TYPE nodejs_heap_space_size_used_bytes gauge',
      ...spaces.map((s) => `nodejs_heap_space_size_used_bytes{space="${s.space_name}"} ${s.space_used_size}`),
    );
    return `${lines.join('\n')}\n`;
  }
}
