/** A replay beside its original: final state and outputs side by side, changed rows marked. */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { TableHead } from './table-head.js';
import { Value } from './values.js';

interface Row {
  key: string;
  original: unknown;
  replay: unknown;
  changed: boolean;
}

interface DiffAnswer {
  original: { job_id: string; status: string; nodes: Array<{ node: string; outcome: string }> };
  replay: { job_id: string; status: string; nodes: Array<{ node: string; outcome: string }> };
  state: Row[];
  outputs: Row[];
}

function Table({ title, rows }: { title: string; rows: Row[] }) {
  const changed = rows.filter((r) => r.changed).length;
  return (
    <div class="diff-table">
      <h3>
        {title} <span class="muted">{changed === 0 ? 'no change' : `${changed} changed`}</span>
      </h3>
      <table class="table diff">
        <TableHead columns={['Field', 'Original', 'Replay']} />
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} class={r.changed ? 'changed' : ''}>
              <th scope="row" class="mono">
                {r.changed && <span class="visually-hidden">changed: </span>}
                {r.key}
              </th>
              <td class="old">
                <Value value={r.original} />
              </td>
              <td class="new">
                <Value value={r.replay} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Diff({ jobId }: { jobId: string }) {
  const [diff, setDiff] = useState<DiffAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<DiffAnswer>(`/jobs/${encodeURIComponent(jobId)}/diff`)
      .then(setDiff)
      .catch((e: Error) => setError(e.message));
  }, [jobId]);
  if (error) return <p class="banner error">{error}</p>;
  if (!diff) return null;
  return (
    <section class="card diff-section" aria-label="Difference from the original run">
      <h2>Replay vs original</h2>
      <p class="muted">
        Original{' '}
        <a class="mono" href={`#/jobs/${encodeURIComponent(diff.original.job_id)}`}>
          {diff.original.job_id}
        </a>{' '}
        ran {diff.original.nodes.map((n) => n.node).join(' → ') || 'no nodes'}; the replay ran{' '}
        {diff.replay.nodes.map((n) => n.node).join(' → ') || 'no nodes'}.
      </p>
      <Table title="Outputs" rows={diff.outputs} />
      <Table title="Final state" rows={diff.state} />
    </section>
  );
}
