/** Stored jobs (this studio's runs and any server's on the same store), filtered by status, workflow and time. */
import { useEffect, useState } from 'preact/hooks';
import { api, type JobView } from '../api.js';
import { TableHead } from '../components/table-head.js';

const WINDOWS: Array<[string, number | null]> = [
  ['any time', null],
  ['last hour', 3_600_000],
  ['last 24 hours', 86_400_000],
  ['last 7 days', 7 * 86_400_000],
  ['last 30 days', 30 * 86_400_000],
];

export function HistoryPage() {
  const [status, setStatus] = useState('');
  const [workflow, setWorkflow] = useState('');
  const [window, setWindow] = useState(0);
  const [jobs, setJobs] = useState<JobView[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [names, setNames] = useState<string[]>([]);

  useEffect(() => {
    const q = new URLSearchParams({ limit: '100' });
    if (status) q.set('status', status);
    if (workflow) q.set('workflow', workflow);
    const ms = WINDOWS[window]![1];
    if (ms !== null) q.set('since', String(Date.now() - ms));
    api<{ jobs: JobView[]; more: boolean }>(`/jobs?${q}`)
      .then((r) => {
        setJobs(r.jobs);
        setMore(r.more);
        setError(null);
        if (!workflow) setNames([...new Set(r.jobs.map((j) => j.workflow))].sort());
      })
      .catch((e: Error) => setError(e.message));
  }, [status, workflow, window]);

  return (
    <div class="page history">
      <header class="page-head">
        <div>
          <h1>History</h1>
          <p class="muted">
            Every stored run: open one to see its trace, replay it from any node, or compare.
          </p>
        </div>
      </header>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            {['completed', 'failed', 'cancelled', 'running', 'pending'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Workflow
          <select value={workflow} onChange={(e) => setWorkflow((e.target as HTMLSelectElement).value)}>
            <option value="">all</option>
            {names.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <label>
          Time
          <select value={window} onChange={(e) => setWindow(Number((e.target as HTMLSelectElement).value))}>
            {WINDOWS.map(([label], i) => (
              <option key={label} value={i}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {error && <p class="banner error">{error}</p>}
      {jobs === null ? (
        <p class="muted">Loading…</p>
      ) : jobs.length === 0 ? (
        <div class="empty card">
          <h2>No runs match</h2>
          <p>Run a workflow from its editor, or widen the filters.</p>
        </div>
      ) : (
        <table class="table">
          <TableHead
            columns={[
              'Status',
              'Job',
              'Workflow',
              'Started',
              { label: 'Duration', num: true },
              { label: 'Tokens', num: true },
              'Kind',
            ]}
          />
          <tbody>
            {jobs.map((j) => (
              <tr key={j.job_id}>
                <td>
                  <span class={`badge status-${j.status}`}>{j.status}</span>
                </td>
                <td>
                  <a class="mono" href={`#/jobs/${encodeURIComponent(j.job_id)}`}>
                    {j.job_id}
                  </a>
                </td>
                <td>{j.workflow}</td>
                <td class="muted">{new Date(j.created_at).toLocaleString()}</td>
                <td class="num">
                  {j.execution_time_ms === null ? '—' : `${(j.execution_time_ms / 1000).toFixed(2)} s`}
                </td>
                <td class="num">{j.usage.input_tokens + j.usage.output_tokens}</td>
                <td>
                  {j.origin?.replayOf ? <span class="badge neutral">replay</span> : null}
                  {j.dry_run ? <span class="badge neutral">dry run</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {more && <p class="muted">Showing the newest 100; narrow the filters to see older runs.</p>}
    </div>
  );
}
