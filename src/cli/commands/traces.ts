/**
 * `agentcrate traces [job_id]`: a run's span tree with durations, tokens and cost, rebuilt
 * from its job's events in the job store; with no id, the recent runs. Exit 0, or 1 when the
 * id has no trace.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AgentcrateError } from '../../errors.js';
import { createSqliteStore, type Store } from '../../store/index.js';
import {
  formatRunList,
  formatSpanTree,
  getRunTrace,
  listRuns,
  loadPriceTable,
  type TraceReadOptions,
} from '../../telemetry/index.js';
import type { CommandContext } from '../commands.js';

/** `--store`, else AGENTCRATE_STORE, else ./agentcrate.db (what `serve` uses). */
export function storePath(ctx: CommandContext): string {
  const raw = (ctx.options.store as string | undefined) ?? ctx.env.AGENTCRATE_STORE ?? 'agentcrate.db';
  return resolve(ctx.cwd, raw);
}

/** Prices for calls stored unpriced (events of older versions): the defaults and AGENTCRATE_PRICES. */
export function readOptions(ctx: CommandContext): TraceReadOptions {
  return { prices: loadPriceTable({ env: ctx.env }) };
}

/** Opens an existing store; reading traces must not create an empty one by accident. */
export async function openExistingStore(ctx: CommandContext): Promise<Store> {
  const path = storePath(ctx);
  if (!existsSync(path)) {
    throw new AgentcrateError(
      'E_IO',
      `no job store at ${path}; pass --store <path> (or set AGENTCRATE_STORE) to the file 'agentcrate serve' writes`,
    );
  }
  return createSqliteStore(path);
}

export default async function traces(ctx: CommandContext): Promise<number> {
  const json = ctx.options.json === true;
  const limitRaw = ctx.options.limit as string | undefined;
  const limit = limitRaw === undefined ? 20 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new AgentcrateError(
      'E_USAGE',
      `--limit expects a whole number from 1 to 1000, got '${String(limitRaw)}'`,
    );
  }
  const store = await openExistingStore(ctx);
  try {
    const id = ctx.args[0];
    if (id === undefined) {
      const page = await listRuns(store, { limit }, readOptions(ctx));
      if (json) ctx.output.out(JSON.stringify(page.runs, null, 2));
      else ctx.output.out(formatRunList(page.runs, ctx.output.color));
      return 0;
    }
    const found = await getRunTrace(store, id, readOptions(ctx));
    if (found === undefined) {
      ctx.output.err(
        `no trace for '${id}' in ${storePath(ctx)}; run 'agentcrate traces' to list traced runs`,
      );
      return 1;
    }
    if (json)
      ctx.output.out(
        JSON.stringify({ traceId: found.traceId, run: found.summary, spans: found.spans }, null, 2),
      );
    else ctx.output.out(formatSpanTree(found.spans, ctx.output.color));
    return 0;
  } finally {
    await store.close();
  }
}
