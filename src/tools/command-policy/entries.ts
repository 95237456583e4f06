/**
 * The `allowed_commands` setting of `shell` and `process`, read into entries. Three forms:
 *
 *   allowed_commands: [ls, cat]                       # plain: options and confined paths
 *   allowed_commands: ["git status", "git log ..."]   # a program with one argument pattern
 *   allowed_commands:
 *     - {command: git, args: ["diff {path}", "log -n {value}"]}
 *     - {command: python3, args: ["report.py {path}"], runs_programs: true}
 *
 * A pattern is a list of argument tokens: a literal (where `*` matches any characters),
 * `{path}` (one argument, confined to allowed_paths), `{value}` (one argument not starting
 * with `-`), and a final `...` (any further arguments under the plain rule).
 */
import { AgentcrateError } from '../../errors.js';

export type Token =
  | { kind: 'literal'; text: string; glob?: RegExp }
  | { kind: 'path' }
  | { kind: 'value' }
  | { kind: 'rest' };

export interface CommandEntry {
  /** The program as written: a name looked up on PATH, or a path. */
  program: string;
  /** Argument patterns; undefined for the plain rule. */
  patterns?: Token[][];
  /** The entry allows a program that runs other programs (shells, interpreters, find -exec). */
  runsPrograms: boolean;
  /** The entry as the user wrote it, for messages. */
  shown: string;
}

const ENTRY_KEYS = new Set(['command', 'args', 'runs_programs']);

/** The entries of `allowed_commands` (tool config first, else `ALLOWED_COMMANDS`). */
export function commandEntries(
  config: Record<string, unknown>,
  env: Record<string, string | undefined>,
): CommandEntry[] {
  const configured = config.allowed_commands ?? config.allowedCommands;
  const where = 'allowed_commands';
  if (configured !== undefined && configured !== null && configured !== '') {
    return toArray(configured, where).map((entry, index) => readEntry(entry, `${where}[${index}]`));
  }
  return toArray(env.ALLOWED_COMMANDS ?? '', 'ALLOWED_COMMANDS').map((entry, index) =>
    readEntry(entry, `ALLOWED_COMMANDS[${index}]`),
  );
}

/** Problems with the setting, in words that say where and how to fix it; empty when fine. */
export function commandEntryProblems(config: Record<string, unknown>): string[] {
  try {
    commandEntries(config, {});
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

function toArray(value: unknown, where: string): unknown[] {
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  }
  if (Array.isArray(value)) return value;
  throw invalid(where, 'expected a list of commands, e.g. [ls, "git status", {command: git, args: [...]}]');
}

function readEntry(entry: unknown, where: string): CommandEntry {
  if (typeof entry === 'string') {
    const words = entry.trim().split(/\s+/);
    const program = words[0] ?? '';
    if (program === '') throw invalid(where, 'an empty command');
    return {
      program,
      ...(words.length > 1 ? { patterns: [readPattern(words.slice(1), where)] } : {}),
      runsPrograms: false,
      shown: entry.trim(),
    };
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw invalid(where, 'expected a command name or {command, args, runs_programs}');
  }
  const object = entry as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (!ENTRY_KEYS.has(key))
      throw invalid(`${where}.${key}`, `unknown key; use ${[...ENTRY_KEYS].join(', ')}`);
  }
  const program = typeof object.command === 'string' ? object.command.trim() : '';
  if (program === '' || /\s/.test(program)) {
    throw invalid(`${where}.command`, 'expected one program name or path (its arguments go in args)');
  }
  const runs = object.runs_programs ?? false;
  if (typeof runs !== 'boolean') throw invalid(`${where}.runs_programs`, 'expected true or false');
  let patterns: Token[][] | undefined;
  if (object.args !== undefined) {
    if (!Array.isArray(object.args) || object.args.length === 0) {
      throw invalid(
        `${where}.args`,
        'expected a list of argument patterns, e.g. ["status", "log -n {value}"]; leave args out to allow options and confined paths',
      );
    }
    patterns = object.args.map((pattern, index) => {
      const at = `${where}.args[${index}]`;
      if (typeof pattern === 'string')
        return readPattern(pattern.trim() === '' ? [] : pattern.trim().split(/\s+/), at);
      if (Array.isArray(pattern) && pattern.every((word) => typeof word === 'string')) {
        return readPattern(pattern as string[], at);
      }
      throw invalid(at, 'expected a pattern string ("log -n {value}") or a list of arguments');
    });
  }
  const shown = patterns
    ? `${program} with args ${JSON.stringify(object.args)}${runs ? ' (runs_programs)' : ''}`
    : `${program}${runs ? ' (runs_programs)' : ''}`;
  return { program, ...(patterns ? { patterns } : {}), runsPrograms: runs, shown };
}

function readPattern(words: string[], where: string): Token[] {
  return words.map((word, index) => {
    if (word === '...') {
      if (index !== words.length - 1) throw invalid(where, "'...' may only end a pattern");
      return { kind: 'rest' };
    }
    if (word === '{path}') return { kind: 'path' };
    if (word === '{value}') return { kind: 'value' };
    if (/[{}]/.test(word) && /\{[a-z]*\}/i.test(word)) {
      throw invalid(where, `'${word}': a placeholder must be a whole argument, {path} or {value}`);
    }
    return word.includes('*')
      ? { kind: 'literal', text: word, glob: globOf(word) }
      : { kind: 'literal', text: word };
  });
}

/** `--since=*` → /^--since=.*$/ (only `*` is special). */
function globOf(word: string): RegExp {
  return new RegExp(`^${word.split('*').map(escapeRegExp).join('.*')}$`, 's');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function invalid(where: string, message: string): AgentcrateError {
  return new AgentcrateError('E_TOOL', `tool config ${where}: ${message}`, { details: { setting: where } });
}
