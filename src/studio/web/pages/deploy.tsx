/**
 * Deploy a workflow: its environment (values go to the server once and never come back: the
 * page only ever shows names and whether they are set), Deploy with every step and the build
 * log streamed live, and the deployed containers.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, stream, type WorkflowSummary } from '../api.js';
import { Containers } from '../components/containers.js';
import { TableHead } from '../components/table-head.js';
import { go } from '../router.js';

interface EnvVar {
  name: string;
  set: boolean;
  required: boolean;
  secret: boolean;
  description: string | null;
  declared: boolean;
}

interface EnvReport {
  folder: string;
  vars: EnvVar[];
  missing: string[];
  problems: string[];
  added?: string[];
}

interface Progress {
  phase: string;
  message: string;
  step?: number;
  total?: number;
  elapsedMs: number;
  warning?: boolean;
}

function quoteEnv(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function EnvTable({ vars, onRemove }: { vars: EnvVar[]; onRemove: (name: string) => Promise<void> }) {
  return (
    <table class="table env">
      <TableHead columns={['Variable', 'Value', 'Needed for']} actions />
      <tbody>
        {vars.map((v) => (
          <tr key={v.name} class={v.set ? '' : v.required ? 'unset required' : 'unset'}>
            <td class="mono">
              {v.name}
              {v.required && <span class="badge bad">required</span>}
            </td>
            <td>
              {v.set ? (
                <span class="masked">
                  ••••••••<span class="visually-hidden"> set, hidden</span>
                </span>
              ) : (
                <span class="muted">not set</span>
              )}
            </td>
            <td class="muted">{v.description ?? (v.declared ? '' : 'not used by this workflow')}</td>
            <td>
              {v.set && (
                <button type="button" class="small" onClick={() => void onRemove(v.name)}>
                  Remove
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EnvSection({ name, onReport }: { name: string; onReport: (r: EnvReport) => void }) {
  const [report, setReport] = useState<EnvReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const varName = useRef<HTMLInputElement>(null);
  const varValue = useRef<HTMLInputElement>(null);
  const show = (r: EnvReport) => {
    setReport(r);
    onReport(r);
  };
  useEffect(() => {
    api<EnvReport>(`/deploy/env?name=${encodeURIComponent(name)}`).then(show, (e: Error) =>
      setError(e.message),
    );
  }, [name]);

  // The text goes straight to the server: it is never put into the page.
  const send = async (text: string, how: string) => {
    setError(null);
    setNote(null);
    try {
      const r = await api<EnvReport>('/deploy/env', { body: { name, text } });
      show(r);
      setNote(
        `${how}: ${r.added?.length ?? 0} variable(s) stored in the deploy folder's .env (${r.added?.join(', ') || 'none'}).`,
      );
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const remove = async (variable: string) => {
    show(await api<EnvReport>('/deploy/env/remove', { body: { name, variable } }));
  };

  return (
    <section class="card" aria-labelledby="env-h">
      <h2 id="env-h">Environment</h2>
      <p class="muted">
        Stored only in <code>{report?.folder ?? 'the deploy folder'}/.env</code> (mode 0600), passed to the
        container at run time, never shown again.
      </p>
      <button
        type="button"
        class="paste-zone"
        onPaste={(e) => {
          e.preventDefault();
          const text = e.clipboardData?.getData('text/plain') ?? '';
          if (text.trim()) void send(text, 'Pasted');
        }}
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          const file = e.dataTransfer?.files[0];
          if (file) void file.text().then((t) => send(t, `Uploaded ${file.name}`));
        }}
      >
        <strong>Paste a .env here</strong>
        <span class="muted">click, then Ctrl+V — or drop a file</span>
      </button>
      <div class="env-actions">
        <label class="button">
          Upload .env…
          <input
            type="file"
            class="visually-hidden"
            onChange={(e) => {
              const input = e.target as HTMLInputElement;
              const file = input.files?.[0];
              if (file) void file.text().then((t) => send(t, `Uploaded ${file.name}`));
              input.value = '';
            }}
          />
        </label>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            const n = varName.current?.value.trim() ?? '';
            const v = varValue.current?.value ?? '';
            if (varValue.current) varValue.current.value = '';
            if (n) void send(`${n}=${quoteEnv(v)}`, `Set ${n}`);
          }}
        >
          <label for="var-name" class="visually-hidden">
            Variable name
          </label>
          <input id="var-name" ref={varName} placeholder="NAME" autocomplete="off" class="mono" />
          <label for="var-value" class="visually-hidden">
            Value
          </label>
          <input
            id="var-value"
            ref={varValue}
            type="password"
            placeholder="value"
            autocomplete="new-password"
          />
          <button type="submit">Set</button>
        </form>
      </div>
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      {note && (
        <p class="banner ok" role="status">
          {note}
        </p>
      )}
      {report && (
        <>
          {report.missing.length > 0 && <p class="banner error">Missing: {report.missing.join(', ')}</p>}
          {report.problems.map((p) => (
            <p class="banner warn" key={p}>
              {p}
            </p>
          ))}
          <EnvTable vars={report.vars.filter((v) => v.set || v.secret || v.required)} onRemove={remove} />
          {report.vars.some((v) => !v.set && !v.secret && !v.required) && (
            <details class="optional-vars">
              <summary>
                Optional server settings (
                {report.vars.filter((v) => !v.set && !v.secret && !v.required).length})
              </summary>
              <EnvTable
                vars={report.vars.filter((v) => !v.set && !v.secret && !v.required)}
                onRemove={remove}
              />
            </details>
          )}
        </>
      )}
    </section>
  );
}

function DeploySection({ name, ready }: { name: string; ready: boolean }) {
  const [port, setPort] = useState('8000');
  const [container, setContainer] = useState('');
  const [baseImage, setBaseImage] = useState('');
  const [lines, setLines] = useState<Progress[]>([]);
  const [state, setState] = useState<'idle' | 'running' | 'done' | 'failed'>('idle');
  const [result, setResult] = useState<{
    urls?: { api: string; docs: string; ui: string };
    containerName?: string;
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const log = useRef<HTMLOListElement>(null);
  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [lines]);

  const start = async (e: Event) => {
    e.preventDefault();
    setLines([]);
    setError(null);
    setResult(null);
    setState('running');
    try {
      const d = await api<{ id: string }>('/deploy', {
        body: {
          name,
          port: Number(port),
          ...(container ? { container } : {}),
          ...(baseImage ? { baseImage } : {}),
        },
      });
      const close = stream(`/deployments/${d.id}/events`, {
        progress: (data) => setLines((l) => [...l, (JSON.parse(data) as { event: Progress }).event]),
        done: (data) => {
          setResult((JSON.parse(data) as { result: typeof result }).result);
          setState('done');
          close();
        },
        error: (data) => {
          setError((JSON.parse(data) as { error: { message: string } }).error.message);
          setState('failed');
          close();
        },
      });
    } catch (err) {
      setError((err as Error).message);
      setState('failed');
    }
  };

  return (
    <section class="card" aria-labelledby="deploy-h">
      <h2 id="deploy-h">Deploy</h2>
      <form class="deploy-form" onSubmit={(e) => void start(e)}>
        <label>
          Host port
          <input
            type="number"
            min={1}
            max={65535}
            value={port}
            onInput={(e) => setPort((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Container name
          <input
            value={container}
            placeholder="(the flow name)"
            onInput={(e) => setContainer((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Base image
          <input
            value={baseImage}
            placeholder="node:24-slim"
            onInput={(e) => setBaseImage((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="primary" disabled={state === 'running' || !ready}>
          {state === 'running' ? 'Deploying…' : 'Deploy'}
        </button>
      </form>
      {!ready && <p class="muted">Set the missing variables first.</p>}
      {lines.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must be reachable by keyboard
        <ol tabIndex={0} class="build-log mono" ref={log} aria-live="polite" aria-label="Deploy log">
          {lines.map((l, i) => (
            <li key={i} class={l.warning ? 'warn' : ''}>
              <span class="t">{(l.elapsedMs / 1000).toFixed(1)}s</span>
              <span class={`phase ${l.phase}`}>{l.phase}</span>
              {l.step !== undefined && l.step > 0 && (
                <span class="muted">
                  step {l.step}
                  {l.total ? `/${l.total}` : ''}
                </span>
              )}
              <span class="msg">{l.message}</span>
            </li>
          ))}
        </ol>
      )}
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      {result?.urls && (
        <p class="banner ok" role="status">
          {result.containerName} is healthy:{' '}
          <a href={result.urls.api.replace(/\/run$/, '/docs')} target="_blank" rel="noreferrer">
            API docs
          </a>{' '}
          ·{' '}
          <a href={result.urls.ui} target="_blank" rel="noreferrer">
            traces
          </a>
        </p>
      )}
    </section>
  );
}

export function DeployPage({ name }: { name: string | null }) {
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>([]);
  const [report, setReport] = useState<EnvReport | null>(null);
  useEffect(() => {
    void api<{ workflows: WorkflowSummary[] }>('/workflows').then((r) =>
      setWorkflows(r.workflows.filter((w) => w.valid)),
    );
  }, []);
  return (
    <div class="page deploy">
      <header class="page-head">
        <div>
          <h1>Deploy</h1>
          <p class="muted">
            The same pipeline as <code>agentcrate deploy</code>: bundle, hardened image, container, health.
          </p>
        </div>
        <label class="inline-label">
          Workflow
          <select
            value={name ?? ''}
            onChange={(e) => go({ page: 'deploy', name: (e.target as HTMLSelectElement).value || null })}
          >
            <option value="">choose…</option>
            {workflows.map((w) => (
              <option key={w.name} value={w.name}>
                {w.name}
              </option>
            ))}
          </select>
        </label>
      </header>
      {name && (
        <div class="deploy-grid">
          <EnvSection name={name} onReport={setReport} />
          <DeploySection name={name} ready={report !== null && report.missing.length === 0} />
        </div>
      )}
      <Containers />
    </div>
  );
}
