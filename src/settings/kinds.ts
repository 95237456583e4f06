/**
 * The kinds of value a flag or an environment variable carries. Each kind parses a raw string
 * once, into the type its spec declares, or throws a usage error that names the flag or the
 * variable and says what it expects. `ValueOf` gives the parsed type, so a table of specs
 * types the values read from it.
 */
import { resolve } from 'node:path';
import { AgentcrateError } from '../errors.js';

interface Common {
  description: string;
  /** Shown in help and errors instead of the key, e.g. `<seconds>`. */
  placeholder?: string;
}

export interface BooleanKind extends Common {
  type: 'boolean';
  /** True turns the flag into `--no-<name>` (the value is true unless it is given). */
  default?: boolean;
}
export interface StringKind extends Common {
  type: 'string';
  default?: string;
}
/** A file or directory; made absolute against the working directory when read. */
export interface PathKind extends Common {
  type: 'path';
  default?: string;
}
export interface NumberKind extends Common {
  type: 'number';
  integer?: boolean;
  min?: number;
  /** `min` itself is refused (a timeout of 0 s means nothing). */
  minExclusive?: boolean;
  max?: number;
  default?: number;
}
export interface EnumKind<C extends string = string> extends Common {
  type: 'enum';
  choices: readonly C[];
  default?: C;
}
/** Several values: a repeated flag or a comma-separated one, or a comma-separated variable. */
export interface ListKind extends Common {
  type: 'list';
  /** Each flag is one value, commas and all (`-i tags=["a","b"]`): only repeating adds more. */
  wholeValues?: true;
}
/** `7d`, `24h`, `30m`, `90s`, as milliseconds. */
export interface DurationKind extends Common {
  type: 'duration';
  default?: string;
}

export type Kind = BooleanKind | StringKind | PathKind | NumberKind | EnumKind | ListKind | DurationKind;

/** The type a kind parses to. */
export type ValueOf<K> = K extends { type: 'boolean' }
  ? boolean
  : K extends { type: 'number' | 'duration' }
    ? number
    : K extends { type: 'enum'; choices: readonly (infer C)[] }
      ? C
      : K extends { type: 'list' }
        ? string[]
        : string;

/** Where a raw value came from, for messages: `--timeout` or `AGENTCRATE_TIMEOUT`. */
export interface Source {
  /** The flag (`--timeout`) or the variable's name. */
  name: string;
  cwd: string;
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;
const DURATION = /^(\d+(?:\.\d+)?)\s*(d|h|m|s)$/i;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;

function invalid(source: Pick<Source, 'name'>, raw: string, expected: string): AgentcrateError {
  return new AgentcrateError('E_USAGE', `${source.name} expects ${expected}, got '${raw}'`, {
    details: { name: source.name, value: raw },
  });
}

/** `7d`, `24h`, `30m`, `90s` → milliseconds. */
export function parseDuration(raw: string, source: Pick<Source, 'name'>): number {
  const match = DURATION.exec(raw.trim());
  if (!match) throw invalid(source, raw, 'a duration like 7d, 24h, 30m or 90s');
  return Number(match[1]) * UNIT_MS[match[2]!.toLowerCase() as keyof typeof UNIT_MS];
}

function numberRange(kind: NumberKind): string {
  const what = kind.integer ? 'a whole number' : 'a number';
  if (kind.min !== undefined && kind.max !== undefined) return `${what} from ${kind.min} to ${kind.max}`;
  if (kind.min !== undefined) return `${what} ${kind.minExclusive ? '>' : '≥'} ${kind.min}`;
  if (kind.max !== undefined) return `${what} ≤ ${kind.max}`;
  return what;
}

/** Parses one raw string (a flag's argument or a variable's value) into the kind's type. */
export function parseRaw<K extends Kind>(kind: K, raw: string, source: Source): ValueOf<K> {
  return parseAny(kind, raw, source) as ValueOf<K>;
}

function parseAny(kind: Kind, raw: string, source: Source): unknown {
  switch (kind.type) {
    case 'boolean': {
      if (TRUE.test(raw.trim())) return true;
      if (FALSE.test(raw.trim())) return false;
      throw invalid(source, raw, 'true or false (1/0, yes/no, on/off)');
    }
    case 'string':
      return raw;
    case 'path': {
      if (raw.trim() === '') throw invalid(source, raw, 'a path');
      // A store may be a PostgreSQL URL instead of a file: kept as given.
      return raw === ':memory:' || /^postgres(ql)?:\/\//i.test(raw.trim())
        ? raw.trim()
        : resolve(source.cwd, raw);
    }
    case 'number': {
      const value = raw.trim() === '' ? Number.NaN : Number(raw);
      const ok =
        Number.isFinite(value) &&
        (!kind.integer || Number.isInteger(value)) &&
        (kind.min === undefined || value > kind.min || (value === kind.min && !kind.minExclusive)) &&
        (kind.max === undefined || value <= kind.max);
      if (!ok) throw invalid(source, raw, numberRange(kind));
      return value;
    }
    case 'enum': {
      if (!kind.choices.includes(raw)) throw invalid(source, raw, `one of ${kind.choices.join(', ')}`);
      return raw;
    }
    case 'list':
      return raw
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
    case 'duration':
      return parseDuration(raw, source);
  }
}

/** The kind's default, parsed (a duration's default is text), or undefined. */
export function defaultOf<K extends Kind>(kind: K, cwd: string): ValueOf<K> | undefined {
  if (kind.type === 'list') return [] as ValueOf<K>;
  if (kind.type === 'boolean') return (kind.default ?? false) as ValueOf<K>;
  if (kind.default === undefined) return undefined;
  if (kind.type === 'duration' || kind.type === 'path') {
    return parseRaw(kind, kind.default, { name: 'the default', cwd });
  }
  return kind.default as ValueOf<K>;
}

/** How a default reads in help: `30`, `7d`, `./agentcrate.db`. */
export function defaultText(kind: Kind): string | undefined {
  if (kind.type === 'list' || kind.type === 'boolean' || kind.default === undefined) return undefined;
  return String(kind.default);
}
