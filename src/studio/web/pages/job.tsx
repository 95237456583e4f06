/**
 * One job: live node-by-node progress over SSE (on the graph and as a list), outputs by
 * type, the trace waterfall with tokens and cost per node, and replay from any node with the
 * state as it was before it (editable). A replay shows its diff against the original.
 */
import { useEffect, useState } from 'preact/hooks';
import { type Analysis, api, type Graph, type JobDetail, stream } from '../api.js';
import { Diff } from '../components/diff.js';
import { type NodeStatus, WorkflowGraph } from '../components/graph.js';
import { ReplayPanel } from '../components/replay-panel.js';
import { Trace } from '../components/trace.js';
import { Outputs } from '../components/values.js';

interface LiveStep {
  node: string;
  state: NodeStatus;
  ms?: number;
}

export function JobPage({ id }: { id: string }) {
  const [job, setJob] = useState<JobDetail | null>(null);
  const [graph, setGraph] = useState<Graph | null>(null);
  const [steps, setSteps] = useState<LiveStep[]>([]);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [replayFrom, setReplayFrom] = useState<number | null>(null);

  const load = () =>
    api<JobDetail>(`/jobs/${encodeURIComponent(id)}`)
      .then((j) => {
        setJob(j);
        setVersion((v) => v + 1);
        return j;
      })
      .catch((e: Error) => {
        setError(e.message);
        return null;
      });

  useEffect(() => {
    setJob(null);
    setSteps([]);
    setReplayFrom(null);
    let close = () => {};
    void load().then((j) => {
      if (!j) return;
      if (j.file) {
        void api<Analysis>(`/workflows/file?name=${encodeURIComponent(j.file)}`).then(
          (f) => f.graph && setGraph(f.graph),
        );
      }
      close = stream(`/jobs/${encodeURIComponent(id)}/events`, {
        'node-start': (data) => {
          const e = JSON.parse(data) as { nodeId: string; parallelIndex?: number };
          if (e.parallelIndex !== undefined) return;
          setSteps((s) => [...s, { node: e.nodeId, state: 'running' }]);
        },
        'node-end': (data) => {
          const e = JSON.parse(data) as {
            nodeId: string;
            ok: boolean;
            durationMs: number;
            parallelIndex?: number;
          };
          if (e.parallelIndex !== undefined) return;
          setSteps((s) => {
            const i = s.map((x) => x.node).lastIndexOf(e.nodeId);
            if (i < 0) return s;
            const next = [...s];
            next[i] = { node: e.nodeId, state: e.ok ? 'done' : 'failed', ms: e.durationMs };
            return next;
          });
          setVersion((v) => v + 1);
        },
        end: () => {
          close();
          void load();
        },
      });
    });
    return () => close();
  }, [id]);

  if (error)
    return (
      <p class="banner error" role="alert">
        {error}
      </p>
    );
  if (!job) return <p class="muted pad">Loading…</p>;
  const status: Record<string, NodeStatus> = {};
  for (const s of steps) status[s.node] = s.state;
  const finished = ['completed', 'failed', 'cancelled'].includes(job.status);
  return (
    <div class="page job-page">
      <header class="page-head">
        <div>
          <h1>
            Run <span class="mono">{job.job_id}</span>
          </h1>
          <p class="muted">
            <span class={`badge status-${job.status}`}>{job.status}</span> {job.workflow}
            {job.dry_run ? <span class="badge neutral">dry run</span> : null}
            {job.execution_time_ms !== null && ` · ${(job.execution_time_ms / 1000).toFixed(2)} s`}
            {` · ${job.usage.input_tokens + job.usage.output_tokens} tokens`}
            {job.origin?.replayOf && (
              <>
                {' · replay of '}
                <a class="mono" href={`#/jobs/${encodeURIComponent(job.origin.replayOf)}`}>
                  {job.origin.replayOf.slice(0, 13)}…
                </a>
                {` from ${job.origin.fromNode ?? '?'}`}
              </>
            )}
          </p>
        </div>
        <div class="actions">
          {job.file && (
            <a class="button" href={`#/edit/${encodeURI(job.file)}`}>
              Open {job.file}
            </a>
          )}
          {!finished && (
            <button
              type="button"
              onClick={() => void api(`/jobs/${encodeURIComponent(id)}/cancel`, { body: {} }).then(load)}
            >
              Cancel
            </button>
          )}
        </div>
      </header>
      {job.error && (
        <p class="banner error" role="alert">
          <strong>{job.error.code}</strong> {job.error.message}
        </p>
      )}
      <div class="job-grid">
        <section aria-label="Progress" class="card">
          <h2>Progress</h2>
          {graph && (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling graph must be reachable by keyboard
            <div tabIndex={0} class="graph-scroll small">
              <WorkflowGraph graph={graph} status={status} />
            </div>
          )}
          <ol class="steps">
            {(steps.length > 0
              ? steps
              : job.executions.map(
                  (e): LiveStep => ({
                    node: e.node,
                    state: e.outcome === 'ok' ? 'done' : e.outcome === 'failed' ? 'failed' : 'running',
                  }),
                )
            ).map((s, i) => (
              <li key={i} class={`step ${s.state}`}>
                <span class="dot" aria-hidden="true" />
                <span class="mono">{s.node}</span>
                <span class="muted">{s.state}</span>
                {s.ms !== undefined && <span class="muted">{Math.round(s.ms)} ms</span>}
                {finished && job.executions[i] && !job.executions[i]!.mapped && (
                  <button type="button" class="small" onClick={() => setReplayFrom(i)}>
                    Replay from here
                  </button>
                )}
              </li>
            ))}
          </ol>
        </section>
        <section aria-label="Outputs" class="card">
          <h2>Outputs</h2>
          {job.outputs ? (
            <Outputs outputs={job.outputs} />
          ) : (
            <p class="muted">{finished ? 'No outputs.' : 'Running…'}</p>
          )}
        </section>
      </div>
      {replayFrom !== null && (
        <ReplayPanel job={job} index={replayFrom} onClose={() => setReplayFrom(null)} />
      )}
      {job.origin?.replayOf && finished && <Diff jobId={job.job_id} />}
      <Trace jobId={job.job_id} version={version} />
    </div>
  );
}
