/**
 * Replay from node N: the state as it was just before N (rebuilt on the server from the
 * job's event log), one editable JSON value per field, then a dry or real run that starts at
 * N with it. Fields left untouched are not sent as edits.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type JobDetail, type JobView } from '../api.js';
import { go } from '../router.js';

interface Before {
  state: Record<string, unknown>;
  fields: Array<{ name: string; type: string; required: boolean }>;
}

export function ReplayPanel({ job, index, onClose }: { job: JobDetail; index: number; onClose: () => void }) {
  const [before, setBefore] = useState<Before | null>(null);
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [dryRun, setDryRun] = useState(job.dry_run !== false);
  const [error, setError] = useState<string | null>(null);
  const node = job.executions[index]?.node ?? '?';
  useEffect(() => {
    setError(null);
    const file = job.file ? `?file=${encodeURIComponent(job.file)}` : '';
    api<Before>(`/jobs/${encodeURIComponent(job.job_id)}/state-before/${index}${file}`)
      .then((b) => {
        setBefore(b);
        setTexts(
          Object.fromEntries(Object.entries(b.state).map(([k, v]) => [k, JSON.stringify(v, null, 2)])),
        );
      })
      .catch((e: Error) => setError(e.message));
  }, [job.job_id, index]);

  const start = async (e: Event) => {
    e.preventDefault();
    if (!before) return;
    const edits: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(texts)) {
      if (t === JSON.stringify(before.state[k], null, 2)) continue;
      try {
        edits[k] = JSON.parse(t);
      } catch {
        setError(`${k}: not valid JSON (strings need "quotes")`);
        return;
      }
    }
    try {
      const r = await api<JobView>(`/jobs/${encodeURIComponent(job.job_id)}/replay`, {
        body: { index, edits, dryRun, ...(job.file ? { file: job.file } : {}) },
      });
      go({ page: 'job', id: r.job_id });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };

  return (
    <section class="card replay" aria-label="Replay">
      <div class="card-head">
        <h2>
          Replay from <span class="mono">{node}</span> (step {index + 1})
        </h2>
        <button type="button" class="small" onClick={onClose}>
          Close
        </button>
      </div>
      <p class="muted">
        The state just before {node} ran. Edit any value, then run from {node} on.
      </p>
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      {before && (
        <form onSubmit={(e) => void start(e)}>
          <div class="state-grid">
            {before.fields.map((f) => (
              <div class="field" key={f.name}>
                <label for={`rp-${f.name}`}>
                  {f.name} <span class="type">{f.type}</span>
                  {texts[f.name] !== JSON.stringify(before.state[f.name], null, 2) && (
                    <span class="badge neutral">edited</span>
                  )}
                </label>
                <textarea
                  id={`rp-${f.name}`}
                  class="mono"
                  rows={Math.min(8, Math.max(1, (texts[f.name] ?? '').split('\n').length))}
                  value={texts[f.name]}
                  onInput={(e) => setTexts({ ...texts, [f.name]: (e.target as HTMLTextAreaElement).value })}
                />
              </div>
            ))}
          </div>
          <div class="form-actions">
            <label class="switch">
              <input
                type="checkbox"
                checked={dryRun}
                onChange={(e) => setDryRun((e.target as HTMLInputElement).checked)}
              />
              <span>Dry run</span>
            </label>
            <button type="submit" class="primary">
              Replay from {node}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
