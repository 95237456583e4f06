/**
 * `agentcrate traces [job_id]`: a run's span tree with durations, tokens and cost, rebuilt
 * from its job's events in the job store; with no id, the recent runs. Exit 0, or 1 when the
 * id has no trace.
 */
import { formatRunList, formatSpanTree, getRunTrace, listRuns } from '../../telemetry/index.js';
import type { TracesContext } from '../commands/traces.js';
import { openExistingStore, traceReadOptions } from './job-store.js';

export default async function traces(ctx: TracesContext): Promise<number> {
  const { store: path, limit, json } = ctx.options;
  const store = await openExistingStore(path);
  try {
    const id = ctx.args.jobId;
    if (id === undefined) {
      const page = await listRuns(store, { limit }, traceReadOptions(ctx.env));
      ctx.output.out(json ? JSON.stringify(page.runs, null, 2) : formatRunList(page.runs, ctx.output.color));
      return 0;
    }
    const found = await getRunTrace(store, id, traceReadOptions(ctx.env));
    if (found === undefined) {
      ctx.output.err(`no trace for '${id}' in ${path}; run 'agentcrate traces' to list traced runs`);
      return 1;
    }
    ctx.output.out(
      json
        ? JSON.stringify({ traceId: found.traceId, run: found.summary, spans: found.spans }, null, 2)
        : formatSpanTree(found.spans, ctx.output.color),
    );
    return 0;
  } finally {
    await store.close();
  }
}
