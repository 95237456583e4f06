/**
 * The command policy of `shell` and `process`: decides whether one program with one argument
 * list may run, and returns exactly what to start (an absolute executable, the arguments, the
 * extra environment). Nothing here runs anything, and nothing is ever handed to a shell.
 */
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AgentcrateError } from '../../errors.js';
import { confinePath } from '../confine.js';
import type { CommandEntry, Token } from './entries.js';
import { extraEnvironment, FORCED_ARGUMENTS, runningOptions, runsPrograms } from './programs.js';

export interface CommandRequest {
  tool: string;
  command: string;
  args: string[];
  /** The real working directory the program runs in (already confined). */
  cwd: string;
  /** What listed program paths are relative to (the tool's working directory). */
  baseDir: string;
  allowedPaths: string[];
  /** PATH to look bare names up in. */
  searchPath: string | undefined;
}

export interface AllowedCommand {
  /** Absolute path of the program to start. */
  executable: string;
  /** Its arguments, forced ones first. */
  args: string[];
  /** Added to the minimal environment. */
  env: Record<string, string>;
  entry: CommandEntry;
}

export async function authorizeCommand(
  entries: CommandEntry[],
  request: CommandRequest,
): Promise<AllowedCommand> {
  const { tool, command } = request;
  const candidates = entries.filter((entry) => programMatches(entry.program, command, request.baseDir));
  if (candidates.length === 0) {
    throw new AgentcrateError(
      'E_TOOL_DENIED',
      `${tool}: command '${command}' is not in the allow-list (${entries.map((e) => e.program).join(', ')})`,
      { details: { command, allowed: entries.map((e) => e.shown) } },
    );
  }
  const refusals: string[] = [];
  for (const entry of candidates) {
    const outcome = await judge(entry, request);
    if (typeof outcome !== 'string') return outcome;
    refusals.push(candidates.length === 1 ? outcome : `${entry.shown}: ${outcome}`);
  }
  throw new AgentcrateError(
    'E_TOOL_DENIED',
    `${tool}: '${[command, ...request.args].join(' ')}' is not allowed: ${refusals.join('; ')}`,
    {
      details: { command, args: request.args, allowed: candidates.map((e) => e.shown) },
    },
  );
}

/** What to start when `entry` allows the request, else why not. */
async function judge(entry: CommandEntry, request: CommandRequest): Promise<AllowedCommand | string> {
  // Names first: a refusal must not depend on whether the program is installed.
  const listed = [...new Set([path.basename(request.command), path.basename(entry.program)])];
  const early = runnerRefusal(entry, listed, request.args);
  if (early !== undefined) return early;
  const executable = await findExecutable(
    entry.program.includes('/') ? entry.program : request.command,
    request,
  );
  const names = await programNames(listed, executable);
  const refusal = runnerRefusal(entry, names, request.args) ?? (await argumentRefusal(entry, request));
  if (refusal !== undefined) return refusal;
  const forced = entry.runsPrograms
    ? []
    : [...new Set(names.flatMap((name) => FORCED_ARGUMENTS[name] ?? []))];
  return {
    executable,
    args: [...forced, ...request.args],
    env: Object.assign({}, ...names.map(extraEnvironment)) as Record<string, string>,
    entry,
  };
}

/**
 * A bare name matches an entry of that name (or a listed path with that base name, which is
 * then what runs); a path matches only the same listed path, so `/tmp/x/ls` is not `ls`.
 */
function programMatches(program: string, command: string, baseDir: string): boolean {
  if (command.includes('/') || command.includes('\\'))
    return program.includes('/') && path.resolve(baseDir, program) === path.resolve(baseDir, command);
  return program === command || (program.includes('/') && path.basename(program) === command);
}

async function findExecutable(program: string, request: CommandRequest): Promise<string> {
  if (program.includes('/')) {
    const absolute = path.resolve(request.baseDir, program);
    if (await isExecutable(absolute)) return absolute;
    throw new AgentcrateError('E_TOOL', `${request.tool}: '${program}' is not an executable file`);
  }
  for (const dir of (request.searchPath ?? '').split(path.delimiter)) {
    // An empty or relative PATH entry would look in the working directory, which the model may write.
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, program);
    if (await isExecutable(candidate)) return candidate;
  }
  throw new AgentcrateError('E_TOOL', `${request.tool}: command '${program}' was not found on PATH`);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Programs that pick their behaviour from the name they are called by (`ls` → busybox). */
