/** The studio page: a sidebar of sections and the page of the current route. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
// The page's styles, one file per part, in cascade order.
import './styles/base.css';
import './styles/shell.css';
import './styles/controls.css';
import './styles/cards.css';
import './styles/editor.css';
import './styles/graph.css';
import './styles/job.css';
import './styles/deploy.css';
import { api } from './api.js';
import { CostsPage } from './pages/costs.js';
import { DeployPage } from './pages/deploy.js';
import { EditorPage } from './pages/editor.js';
import { HistoryPage } from './pages/history.js';
import { JobPage } from './pages/job.js';
import { WorkflowsPage } from './pages/workflows.js';
import { type Route, useRoute } from './router.js';

const NAV: Array<{ label: string; href: string; match: (r: Route) => boolean }> = [
  { label: 'Workflows', href: '#/workflows', match: (r) => r.page === 'workflows' || r.page === 'edit' },
  { label: 'History', href: '#/history', match: (r) => r.page === 'history' || r.page === 'job' },
  { label: 'Deploy', href: '#/deploy', match: (r) => r.page === 'deploy' },
  { label: 'Costs', href: '#/costs', match: (r) => r.page === 'costs' },
];

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'edit':
      return <EditorPage name={route.name} />;
    case 'job':
      return <JobPage id={route.id} />;
    case 'history':
      return <HistoryPage />;
    case 'deploy':
      return <DeployPage name={route.name} />;
    case 'costs':
      return <CostsPage />;
    default:
      return <WorkflowsPage />;
  }
}

/** How often a read-only page asks whether the studio owns the store now. */
const READ_ONLY_RECHECK_MS = 5000;

interface Info {
  dir: string;
  store: string | null;
  version: string;
  store_access?: { mode: string; message?: string };
}

function App() {
  const route = useRoute();
  const [info, setInfo] = useState<Info | null>(null);
  useEffect(() => {
    void api<Info>('/info').then(setInfo);
  }, []);
  // A read-only studio takes the store over with the first run after its owner stops (the
  // server's ownership.ts): ask again on each page change (a run opens its job's page) and now
  // and then, so the banner does not outlive the state it reports.
  const readOnly = info?.store_access?.mode === 'read-only';
  useEffect(() => {
    if (!readOnly) return;
    const refresh = () => void api<Info>('/info').then(setInfo, () => undefined);
    refresh();
    const timer = setInterval(refresh, READ_ONLY_RECHECK_MS);
    return () => clearInterval(timer);
  }, [readOnly, route]);
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="Sections">
        <a class="brand" href="#/workflows">
          <span class="logo" aria-hidden="true">
            ◆
          </span>{' '}
          agentcrate <span>studio</span>
        </a>
        <ul>
          {NAV.map((n) => (
            <li key={n.href}>
              <a href={n.href} aria-current={n.match(route) ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
        {info && (
          <div class="sidebar-foot">
            <div class="muted small" title={info.dir}>
              {info.dir.split('/').slice(-2).join('/')}
            </div>
            <div class="muted small">v{info.version}</div>
          </div>
        )}
      </nav>
      <main id="main">
        {info?.store_access?.mode === 'read-only' && (
          <p class="banner warn" role="status">
            Read-only store: {info.store_access.message}
          </p>
        )}
        <Page route={route} />
      </main>
    </div>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the "Loading…" placeholder of index.html
render(<App />, root);
