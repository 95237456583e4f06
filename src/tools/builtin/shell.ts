/**
 * `shell`: runs one program the command policy allows (`../command-policy/`) and waits for it.
 * Off unless `allowed_commands` (or env `ALLOWED_COMMANDS`) is set. No shell ever: `;`, `|`,
 * `$()` and globs reach the program as plain characters. Its environment is a minimal one, so
 * the model cannot read API keys through it. Not a sandbox: see docs/security.md.
 */
import { z } from 'zod';
import { AgentcrateError } from '../../errors.js';
import { configNumber, parseArgs } from '../args.js';
import {
  authorizeCommand,
  type CommandEntry,
  commandEntries,
  commandEntryProblems,
} from '../command-policy/index.js';
import { confinePath } from '../confine.js';
import { runProgram } from '../run-program.js';
import type { ToolContext, ToolDefinition } from '../types.js';

const DEFAULT_OUTPUT_CHARS = 10_000;
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TERM'];

export const commandInput = z.object({
  command: z
    .string()
    .min(1)
    .describe("Program to run, e.g. 'ls'. Words after the program name are its first arguments."),
  args: z
    .array(z.string())
    .optional()
    .describe('Arguments, one per element (no shell: quotes, pipes and ; are literal).'),
  cwd: z
    .string()
    .optional()
    .describe('Working directory, inside the allowed paths (default: the working directory).'),
});

export type CommandInput = z.output<typeof commandInput>;

/** The entries, or the refusal that says how to turn the tool on. */
export function enabledEntries(tool: string, ctx: ToolContext): CommandEntry[] {
  const entries = commandEntries(ctx.config, ctx.env);
  if (entries.length === 0) {
    throw new AgentcrateError(
      'E_TOOL_DENIED',
      `${tool} is disabled: no commands are allowed. Set tool config allowed_commands (e.g. [ls, "git status"]) or ALLOWED_COMMANDS=ls,git to enable it`,
    );
  }
  return entries;
}

/** Checks one request against the policy: what to start, where, with which environment. */
export async function allowedInvocation(tool: string, input: CommandInput, ctx: ToolContext) {
  const entries = enabledEntries(tool, ctx);
  const words = input.command.trim().split(/\s+/);
  const command = words[0] ?? '';
  const args = [...words.slice(1), ...(input.args ?? [])];
  const cwd = await workingDirectory(tool, ctx, input.cwd);
  const allowed = await authorizeCommand(entries, {
    tool,
    command,
    args,
    cwd,
    baseDir: ctx.cwd,
    allowedPaths: ctx.allowedPaths,
    searchPath: ctx.env.PATH,
  });
  const env: Record<string, string> = { ...allowed.env };
  for (const name of PASSED_ENV) {
    const value = ctx.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { command, args, cwd, env, executable: allowed.executable, argv: allowed.args };
}

async function workingDirectory(
  tool: string,
  ctx: ToolContext,
  requested: string | undefined,
): Promise<string> {
  if (requested !== undefined) return (await confinePath(requested, ctx.cwd, ctx.allowedPaths, 'cwd')).real;
  const own = await confinePath('.', ctx.cwd, ctx.allowedPaths, 'cwd').catch(() => undefined);
  if (own) return own.real;
  const first = ctx.allowedPaths[0];
  if (first === undefined) throw new AgentcrateError('E_TOOL_DENIED', `${tool}: no allowed path to run in`);
  return first;
}

export const shellTool: ToolDefinition = {
  name: 'shell',
  aliases: [],
  description:
    'Run one allow-listed program with arguments and wait for it (no shell features: no pipes, redirects or variables). Returns exit code, stdout and stderr.',
  inputSchema: commandInput,
  requiredEnv: () => [],
  configProblems: commandEntryProblems,
  async run(args, ctx) {
    const input = parseArgs('shell', commandInput, args);
    const call = await allowedInvocation('shell', input, ctx);
    const started = Date.now();
    const result = await runProgram(call.executable, call.argv, {
      cwd: call.cwd,
      env: call.env,
      maxChars: configNumber(ctx.config, 'max_output_chars', DEFAULT_OUTPUT_CHARS),
      timeoutMs: configNumber(ctx.config, 'timeout_seconds', 30) * 1000,
      signal: ctx.signal,
      label: `shell: '${call.command}'`,
    });
    return { command: [call.command, ...call.args].join(' '), ...result, duration_ms: Date.now() - started };
  },
};
