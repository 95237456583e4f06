/**
 * A run's trace: the shared waterfall (`/assets/traces.js`, the same one as the API server's
 * `/ui` page) over `GET /api/traces/{id}`, with tokens and cost per row.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';

interface TraceBody {
  trace_id: string;
  run: {
    job_id: string | null;
    status: string;
    duration_ms: number;
    input_tokens: number;
    output_tokens: number;
    cost_usd: number | null;
    cost_unknown: boolean;
  };
  spans: unknown[];
}

declare global {
  interface Window {
    agentcrateTraces?: {
      draw(waterfall: HTMLElement, attrs: HTMLElement, body: TraceBody): void;
      runTitle(body: TraceBody): string;
      fmtMs(ms: number): string;
      fmtCost(usd: number | null, unknown: boolean): string;
    };
  }
}

export function Trace({ jobId, version }: { jobId: string; version: number }) {
  const wf = useRef<HTMLDivElement>(null);
  const attrs = useRef<HTMLDivElement>(null);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api<TraceBody>(`/traces/${encodeURIComponent(jobId)}`)
      .then((body) => {
        const t = window.agentcrateTraces;
        if (!live || !t || !wf.current || !attrs.current) return;
        t.draw(wf.current, attrs.current, body);
        setTitle(t.runTitle(body));
        setError(null);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [jobId, version]);
  return (
    <section class="trace" aria-label="Trace">
      <h3>Trace</h3>
      {error && <p class="muted">{error}</p>}
      {title && <p class="trace-title">{title}</p>}
      <div class="trace-grid">
        <div ref={wf} />
        <div ref={attrs} />
      </div>
    </section>
  );
}
