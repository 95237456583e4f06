/**
 * One workflow: the YAML editor (markers from the CLI's validator as the author types), the
 * problems list, the graph of the last valid version (click a node → its YAML), and the run
 * form generated from the state schema. Saving writes the file; running runs what is in the
 * editor, saved or not.
 */
import type { EditorView } from '@codemirror/view';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Analysis, ApiError, api, type Graph, type JobView, type JsonSchema } from '../api.js';
import { WorkflowGraph } from '../components/graph.js';
import { type FieldErrors, RunForm } from '../components/run-form.js';
import { createEditor, jumpToLine } from '../editor/codemirror.js';
import { go } from '../router.js';

let schemaCache: JsonSchema | undefined;
void api<JsonSchema>('/schema').then((s) => {
  schemaCache = s;
});

interface FileAnswer extends Analysis {
  name: string;
  text: string;
}

export function EditorPage({ name }: { name: string }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [graph, setGraph] = useState<Graph | null>(null);
  const [inputs, setInputs] = useState<JsonSchema | null>(null);
  const [tab, setTab] = useState<'graph' | 'run'>('graph');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const textRef = useRef('');

  const apply = useCallback((a: Analysis) => {
    setAnalysis(a);
    if (a.graph) setGraph(a.graph);
    if (a.inputs) setInputs(a.inputs);
  }, []);

  useEffect(() => {
    let live = true;
    setMessage(null);
    api<FileAnswer>(`/workflows/file?name=${encodeURIComponent(name)}`)
      .then((f) => {
        if (!live || !host.current) return;
        setSaved(f.text);
        setText(f.text);
        textRef.current = f.text;
        apply(f);
        view.current?.destroy();
        view.current = createEditor({
          parent: host.current,
          text: f.text,
          schema: () => schemaCache,
          validate: async (t) => {
            const a = await api<Analysis>('/validate', { body: { name, text: t } });
            if (t === textRef.current) apply(a);
            return a;
          },
          onChange: (t) => {
            textRef.current = t;
            setText(t);
          },
          onSave: () => void save(),
        });
      })
      .catch((e: Error) => setMessage({ kind: 'error', text: e.message }));
    return () => {
      live = false;
      view.current?.destroy();
      view.current = null;
    };
  }, [name]);

  const save = async () => {
    const body = textRef.current;
    try {
      const a = await api<Analysis>('/workflows/file', { method: 'PUT', body: { name, text: body } });
      setSaved(body);
      apply(a);
      setMessage({ kind: 'ok', text: a.valid ? 'Saved.' : 'Saved (the workflow still has errors).' });
    } catch (e) {
      setMessage({ kind: 'error', text: (e as Error).message });
    }
  };

  const run = async (values: Record<string, unknown>, dryRun: boolean) => {
    setBusy(true);
    setServerErrors({});
    setMessage(null);
    try {
      const job = await api<JobView>('/runs', {
        body: { name, text: textRef.current, inputs: values, dryRun },
      });
      go({ page: 'job', id: job.job_id });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'E_INVALID_INPUT') {
        const issues = (e.details.issues as Array<{ path: string; message: string }> | undefined) ?? [];
        setServerErrors(Object.fromEntries(issues.map((i) => [i.path.split(/[.[]/)[0]!, i.message])));
      }
      setMessage({ kind: 'error', text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const dirty = saved !== null && text !== saved;
  const diagnostics = analysis?.diagnostics ?? [];
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return (
    <div class="page editor-page">
      <header class="page-head">
        <div>
          <h1 class="mono">
            {name}
            {dirty && (
              <span class="dirty" title="unsaved changes">
                {' '}
                ●<span class="visually-hidden">unsaved changes</span>
              </span>
            )}
          </h1>
          <p class="muted">
            {analysis === null ? (
              'Loading…'
            ) : analysis.valid ? (
              <span class="badge ok">valid</span>
            ) : (
              <span class="badge bad">
                {errors} error{errors === 1 ? '' : 's'}
              </span>
            )}{' '}
            {analysis?.flowName && <span>flow {analysis.flowName}</span>}
          </p>
        </div>
        <div class="actions">
          <button type="button" class="primary" onClick={() => void save()} disabled={!dirty}>
            Save <kbd>Ctrl S</kbd>
          </button>
          <a class="button" href={`#/deploy/${encodeURI(name)}`}>
            Deploy…
          </a>
        </div>
      </header>
      {message && (
        <p class={`banner ${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      <div class="split">
        <section class="editor-col" aria-label="Editor">
          <div class="cm-host" ref={host} />
          <div class="problems" aria-live="polite">
            <h2>
              Problems <span class="count">{diagnostics.length}</span>
            </h2>
            {diagnostics.length === 0 ? (
              <p class="muted">No problems: the validator accepts this workflow.</p>
            ) : (
              <ul>
                {diagnostics.map((d, i) => (
                  <li key={i} class={d.severity}>
                    <button
                      type="button"
                      class="link"
                      onClick={() => d.line && view.current && jumpToLine(view.current, d.line)}
                    >
                      <span class="pos mono">
                        {d.line ?? '?'}:{d.column ?? '?'}
                      </span>{' '}
                      <span class="sev">{d.severity}</span> {d.path && <code>{d.path}</code>} {d.message}
                      {d.suggestion && <em> did you mean '{d.suggestion}'?</em>}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </section>
        <section class="side-col" aria-label="Graph and run">
          <div class="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === 'graph'} onClick={() => setTab('graph')}>
              Graph
            </button>
            <button type="button" role="tab" aria-selected={tab === 'run'} onClick={() => setTab('run')}>
              Run
            </button>
          </div>
          {tab === 'graph' ? (
            graph ? (
              <>
                {analysis && !analysis.valid && (
                  <p class="banner warn">The YAML has errors: showing the last valid version.</p>
                )}
                {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling graph must be reachable by keyboard */}
                <div tabIndex={0} class="graph-scroll">
                  <WorkflowGraph
                    graph={graph}
                    stale={analysis?.valid === false}
                    onJump={(line) => view.current && jumpToLine(view.current, line)}
                  />
                </div>
              </>
            ) : (
              <p class="muted pad">Fix the errors to see the graph.</p>
            )
          ) : inputs ? (
            <RunForm
              schema={inputs}
              serverErrors={serverErrors}
              busy={busy}
              onRun={(v, d) => void run(v, d)}
            />
          ) : (
            <p class="muted pad">Fix the errors to run the workflow.</p>
          )}
        </section>
      </div>
    </div>
  );
}
