/** The folder's workflows with their validity; new, upload (file or drop) and paste. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type WorkflowSummary } from '../api.js';
import { TableHead } from '../components/table-head.js';
import { go } from '../router.js';

const TEMPLATE = `schema_version: "1.0"

flow:
  name: my_workflow
  description: What this workflow does

state:
  fields:
    topic:
      type: str
      required: true
      description: What to write about
    summary:
      type: str
      default: ""

nodes:
  - id: summarise
    prompt: Write a three-sentence summary of {topic}.
    outputs: [summary]
    output_schema:
      type: str

edges:
  - {from: START, to: summarise}
  - {from: summarise, to: END}

config:
  llm:
    provider: openai
    model: gpt-4o-mini
`;

function ago(ms: number): string {
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

export function WorkflowsPage() {
  const [list, setList] = useState<WorkflowSummary[] | null>(null);
  const [dir, setDir] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState<'none' | 'new' | 'paste'>('none');
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [dragging, setDragging] = useState(false);

  const load = () =>
    api<{ dir: string; workflows: WorkflowSummary[] }>('/workflows')
      .then((r) => {
        setList(r.workflows);
        setDir(r.dir);
      })
      .catch((e: Error) => setError(e.message));
  useEffect(() => {
    void load();
  }, []);

  const create = async (fileName: string, body: string) => {
    setError(null);
    const withExt = /\.(ya?ml|json)$/i.test(fileName) ? fileName : `${fileName}.yaml`;
    try {
      const r = await api<{ name: string }>('/workflows', { body: { name: withExt, text: body } });
      go({ page: 'edit', name: r.name });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const upload = async (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) await create(file.name, await file.text());
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping files anywhere is a shortcut; Upload… is the accessible way
    <div
      class={`page workflows${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void upload(e.dataTransfer?.files ?? null);
      }}
    >
      <header class="page-head">
        <div>
          <h1>Workflows</h1>
          <p class="muted mono">{dir}</p>
        </div>
        <div class="actions">
          <button
            type="button"
            class="primary"
            onClick={() => {
              setMode('new');
              setName('my_workflow.yaml');
              setText(TEMPLATE);
            }}
          >
            New workflow
          </button>
          <button
            type="button"
            onClick={() => {
              setMode('paste');
              setName('pasted.yaml');
              setText('');
            }}
          >
            Paste YAML
          </button>
          <label class="button">
            Upload…
            <input
              type="file"
              accept=".yaml,.yml,.json"
              multiple
              class="visually-hidden"
              onChange={(e) => void upload((e.target as HTMLInputElement).files)}
            />
          </label>
        </div>
      </header>
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      {mode !== 'none' && (
        <form
          class="card create"
          onSubmit={(e) => {
            e.preventDefault();
            void create(name, text);
          }}
        >
          <h2>{mode === 'new' ? 'New workflow' : 'Paste a workflow'}</h2>
          <label for="new-name">File name</label>
          <input
            id="new-name"
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
            required
          />
          <label for="new-text">YAML</label>
          <textarea
            id="new-text"
            class="mono"
            rows={mode === 'new' ? 14 : 10}
            value={text}
            placeholder="schema_version: &quot;1.0&quot; …"
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
          <div class="form-actions">
            <button type="button" onClick={() => setMode('none')}>
              Cancel
            </button>
            <button type="submit" class="primary">
              Create and open
            </button>
          </div>
        </form>
      )}
      {list === null ? (
        <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <div class="empty card">
          <h2>No workflows here yet</h2>
          <p>Create one, paste one, upload a file, or drop YAML files anywhere on this page.</p>
        </div>
      ) : (
        <table class="table">
          <TableHead columns={['File', 'Flow', 'Status', 'Modified']} actions />
          <tbody>
            {list.map((w) => (
              <tr key={w.name}>
                <td>
                  <a href={`#/edit/${encodeURI(w.name)}`} class="mono">
                    {w.name}
                  </a>
                </td>
                <td>{w.flowName ?? <span class="muted">—</span>}</td>
                <td>
                  {w.valid ? (
                    <span class="badge ok">
                      valid{w.warnings ? ` · ${w.warnings} warning${w.warnings > 1 ? 's' : ''}` : ''}
                    </span>
                  ) : (
                    <span class="badge bad" title={w.firstError?.message}>
                      {w.errors} error{w.errors > 1 ? 's' : ''}
                      {w.firstError?.line ? ` · line ${w.firstError.line}` : ''}
                    </span>
                  )}
                </td>
                <td class="muted">{ago(w.modifiedMs)}</td>
                <td class="row-actions">
                  <a href={`#/edit/${encodeURI(w.name)}`}>Edit</a>
                  {w.valid && <a href={`#/deploy/${encodeURI(w.name)}`}>Deploy</a>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="drop-hint muted">Drop .yaml files anywhere on this page to add them.</p>
    </div>
  );
}
