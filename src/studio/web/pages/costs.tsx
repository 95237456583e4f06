/**
 * Costs over time by model or by workflow: the data of `agentcrate report costs` (same spans,
 * same aggregation) in time buckets, drawn with uPlot, with the totals table beside it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api } from '../api.js';
import { TableHead } from '../components/table-head.js';

interface Series {
  key: string;
  costUsd: number[];
  tokens: number[];
  unpricedCalls: number;
}
interface Row {
  key: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  unpricedCalls: number;
}
interface CostsAnswer {
  bucket_ms: number;
  runs: number;
  by_model: { buckets: number[]; series: Series[] };
  by_workflow: { buckets: number[]; series: Series[] };
  totals: { model: { rows: Row[]; total: Row }; workflow: { rows: Row[]; total: Row } };
}

const PALETTE = ['#0969da', '#1a7f37', '#bf3989', '#bc4c00', '#8250df', '#116329', '#9a6700', '#cf222e'];
const usd = (v: number) => (v === 0 ? '$0' : v < 0.01 ? `$${v.toPrecision(2)}` : `$${v.toFixed(4)}`);

function Chart({
  data,
  metric,
}: {
  data: { buckets: number[]; series: Series[] };
  metric: 'cost' | 'tokens';
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const series = data.series.slice(0, PALETTE.length);
    const plot = new uPlot(
      {
        width: Math.max(host.current.clientWidth, 320),
        height: 280,
        scales: { x: { time: true } },
        axes: [
          {},
          {
            values: (_u, ticks) => ticks.map((t) => (metric === 'cost' ? usd(t) : t.toLocaleString())),
            size: 70,
          },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.key,
            stroke: PALETTE[i]!,
            fill: `${PALETTE[i]!}22`,
            width: 2,
            points: { show: true, size: 5 },
            value: (_u: uPlot, v: number | null) =>
              v === null ? '—' : metric === 'cost' ? usd(v) : v.toLocaleString(),
          })),
        ],
      },
      [data.buckets.map((b) => b / 1000), ...series.map((s) => (metric === 'cost' ? s.costUsd : s.tokens))],
      host.current,
    );
    return () => plot.destroy();
  }, [data, metric]);
  return <div class="chart" ref={host} role="img" aria-label={`${metric} over time`} />;
}

export function CostsPage() {
  const [since, setSince] = useState('7d');
  const [by, setBy] = useState<'model' | 'workflow'>('model');
  const [metric, setMetric] = useState<'cost' | 'tokens'>('cost');
  const [data, setData] = useState<CostsAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<CostsAnswer>(`/costs?since=${since}`).then(
      (d) => {
        setData(d);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  }, [since]);
  const totals = data?.totals[by];
  return (
    <div class="page costs">
      <header class="page-head">
        <div>
          <h1>Costs</h1>
          <p class="muted">
            Model tokens and estimated cost from the stored runs — the numbers of{' '}
            <code>agentcrate report costs</code>.
          </p>
        </div>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label>
            Window
            <select value={since} onChange={(e) => setSince((e.target as HTMLSelectElement).value)}>
              <option value="1h">last hour</option>
              <option value="24h">last 24 hours</option>
              <option value="7d">last 7 days</option>
              <option value="30d">last 30 days</option>
            </select>
          </label>
          <label>
            By
            <select
              value={by}
              onChange={(e) => setBy((e.target as HTMLSelectElement).value as 'model' | 'workflow')}
            >
              <option value="model">model</option>
              <option value="workflow">workflow</option>
            </select>
          </label>
          <label>
            Show
            <select
              value={metric}
              onChange={(e) => setMetric((e.target as HTMLSelectElement).value as 'cost' | 'tokens')}
            >
              <option value="cost">cost (USD)</option>
              <option value="tokens">tokens</option>
            </select>
          </label>
        </form>
      </header>
      {error && <p class="banner error">{error}</p>}
      {data && (
        <div class="card">
          {data.by_model.series.length === 0 ? (
            <p class="muted">
              No model calls in this window{data.runs ? ` (${data.runs} runs without model calls)` : ''}.
            </p>
          ) : (
            <Chart data={by === 'model' ? data.by_model : data.by_workflow} metric={metric} />
          )}
        </div>
      )}
      {totals && totals.rows.length > 0 && (
        <table class="table">
          <TableHead
            columns={[
              by,
              { label: 'Calls', num: true },
              { label: 'Tokens in', num: true },
              { label: 'Tokens out', num: true },
              { label: 'Cost', num: true },
            ]}
          />
          <tbody>
            {[...totals.rows, totals.total].map((r) => (
              <tr key={r.key} class={r.key === 'total' ? 'total' : ''}>
                <td class="mono">{r.key}</td>
                <td class="num">{r.calls}</td>
                <td class="num">{r.inputTokens.toLocaleString()}</td>
                <td class="num">{r.outputTokens.toLocaleString()}</td>
                <td class="num">
                  {usd(r.costUsd)}
                  {r.unpricedCalls > 0 && (
                    <span class="muted" title="calls to models without a known price">
                      {' '}
                      +{r.unpricedCalls} unpriced
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
