/**
 * Replay from node N of a stored job, and the comparison of a replay with its original.
 * The checkpoint "just before N" comes from the job's event log (engine/replay.ts); the run
 * itself is an ordinary job submitted with that checkpoint, so it is stored, traced and
 * resumable like any other.
 */

import { checkValue } from '../config/index.js';
import type { Workflow } from '../config/types.js';
import {
  checkpointBefore,
  compile,
  type NodeExecution,
  nodeExecutions,
  publicOutputs,
  stateAfterRun,
} from '../engine/index.js';
import { AgentcrateError } from '../errors.js';
import type { Job, StoredEvent } from '../store/index.js';
import type { StudioContext } from './context.js';
import { requireWorkflow } from './context.js';

export interface JobRecord {
  job: Job;
  events: StoredEvent[];
  /** `run-start.dryRun` of the first attempt. */
  dryRun: boolean;
  /** Set on a replay: the job it came from and where it started. */
  origin: Record<string, unknown> | null;
}

export async function jobRecord(ctx: StudioContext, id: string): Promise<JobRecord> {
  const job = await ctx.store.getJob(id);
  if (job === undefined) {
    throw new AgentcrateError('E_NOT_FOUND', `no job with id '${id}' in the store`, {
      details: { jobId: id },
    });
  }
  const stored = await ctx.store.listEvents(id);
  const live = ctx.hosts.liveEvents(id) ?? [];
  const last = stored.at(-1)?.seq ?? 0;
  const events = [...stored, ...live.filter((e) => e.seq > last)];
  const start = events.find((e) => e.event.type === 'run-start')?.event;
  return {
    job,
    events,
    dryRun: start?.dryRun === true,
    origin: (start?.origin as Record<string, unknown> | undefined) ?? null,
  };
}

/**
 * The workflow file a job ran: `file` when given, else the first file in the folder whose
 * flow has the job's name.
 */
export async function workflowOfJob(
  ctx: StudioContext,
  job: Job,
  file?: string,
): Promise<{ name: string; workflow: Workflow }> {
  if (file !== undefined) return { name: file, workflow: await requireWorkflow(ctx, file, undefined) };
  const match = (await ctx.workspace.list()).find((w) => w.flowName === job.workflow);
  if (match === undefined) {
    throw new AgentcrateError(
      'E_NOT_FOUND',
      `no valid workflow named '${job.workflow}' in ${ctx.workspace.root}; open or add its file to replay this job`,
      { details: { workflow: job.workflow } },
    );
  }
  return { name: match.name, workflow: await requireWorkflow(ctx, match.name, undefined) };
}

/** The state a replay started from (kept on its run-start's origin); undefined for a fresh run. */
function baseOf(record: JobRecord): Record<string, unknown> | undefined {
  const start = record.origin?.startState;
  return start !== null && typeof start === 'object' ? (start as Record<string, unknown>) : undefined;
}

export function executionsOf(record: JobRecord, workflow: Workflow | undefined): NodeExecution[] {
  const mapped = workflow ? compile(workflow).parallelTargets : new Set<string>();
  return nodeExecutions(
    record.events.map((e) => e.event),
    mapped,
  );
}

/** The public state just before execution `index` (what the page lets the author edit). */
export function stateBefore(record: JobRecord, workflow: Workflow, index: number): Record<string, unknown> {
  const cp = checkpointBefore(
    compile(workflow),
    record.job.inputs,
    eventsOf(record),
    index,
    record.job.id,
    {},
    baseOf(record),
  );
  return publicOutputs(workflow, cp.state);
}

/** Edited fields must be state fields holding values of their types. */
export function checkEdits(workflow: Workflow, edits: unknown): Record<string, unknown> {
  if (edits === undefined || edits === null) return {};
  if (typeof edits !== 'object' || Array.isArray(edits)) {
    throw new AgentcrateError('E_BAD_REQUEST', "'edits' must be an object of state field → value");
  }
  const issues: string[] = [];
  for (const [name, value] of Object.entries(edits)) {
    const field = workflow.state.find((f) => f.name === name);
    if (field === undefined) {
      issues.push(`'${name}' is not a state field of ${workflow.flow.name}`);
      continue;
    }
    if (value === null && !field.required) continue;
    for (const p of checkValue(field.type, value, name)) issues.push(p.message);
  }
  if (issues.length > 0) {
    throw new AgentcrateError(
      'E_INVALID_INPUT',
      `the edited state is not valid:\n  - ${issues.join('\n  - ')}`,
      {
        details: { issues },
      },
    );
  }
  return edits as Record<string, unknown>;
}

export async function startReplay(
  ctx: StudioContext,
  record: JobRecord,
  workflow: Workflow,
  index: number,
  edits: Record<string, unknown>,
  dryRun: boolean,
): Promise<Job> {
  const plan = compile(workflow);
  const executions = nodeExecutions(eventsOf(record), plan.parallelTargets);
  const checkpoint = checkpointBefore(
    plan,
    record.job.inputs,
    eventsOf(record),
    index,
    'replay',
    edits,
    baseOf(record),
  );
  const host = await ctx.hosts.hostFor(workflow, dryRun);
  const { job } = await host.runner.submit({
    inputs: record.job.inputs,
    resume: checkpoint,
    origin: {
      replayOf: record.job.id,
      fromIndex: index,
      fromNode: executions[index]?.nodeId ?? null,
      edited: Object.keys(edits),
      // Where the replay starts: what its own replays and its final state are rebuilt from.
      startState: checkpoint.state,
    },
  });
  ctx.hosts.track(job.id);
  return job;
}

export interface DiffRow {
  key: string;
  original: unknown;
  replay: unknown;
  changed: boolean;
}

/** Side by side: the final state and the outputs of a job and of its replay. */
export function diffRuns(workflow: Workflow, original: JobRecord, replay: JobRecord) {
  const plan = compile(workflow);
  // The whole state, loop counters included (the outputs are its public part).
  const finalState = (r: JobRecord) => stateAfterRun(plan, r.job.inputs, eventsOf(r), baseOf(r));
  const nodes = (r: JobRecord) =>
    nodeExecutions(eventsOf(r), plan.parallelTargets).map((e) => ({ node: e.nodeId, outcome: e.outcome }));
  return {
    original: { job_id: original.job.id, status: original.job.status, nodes: nodes(original) },
    replay: { job_id: replay.job.id, status: replay.job.status, nodes: nodes(replay) },
    state: rows(finalState(original), finalState(replay)),
    outputs: rows(original.job.outputs ?? {}, replay.job.outputs ?? {}),
  };
}

function rows(a: Record<string, unknown>, b: Record<string, unknown>): DiffRow[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.map((key) => ({
    key,
    original: a[key] ?? null,
    replay: b[key] ?? null,
    changed: stable(a[key] ?? null) !== stable(b[key] ?? null),
  }));
}

/** JSON with sorted keys, so equal values compare equal whatever their key order. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)),
        )
      : v,
  );
}

function eventsOf(record: JobRecord) {
  return record.events.map((e) => e.event);
}
