/** Hash routes (`#/edit/flows/a.yaml`): the server serves one page for every path. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'workflows' }
  | { page: 'edit'; name: string }
  | { page: 'job'; id: string }
  | { page: 'history' }
  | { page: 'deploy'; name: string | null }
  | { page: 'costs' };

export function parseRoute(hash: string): Route {
  const [page, ...rest] = hash.replace(/^#\/?/, '').split('/');
  const tail = decodeURIComponent(rest.join('/'));
  switch (page) {
    case 'edit':
      return tail ? { page: 'edit', name: tail } : { page: 'workflows' };
    case 'jobs':
      return tail ? { page: 'job', id: tail } : { page: 'history' };
    case 'history':
      return { page: 'history' };
    case 'deploy':
      return { page: 'deploy', name: tail || null };
    case 'costs':
      return { page: 'costs' };
    default:
      return { page: 'workflows' };
  }
}

export function href(route: Route): string {
  switch (route.page) {
    case 'edit':
      return `#/edit/${encodeURI(route.name)}`;
    case 'job':
      return `#/jobs/${encodeURIComponent(route.id)}`;
    case 'deploy':
      return route.name ? `#/deploy/${encodeURI(route.name)}` : '#/deploy';
    default:
      return `#/${route.page}`;
  }
}

export function go(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
