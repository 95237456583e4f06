// Load with autocannon against 127.0.0.1, bounded both in time and in request count. A run
// counts only when the response body says it succeeded (verifyBody), so a peer that answers
// 200 with a failed run is not credited with throughput.
import autocannon from 'autocannon';

export function load(system, base, workflow, { connections, durationSec, amount, timeoutSec = 30 }) {
  const req = system.runRequest(workflow);
  return new Promise((resolve, reject) => {
    const options = {
      url: base + req.path,
      method: req.method,
      headers: req.headers,
      body: req.body,
      connections,
      pipelining: 1,
      timeout: timeoutSec,
      verifyBody: (text) => system.isSuccess(200, text),
    };
    // Both bounds always apply: `amount` stops after that many requests, a timer after the time.
    if (amount) options.amount = amount;
    else options.duration = durationSec;
    const instance = autocannon(options, (error, result) => {
      clearTimeout(guard);
      if (error) reject(error);
      else resolve(summarize(result));
    });
    const limitSec = amount ? (durationSec ?? 120) : durationSec + timeoutSec + 5;
    const guard = setTimeout(() => instance.stop(), limitSec * 1000);
  });
}

function summarize(r) {
  const ok = Math.max(0, (r['2xx'] ?? 0) - (r.mismatches ?? 0));
  const seconds = r.duration || 1;
  return {
    runs_ok: ok,
    runs_per_s: ok / seconds,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    errors: (r.errors ?? 0) + (r.timeouts ?? 0) + (r.non2xx ?? 0) + (r.mismatches ?? 0),
    seconds,
  };
}
