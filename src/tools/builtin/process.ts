/**
 * `process` (configurable-agents' name): starts an allow-listed program in the background and
 * answers at once with its pid, as upstream does; then `status`, `stop` and `list` let the
 * model follow what its run started. The same command policy as `shell` decides what may run
 * (docs/security.md: not a sandbox); background programs are bounded in number and lifetime.
 */
import { z } from 'zod';
import { AgentcrateError } from '../../errors.js';
import { configNumber, parseArgs } from '../args.js';
import { type BackgroundEntry, entriesOf, entryOf, runningCount, stopEntry, track } from '../background.js';
import { commandEntryProblems } from '../command-policy/index.js';
import { startProgram } from '../run-program.js';
import type { ToolContext, ToolDefinition } from '../types.js';
import { allowedInvocation } from './shell.js';

const DEFAULT_LIFETIME_SECONDS = 300;
const DEFAULT_MAX_RUNNING = 4;
const DEFAULT_OUTPUT_CHARS = 10_000;

const processInput = z.object({
  action: z
    .enum(['start', 'status', 'stop', 'list'])
    .optional()
    .describe('start (default) a program; status or stop one by pid; list what this run started.'),
  command: z
    .string()
    .optional()
    .describe("Program to start, e.g. 'python3'. Words after it are its first arguments."),
  args: z.array(z.string()).optional().describe('Arguments, one per element (no shell).'),
  cwd: z.string().optional().describe('Working directory, inside the allowed paths.'),
  pid: z.number().int().optional().describe('The pid start returned (for status and stop).'),
});

function describe(entry: BackgroundEntry) {
  const end = entry.end;
  return {
    pid: entry.pid,
    command: entry.command,
    status:
      end === undefined ? 'running' : end.reason !== undefined || end.signal !== null ? 'killed' : 'exited',
    exit_code: end?.code ?? null,
    ...(end?.reason ? { reason: end.reason } : {}),
    duration_ms: (end?.at ?? Date.now()) - entry.startedAt,
    stdout: entry.handle.stdout.shown(),
    stderr: entry.handle.stderr.shown(),
  };
}

function find(ctx: ToolContext, pid: number | undefined, action: string): BackgroundEntry {
  if (pid === undefined)
    throw new AgentcrateError('E_TOOL', `process: ${action} needs the pid that start returned`);
  const entry = entryOf(ctx.runId, pid);
  if (!entry) {
    throw new AgentcrateError(
      'E_TOOL',
      `process: no program with pid ${pid} was started by this run (or it ended more than 10 minutes ago)`,
    );
  }
  return entry;
}

export const processTool: ToolDefinition = {
  name: 'process',
  aliases: [],
  description:
    "Start an allow-listed program in the background (no shell) and get its pid at once; then check it (action: status), stop it (action: stop) or list this run's programs (action: list). Status shows the exit code and the last output.",
  inputSchema: processInput,
  requiredEnv: () => [],
  configProblems: commandEntryProblems,
  async run(args, ctx) {
    const input = parseArgs('process', processInput, args);
    const action = input.action ?? 'start';
    if (action === 'list') return { processes: entriesOf(ctx.runId).map(describe) };
    if (action === 'status') return describe(find(ctx, input.pid, action));
    if (action === 'stop') {
      const entry = find(ctx, input.pid, action);
      await stopEntry(entry);
      return describe(entry);
    }
    if (input.command === undefined || input.command.trim() === '') {
      throw new AgentcrateError('E_TOOL', 'process: start needs a command');
    }
    const call = await allowedInvocation('process', { ...input, command: input.command }, ctx);
    const limit = Math.floor(configNumber(ctx.config, 'max_processes', DEFAULT_MAX_RUNNING));
    if (runningCount(ctx.runId) >= limit) {
      throw new AgentcrateError(
        'E_TOOL',
        `process: this run already has ${limit} programs running (tool config max_processes); stop one first`,
      );
    }
    if (ctx.signal.aborted) throw new AgentcrateError('E_CANCELLED', 'process: the run was cancelled');
    const handle = startProgram(call.executable, call.argv, {
      cwd: call.cwd,
      env: call.env,
      maxChars: configNumber(ctx.config, 'max_output_chars', DEFAULT_OUTPUT_CHARS),
    });
    // A program that cannot start (missing, not executable) fails the call, not later.
    const failed = await Promise.race([
      handle.exited.then(
        () => undefined,
        (error: unknown) => error,
      ),
      new Promise<undefined>((resolve) => handle.child.once('spawn', () => resolve(undefined))),
    ]);
    if (failed instanceof Error) throw failed;
    const entry: BackgroundEntry = {
      runId: ctx.runId,
      pid: handle.pid,
      command: [call.command, ...call.args].join(' '),
      startedAt: Date.now(),
      handle,
    };
    track(entry, configNumber(ctx.config, 'timeout_seconds', DEFAULT_LIFETIME_SECONDS) * 1000, ctx.signal);
    return { pid: entry.pid, status: 'running', command: entry.command };
  },
};
