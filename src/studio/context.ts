/** What every studio route needs, built once by `createStudioApp`. */
import type { Context, Hono } from 'hono';
import { requireValid } from '../config/index.js';
import type { Workflow } from '../config/types.js';
import type { EnvVarSpec } from '../deploy/index.js';
import type { ContainerRuntime } from '../deploy/runtime/types.js';
import type { Plan } from '../engine/index.js';
import { AgentcrateError } from '../errors.js';
import { readBodyText } from '../server/body.js';
import type { Logger } from '../server/logger.js';
import type { Store } from '../store/index.js';
import type { TraceReadOptions } from '../telemetry/trace-reader.js';
import type { RunHosts } from './hosts.js';
import { validateText, type Workspace } from './workspace.js';

export type StudioApp = Hono;

/**
 * What the deploy page needs from the CLI's deploy command, injected so the studio runs the
 * very same checks as `agentcrate deploy` without importing the CLI.
 */
export interface DeployHooks {
  /** The variables a deployed workflow may need (`.env.example`'s rows). */
  envVars(workflow: Workflow): EnvVarSpec[];
  /** Throws `E_MISSING_CREDENTIALS` naming what the container would lack with this env. */
  verifyEnv(plan: Plan, env: Record<string, string>): void;
}

export interface StudioContext {
  workspace: Workspace;
  store: Store;
  hosts: RunHosts;
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Where each workflow's deploy folder (artifacts and `.env`) goes. */
  deployDir: string;
  deploy: DeployHooks;
  /** The container engine (default: Docker through the Engine API), injected by tests. */
  runtime: () => ContainerRuntime;
  traceRead: TraceReadOptions;
  bodyLimitBytes: number;
}

/** A JSON object body; anything else is a clear 400. */
export async function jsonBody(c: Context, ctx: StudioContext): Promise<Record<string, unknown>> {
  const text = await readBodyText(c, ctx.bodyLimitBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AgentcrateError('E_BAD_REQUEST', 'the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AgentcrateError('E_BAD_REQUEST', 'the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export function stringField(body: Record<string, unknown>, key: string, required = true): string | undefined {
  const value = body[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') {
    throw new AgentcrateError('E_BAD_REQUEST', `'${key}' must be a string`, { details: { field: key } });
  }
  return value;
}

/**
 * A valid workflow from the editor's text (run what you see) or, without text, from the saved
 * file; invalid → `E_INVALID_WORKFLOW` with the diagnostics.
 */
export async function requireWorkflow(
  ctx: StudioContext,
  name: string,
  text: string | undefined,
): Promise<Workflow> {
  const file = ctx.workspace.confine(name);
  const source = text ?? (await ctx.workspace.read(name)).text;
  // The one check every caller uses: an invalid workflow is E_INVALID_WORKFLOW listing its
  // errors as file:line:col (the diagnostics in the details, for the editor).
  return requireValid(validateText(source, file), name).workflow;
}
