/**
 * `agentcrate memory list|get|rm`: show and edit the memory workflows keep across runs, in the
 * job store `run` and `serve` use. `list` filters by exact agent/workflow/node and a key
 * prefix; `get` and `rm` take a namespace (`{agent}:{workflow}:{node}:{key}`, as `list`
 * prints it); `rm` with filters and no namespace deletes everything they match.
 * Exit 0, 1 when the entry does not exist, 2 on usage errors.
 */
import { AgentcrateError } from '../../errors.js';
import { type MemoryEntry, type MemoryQuery, storeLabel } from '../../store/index.js';
import type { MemoryContext } from '../commands/memory.js';
import { openExistingStore } from './job-store.js';

function filters(ctx: MemoryContext): MemoryQuery {
  const q: MemoryQuery = {};
  for (const part of ['agent', 'workflow', 'node'] as const) {
    const v = ctx.options[part];
    if (v !== undefined && v !== '') q[part] = v;
  }
  if (ctx.options.prefix !== undefined && ctx.options.prefix !== '') q.keyPrefix = ctx.options.prefix;
  return q;
}

function text(value: unknown): string {
  const s = JSON.stringify(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function json(entry: MemoryEntry) {
  return { ...entry, updatedAt: new Date(entry.updatedAt).toISOString() };
}

export default async function memory(ctx: MemoryContext): Promise<number> {
  const { action, namespace } = ctx.args;
  const path = ctx.options.store;
  const shown = storeLabel(path);
  if (action === 'get' && namespace === undefined) {
    throw new AgentcrateError('E_USAGE', "'memory get' needs a namespace, as 'memory list' prints it");
  }
  const asJson = ctx.options.json;
  const store = await openExistingStore(path);
  try {
    if (action === 'list') {
      const entries: MemoryEntry[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.memory.list({ ...filters(ctx), limit: 1000, ...(cursor ? { cursor } : {}) });
        entries.push(...page.entries);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      if (asJson) ctx.output.out(JSON.stringify(entries.map(json), null, 2));
      else if (entries.length === 0) ctx.output.err(`no memory in ${shown} matches`);
      else for (const e of entries) ctx.output.out(`${e.namespace}  ${text(e.value)}`);
      return 0;
    }
    if (action === 'get' && namespace !== undefined) {
      const entry = await store.memory.get(namespace);
      if (entry === undefined) {
        ctx.output.err(`no memory entry '${namespace}' in ${shown}; 'agentcrate memory list' shows them`);
        return 1;
      }
      ctx.output.out(asJson ? JSON.stringify(json(entry), null, 2) : JSON.stringify(entry.value, null, 2));
      return 0;
    }
    if (namespace !== undefined) {
      if (!(await store.memory.delete(namespace))) {
        ctx.output.err(`no memory entry '${namespace}' in ${shown}`);
        return 1;
      }
      ctx.output.err(`deleted ${namespace}`);
      return 0;
    }
    const q = filters(ctx);
    if (Object.keys(q).length === 0) {
      throw new AgentcrateError(
        'E_USAGE',
        "'memory rm' needs a namespace, or filters (--agent, --workflow, --node, --prefix) for what to delete",
      );
    }
    const count = await store.memory.deleteMatching(q);
    ctx.output.err(`deleted ${count} entr${count === 1 ? 'y' : 'ies'}`);
    return 0;
  } finally {
    await store.close();
  }
}
