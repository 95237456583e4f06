/**
 * `shell`: runs one allow-listed program. Off unless an allow-list is configured
 * (`config.allowed_commands` or env `ALLOWED_COMMANDS`). The program is started with
 * execFile (no shell), so `;`, `|`, `$()` and globs reach it as plain characters; its
 * environment is a minimal one, so the model cannot read API keys through `env`.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { AgentcrateError } from '../../errors.js';
import { capText, configList, configNumber, parseArgs } from '../args.js';
import { confinePath, isInside } from '../confine.js';
import type { ToolContext, ToolDefinition } from '../types.js';

const DEFAULT_OUTPUT_CHARS = 10_000;
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TERM'];

/** The allow-list: tool config first, else `ALLOWED_COMMANDS` (comma-separated). */
export function allowedCommands(
  config: Record<string, unknown>,
  env: Record<string, string | undefined>,
): string[] {
  const fromConfig = configList(config.allowed_commands ?? config.allowedCommands);
  const list = fromConfig.length > 0 ? fromConfig : configList(env.ALLOWED_COMMANDS);
  return list.filter((entry) => entry !== '');
}

/**
 * Maps the requested command to the program to run, or undefined when not allowed. A bare
 * name is allowed when listed (or when a listed path has that basename, which is then run);
 * a path is allowed only when that exact path is listed, so `/tmp/x/ls` does not pass as `ls`.
 */
export function resolveAllowedCommand(command: string, list: string[], cwd: string): string | undefined {
  const isPath = command.includes('/') || command.includes('\\');
  if (isPath) {
    const wanted = path.resolve(cwd, command);
    return list.find((entry) => (entry.includes('/') ? path.resolve(cwd, entry) === wanted : false));
  }
  if (list.includes(command)) return command;
  return list.find((entry) => entry.includes('/') && path.basename(entry) === command);
}

const shellInput = z.object({
  command: z
    .string()
    .min(1)
    .describe(
      "Program to run, e.g. 'ls'. If args is omitted, the text is split on spaces into program and arguments.",
    ),
  args: z
    .array(z.string())
    .optional()
    .describe('Arguments, one per element (no shell: quotes, pipes and ; are literal).'),
  cwd: z
    .string()
    .optional()
    .describe('Working directory, inside the allowed paths (default: the working directory).'),
});

async function workingDirectory(ctx: ToolContext, requested: string | undefined): Promise<string> {
  if (requested !== undefined) return (await confinePath(requested, ctx.cwd, ctx.allowedPaths, 'cwd')).real;
  const own = await confinePath('.', ctx.cwd, ctx.allowedPaths, 'cwd').catch(() => undefined);
  if (own) return own.real;
  const first = ctx.allowedPaths[0];
  if (first === undefined) throw new AgentcrateError('E_TOOL_DENIED', 'shell: no allowed path to run in');
  return first;
}

export const shellTool: ToolDefinition = {
  name: 'shell',
  aliases: [],
  description:
    'Run one allow-listed program with arguments (no shell features: no pipes, redirects or variables). Returns exit code, stdout and stderr.',
  inputSchema: shellInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('shell', shellInput, args);
    const list = allowedCommands(ctx.config, ctx.env);
    if (list.length === 0) {
      throw new AgentcrateError(
        'E_TOOL_DENIED',
        'shell is disabled: no commands are allowed. Set tool config allowed_commands (e.g. [ls, git]) or ALLOWED_COMMANDS=ls,git to enable it',
      );
    }
    const parts = input.args === undefined ? input.command.trim().split(/\s+/) : [input.command.trim()];
    const command = parts[0] ?? '';
    const argv = input.args ?? parts.slice(1);
    const program = resolveAllowedCommand(command, list, ctx.cwd);
    if (program === undefined) {
      throw new AgentcrateError(
        'E_TOOL_DENIED',
        `shell: command '${command}' is not in the allow-list (${list.join(', ')})`,
        { details: { command, allowed: list } },
      );
    }
    const cwd = await workingDirectory(ctx, input.cwd);
    if (!ctx.allowedPaths.some((root) => isInside(cwd, root))) {
      throw new AgentcrateError('E_TOOL_DENIED', `shell: cwd '${cwd}' is outside allowed_paths`);
    }
    const timeoutMs = configNumber(ctx.config, 'timeout_seconds', 30) * 1000;
    const maxChars = configNumber(ctx.config, 'max_output_chars', DEFAULT_OUTPUT_CHARS);
    const env = Object.fromEntries(
      PASSED_ENV.map((name) => [name, ctx.env[name]] as const).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    const started = Date.now();
    return new Promise((resolve, reject) => {
      execFile(
        program,
        argv,
        {
          cwd,
          env,
          timeout: timeoutMs,
          maxBuffer: 4 * maxChars + 1024,
          signal: ctx.signal,
          windowsHide: true,
          shell: false,
        },
        (error, stdout, stderr) => {
          const out = capText(String(stdout), maxChars);
          const err = capText(String(stderr), maxChars);
          const base = {
            command: [command, ...argv].join(' '),
            stdout: out.text,
            stderr: err.text,
            duration_ms: Date.now() - started,
          };
          if (!error) return resolve({ ...base, exit_code: 0 });
          const failure = error as NodeJS.ErrnoException & {
            killed?: boolean;
            signal?: string | null;
            code?: unknown;
          };
          if (failure.code === 'ENOENT') {
            return reject(new AgentcrateError('E_TOOL', `shell: command '${command}' was not found on PATH`));
          }
          if (failure.name === 'AbortError') {
            return reject(new AgentcrateError('E_CANCELLED', `shell: '${command}' was cancelled`));
          }
          if (failure.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            return resolve({
              ...base,
              exit_code: null,
              truncated: true,
              note: 'output limit reached; the command was stopped',
            });
          }
          if (failure.killed && failure.signal) {
            return reject(
              new AgentcrateError(
                'E_TOOL',
                `shell: '${command}' ran longer than ${timeoutMs / 1000}s and was stopped`,
              ),
            );
          }
          if (typeof failure.code === 'number') return resolve({ ...base, exit_code: failure.code });
          reject(
            new AgentcrateError('E_TOOL', `shell: '${command}' failed: ${failure.message}`, { cause: error }),
          );
        },
      );
    });
  },
};
