/** Deployed containers: status, health, ports, links, start/stop/restart/remove, a live log tail. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, stream } from '../api.js';
import { TableHead } from './table-head.js';

interface Container {
  name: string;
  workflow: string | null;
  image: string;
  state: string;
  status: string;
  health: string | null;
  ports: string[];
  links: { api: string; docs: string; traces: string } | null;
}

function Logs({ name, onClose }: { name: string; onClose: () => void }) {
  const [lines, setLines] = useState<Array<{ s: string; t: string }>>([]);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setLines([]);
    const add = (s: string) => (t: string) => setLines((l) => [...l.slice(-999), { s, t }]);
    return stream(`/containers/${encodeURIComponent(name)}/logs`, { stdout: add('out'), stderr: add('err') });
  }, [name]);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);
  return (
    <div class="logs">
      <div class="card-head">
        <h3>
          Logs of <span class="mono">{name}</span> <span class="live">live</span>
        </h3>
        <button type="button" class="small" onClick={onClose}>
          Close
        </button>
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must be reachable by keyboard */}
      <pre ref={box} class="log-tail" tabIndex={0} title={`Log of ${name}`}>
        {lines.length === 0
          ? 'waiting for output…'
          : lines.map((l, i) => (
              <div key={i} class={l.s}>
                {l.t}
              </div>
            ))}
      </pre>
    </div>
  );
}

export function Containers() {
  const [list, setList] = useState<Container[] | null>(null);
  const [engine, setEngine] = useState<{ ok: boolean; message: string } | null>(null);
  const [logs, setLogs] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    api<{ engine: { ok: boolean; message: string }; containers: Container[] }>('/containers')
      .then((r) => {
        setEngine(r.engine);
        setList(r.containers);
      })
      .catch((e: Error) => setError(e.message));
  useEffect(() => {
    void load();
    const t = setInterval(() => document.visibilityState === 'visible' && void load(), 3000);
    return () => clearInterval(t);
  }, []);
  const act = async (name: string, action: string) => {
    if (action === 'remove' && !confirm(`Remove ${name}? Its job store volume is kept.`)) return;
    setBusy(`${name}:${action}`);
    setError(null);
    try {
      await api(`/containers/${encodeURIComponent(name)}/${action}`, { body: {} });
      if (action === 'remove' && logs === name) setLogs(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
      void load();
    }
  };
  return (
    <section class="card containers" aria-labelledby="containers-h">
      <div class="card-head">
        <h2 id="containers-h">Containers</h2>
        <span class="muted">{engine ? (engine.ok ? engine.message : 'no container engine') : ''}</span>
      </div>
      {engine && !engine.ok && <p class="banner warn">{engine.message}</p>}
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      {list !== null && list.length === 0 && engine?.ok && <p class="muted">Nothing deployed yet.</p>}
      {list !== null && list.length > 0 && (
        <table class="table">
          <TableHead columns={['Container', 'State', 'Health', 'Ports', 'Links']} actions />
          <tbody>
            {list.map((c) => (
              <tr key={c.name} data-container={c.name}>
                <td>
                  <span class="mono">{c.name}</span>
                  <div class="muted small">{c.workflow ?? c.image}</div>
                </td>
                <td>
                  <span class={`badge state-${c.state}`}>{c.state}</span>
                </td>
                <td>
                  {c.health ? (
                    <span class={`badge health-${c.health}`}>{c.health}</span>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
                <td class="mono small">{c.ports.join(', ') || '—'}</td>
                <td>
                  {c.links ? (
                    <>
                      <a href={c.links.docs} target="_blank" rel="noreferrer">
                        API docs
                      </a>{' '}
                      ·{' '}
                      <a href={c.links.traces} target="_blank" rel="noreferrer">
                        traces
                      </a>
                    </>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
                <td class="row-actions">
                  {c.state === 'running' ? (
                    <>
                      <button
                        type="button"
                        class="small"
                        disabled={busy !== null}
                        onClick={() => void act(c.name, 'stop')}
                      >
                        Stop
                      </button>
                      <button
                        type="button"
                        class="small"
                        disabled={busy !== null}
                        onClick={() => void act(c.name, 'restart')}
                      >
                        Restart
                      </button>
                    </>
                  ) : (
                    <button
                      type="button"
                      class="small"
                      disabled={busy !== null}
                      onClick={() => void act(c.name, 'start')}
                    >
                      Start
                    </button>
                  )}
                  <button type="button" class="small" onClick={() => setLogs(c.name)}>
                    Logs
                  </button>
                  <button
                    type="button"
                    class="small danger"
                    disabled={busy !== null}
                    onClick={() => void act(c.name, 'remove')}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {logs && <Logs name={logs} onClose={() => setLogs(null)} />}
    </section>
  );
}
