/**
 * A deployment's environment, kept only in its deploy folder's `.env` (mode 0600). Values
 * come in from the page (paste, upload or one variable at a time) and never go back out:
 * every answer names variables and says whether they are set, nothing more. Values are also
 * never logged, and anything streamed from the deployment (build log, container log) is
 * masked with them before it leaves the process.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Workflow } from '../config/types.js';
import { type EnvEntry, parseEnvFile } from '../deploy/env-file.js';
import { deployNames } from '../deploy/names.js';
import { compile } from '../engine/index.js';
import { isAgentcrateError } from '../errors.js';
import { createRedactor, type Redactor } from '../secrets/redact.js';
import type { StudioContext } from './context.js';

export interface EnvVarStatus {
  name: string;
  set: boolean;
  required: boolean;
  secret: boolean;
  description: string | null;
  /** Declared by the workflow (else only present in the file). */
  declared: boolean;
}

export interface EnvReport {
  /** The deploy folder, relative to the studio folder when inside it. */
  folder: string;
  vars: EnvVarStatus[];
  /** Required variables with no value. */
  missing: string[];
  /** What the container would lack (the same check as `agentcrate deploy`). */
  problems: string[];
}

export function deployFolder(ctx: StudioContext, workflow: Workflow): string {
  return join(ctx.deployDir, deployNames(workflow.flow.name).container);
}

export async function readEnv(folder: string): Promise<EnvEntry[]> {
  let text: string;
  try {
    text = await readFile(join(folder, '.env'), 'utf8');
  } catch {
    return [];
  }
  return parseEnvFile(text, join(folder, '.env'));
}

/** `.env` text → entries; parse errors name the line, never a value. */
export function parseIncoming(text: string): EnvEntry[] {
  return parseEnvFile(text, 'the pasted .env');
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

/** Writes the entries (last one per name wins) with mode 0600, through a rename. */
export async function writeEnv(folder: string, entries: EnvEntry[]): Promise<void> {
  await mkdir(folder, { recursive: true });
  const byName = new Map<string, string>();
  for (const e of entries) byName.set(e.name, e.value);
  const text = [
    '# Written by agentcrate studio. Passed to the container at run time, never built into the image.',
    ...[...byName].map(([name, value]) => `${name}=${quote(value)}`),
    '',
  ].join('\n');
  const file = join(folder, '.env');
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

export async function envReport(ctx: StudioContext, workflow: Workflow, folder: string): Promise<EnvReport> {
  const entries = await readEnv(folder);
  const values = new Map(entries.map((e) => [e.name, e.value]));
  const specs = ctx.deploy.envVars(workflow);
  const vars: EnvVarStatus[] = specs.map((s) => ({
    name: s.name,
    set: (values.get(s.name) ?? '') !== '',
    required: s.required,
    secret: s.secret,
    description: s.description ?? null,
    declared: true,
  }));
  for (const name of values.keys()) {
    if (!specs.some((s) => s.name === name)) {
      vars.push({
        name,
        set: values.get(name) !== '',
        required: false,
        secret: true,
        description: null,
        declared: false,
      });
    }
  }
  const problems: string[] = [];
  try {
    ctx.deploy.verifyEnv(compile(workflow), Object.fromEntries(values));
  } catch (error) {
    if (!isAgentcrateError(error)) throw error;
    const listed = (error.details?.problems as Array<{ message: string }> | undefined)?.map((p) => p.message);
    problems.push(...(listed ?? [error.message]));
  }
  return {
    folder: folder.startsWith(ctx.workspace.root) ? folder.slice(ctx.workspace.root.length + 1) : folder,
    vars,
    missing: vars.filter((v) => v.required && !v.set).map((v) => v.name),
    problems,
  };
}

/** Masks every value of the deployment's `.env` in text bound for the page. */
export async function envRedactor(folder: string): Promise<Redactor> {
  const secrets = (await readEnv(folder)).map((e) => e.value).filter((v) => v.length >= 4);
  return createRedactor({ env: {}, secrets });
}
