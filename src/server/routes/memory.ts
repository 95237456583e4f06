/**
 * Memory across runs: list, read and delete entries of the job store's memory (behind the API
 * key like every route but health and docs). Namespaces (`{agent}:{workflow}:{node}:{key}`)
 * go in the path percent-encoded, since keys may hold any character.
 */
import { AgentcrateError, isAgentcrateError } from '../../errors.js';
import { MAX_PAGE_SIZE, type MemoryEntry, type MemoryQuery } from '../../store/index.js';
import type { App, ServerContext } from '../context.js';

const DEFAULT_PAGE_SIZE = 100;

export function memoryView(entry: MemoryEntry) {
  return {
    namespace: entry.namespace,
    agent: entry.agent,
    workflow: entry.workflow,
    node: entry.node,
    key: entry.key,
    value: entry.value,
    updated_at: new Date(entry.updatedAt).toISOString(),
    job_id: entry.jobId,
  };
}

function notFound(namespace: string): AgentcrateError {
  return new AgentcrateError('E_NOT_FOUND', `no memory entry '${namespace}'; list entries with GET /memory`, {
    details: { namespace },
  });
}

/** A store complaint about a query parameter is the caller's bad request. */
async function asBadRequest<T>(parameter: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isAgentcrateError(error) && error.code === 'E_INVALID_INPUT') {
      throw new AgentcrateError('E_BAD_REQUEST', error.message, { details: { parameter } });
    }
    throw error;
  }
}

export function registerMemoryRoutes(app: App, ctx: ServerContext): void {
  const query = (get: (name: string) => string | undefined): MemoryQuery => {
    const q: MemoryQuery = {};
    for (const part of ['agent', 'workflow', 'node'] as const) {
      const v = get(part);
      if (v !== undefined && v !== '') q[part] = v;
    }
    const prefix = get('prefix');
    if (prefix !== undefined && prefix !== '') q.keyPrefix = prefix;
    return q;
  };

  app.get('/memory', async (c) => {
    const limitRaw = c.req.query('limit');
    const limit = limitRaw === undefined || limitRaw === '' ? DEFAULT_PAGE_SIZE : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new AgentcrateError(
        'E_BAD_REQUEST',
        `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got '${limitRaw}'`,
        { details: { parameter: 'limit' } },
      );
    }
    const cursor = c.req.query('cursor');
    const page = await asBadRequest('cursor', () =>
      ctx.store.memory.list({ ...query((n) => c.req.query(n)), limit, ...(cursor ? { cursor } : {}) }),
    );
    return c.json({ entries: page.entries.map(memoryView), next_cursor: page.nextCursor });
  });

  app.get('/memory/:namespace', async (c) => {
    const namespace = c.req.param('namespace');
    const entry = await asBadRequest('namespace', () => ctx.store.memory.get(namespace));
    if (entry === undefined) throw notFound(namespace);
    return c.json(memoryView(entry));
  });

  app.delete('/memory/:namespace', async (c) => {
    const namespace = c.req.param('namespace');
    if (!(await asBadRequest('namespace', () => ctx.store.memory.delete(namespace))))
      throw notFound(namespace);
    return c.json({ deleted: 1 });
  });

  app.delete('/memory', async (c) => {
    const q = query((n) => c.req.query(n));
    if (Object.keys(q).length === 0) {
      throw new AgentcrateError(
        'E_BAD_REQUEST',
        'deleting memory needs a filter: agent, workflow, node or prefix (DELETE /memory/{namespace} deletes one entry)',
        { details: { parameter: 'agent' } },
      );
    }
    return c.json({ deleted: await ctx.store.memory.deleteMatching(q) });
  });
}