const MULTI_CALL = new Set(['busybox', 'toybox', 'coreutils']);

/**
 * The names the policy judges: as requested, as listed, and as the file really is (`awk` may be
 * `gawk`, `sh` may be `dash`, `python3` may be `python3.12`) — except a multi-call binary's own
 * name, since it runs the program it is called as.
 */
async function programNames(listed: string[], executable: string): Promise<string[]> {
  const names = new Set(listed);
  const real = path.basename(await realpath(executable));
  if (!MULTI_CALL.has(real)) names.add(real);
  return [...names];
}

/** Why these names or options make the program run others, unless the entry says it may. */
function runnerRefusal(entry: CommandEntry, names: string[], args: string[]): string | undefined {
  if (entry.runsPrograms) return undefined;
  const runner = names.find(runsPrograms);
  if (runner !== undefined) {
    return `'${runner}' runs other programs; allow it only on purpose, with an entry that says runs_programs: true (and narrow args patterns)`;
  }
  for (const name of names) {
    const reason = runningOptions(name, args);
    if (reason !== undefined) return `${reason}; an entry with runs_programs: true would allow it`;
  }
  return undefined;
}

/** Why the arguments fit neither the entry's patterns nor, without patterns, the plain rule. */
async function argumentRefusal(entry: CommandEntry, request: CommandRequest): Promise<string | undefined> {
  if (entry.patterns === undefined) return plainRefusal(request.args, request);
  const reasons: string[] = [];
  for (const pattern of entry.patterns) {
    const reason = await patternRefusal(pattern, request.args, request);
    if (reason === undefined) return undefined;
    reasons.push(reason);
  }
  const shown = entry.patterns.map((p) => `'${p.map(tokenText).join(' ')}'`).join(', ');
  return `the arguments fit none of the allowed patterns (${shown}): ${reasons.join('; ')}`;
}

function tokenText(token: Token): string {
  if (token.kind === 'literal') return token.text;
  return token.kind === 'rest' ? '...' : `{${token.kind}}`;
}

async function patternRefusal(
  pattern: Token[],
  args: string[],
  request: CommandRequest,
): Promise<string | undefined> {
  for (const [index, token] of pattern.entries()) {
    if (token.kind === 'rest') return plainRefusal(args.slice(index), request);
    const arg = args[index];
    if (arg === undefined) return `argument ${index + 1} is missing (expected ${tokenText(token)})`;
    if (token.kind === 'literal') {
      if (token.glob ? !token.glob.test(arg) : arg !== token.text) return `'${arg}' is not '${token.text}'`;
    } else if (token.kind === 'value') {
      if (arg.startsWith('-')) return `'${arg}' starts with '-', where {value} allows no option`;
    } else {
      const outside = await pathRefusal(arg, request);
      if (outside !== undefined) return outside;
    }
  }
  return args.length > pattern.length
    ? `${args.length - pattern.length} more argument(s) than the pattern allows`
    : undefined;
}

/**
 * The plain rule: options are allowed; every other argument, and the value of every
 * `--option=value` or `key=value` argument, is a path that must lie inside allowed_paths.
 */
async function plainRefusal(args: string[], request: CommandRequest): Promise<string | undefined> {
  let operands = false;
  for (const arg of args) {
    if (!operands && arg === '--') {
      operands = true;
      continue;
    }
    const isOption = !operands && arg.startsWith('-') && arg !== '-';
    const equals = arg.indexOf('=');
    if (isOption) {
      if (equals > 0) {
        const value = arg.slice(equals + 1);
        if (value !== '') {
          const outside = await pathRefusal(value, request);
          if (outside !== undefined) return `${outside} (in '${arg}')`;
        }
      } else if (arg.includes('/') || arg.includes('..')) {
        return `the option '${arg}' has a path glued to it; pass the path as its own argument so it can be checked`;
      }
      continue;
    }
    const outside = await pathRefusal(arg, request);
    if (outside !== undefined) return outside;
    if (equals > 0 && equals < arg.length - 1) {
      const inValue = await pathRefusal(arg.slice(equals + 1), request);
      if (inValue !== undefined) return `${inValue} (in '${arg}')`;
    }
  }
  return undefined;
}

async function pathRefusal(arg: string, request: CommandRequest): Promise<string | undefined> {
  try {
    await confinePath(arg, request.cwd, request.allowedPaths, 'argument');
    return undefined;
  } catch (error) {
    if (error instanceof AgentcrateError) return error.message;
    throw error;
  }
}
