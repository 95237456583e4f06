/**
 * A settings table: one row per setting of a long-running process (server, gateway, studio)
 * with its kind, default, description, command-line flag and environment variable. The same
 * table gives the CLI its options, the container entry its configuration, the app its
 * defaults and `.env.example` its listing, so a setting is declared once.
 */
import { defaultOf, defaultText, type Kind, parseRaw, type ValueOf } from './kinds.js';

export interface SettingExtras {
  /** The environment variable that sets it. */
  env?: string;
  /** The flag without dashes when it is not the key in kebab case; false: no flag (env only). */
  flag?: string | false;
  /**
   * False when the CLI must not read the variable: `HOST`/`PORT` are the container's, and a
   * developer's shell may hold them for other programs (a server must not open to the
   * network because of an inherited variable).
   */
  envInCli?: boolean;
  /** Its value never appears in a log line, an error or an example. */
  secret?: boolean;
  /** False keeps it out of `.env.example` (set by the image itself, e.g. the workflow path). */
  listed?: boolean;
}

export type Setting = Kind & SettingExtras;
export type SettingsTable = Readonly<Record<string, Setting>>;

/** Values read from a table: a default makes a value always present. */
export type SettingValues<T extends SettingsTable> = {
  -readonly [K in keyof T]: T[K] extends { type: 'boolean' | 'list' } | { default: unknown }
    ? ValueOf<T[K]>
    : ValueOf<T[K]> | undefined;
};

/** Checks a table's shape and keeps its literal type (for `SettingValues`). */
export function defineSettings<const T extends SettingsTable>(table: T): T {
  const seen = new Map<string, string>();
  for (const [key, setting] of Object.entries(table)) {
    for (const name of [setting.env, flagOf(key, setting)]) {
      if (name === undefined) continue;
      const other = seen.get(name);
      if (other !== undefined) throw new Error(`settings '${other}' and '${key}' both use ${name}`);
      seen.set(name, key);
    }
  }
  return table;
}

/** `maxConcurrentRuns` → `max-concurrent-runs`. */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The long flag without dashes, or undefined when the setting has none. */
export function flagOf(key: string, setting: SettingExtras): string | undefined {
  if (setting.flag === false) return undefined;
  return setting.flag ?? kebab(key);
}

export interface ReadOptions {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Values given on the command line (already parsed); they win over the environment. */
  given?: Readonly<Record<string, unknown>>;
  /** Reading for the CLI: skips variables marked `envInCli: false`. */
  cli?: boolean;
}

/**
 * Every setting's value: the command line, else its environment variable (an empty one counts
 * as unset), else its default. A value that does not parse is a usage error naming the
 * variable or flag.
 */
export function readSettings<T extends SettingsTable>(table: T, options: ReadOptions): SettingValues<T> {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(table)) {
    const given = options.given?.[key];
    if (given !== undefined) {
      out[key] = given;
      continue;
    }
    const raw =
      setting.env !== undefined && (!options.cli || setting.envInCli !== false)
        ? options.env[setting.env]
        : undefined;
    out[key] =
      raw !== undefined && raw.trim() !== ''
        ? parseRaw(setting, raw, { name: setting.env!, cwd: options.cwd })
        : defaultOf(setting, options.cwd);
  }
  return out as SettingValues<T>;
}

/** One variable for `.env.example` and the pre-deploy checks. */
export interface EnvVarListing {
  name: string;
  required: boolean;
  secret: boolean;
  description: string;
  /** What applies when it is unset (never for secrets). */
  defaultValue?: string;
}

/** The table's variables an operator may set, described with their defaults. */
export function envListing(table: SettingsTable): EnvVarListing[] {
  return Object.values(table)
    .filter((s): s is Setting & { env: string } => s.env !== undefined && s.listed !== false)
    .map((s) => {
      const fallback = s.type === 'boolean' ? String(s.default ?? false) : defaultText(s);
      return {
        name: s.env,
        required: false,
        secret: s.secret === true,
        description: capitalise(s.description),
        ...(fallback !== undefined && !s.secret ? { defaultValue: fallback } : {}),
      };
    });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The table as Markdown (flag, variable, default, what it does) for the docs; a test keeps the
 * docs' copy equal to it.
 */
export function settingsMarkdown(table: SettingsTable): string {
  const rows = Object.entries(table).map(([key, s]) => {
    const flag = flagOf(key, s);
    const shownFlag =
      flag === undefined
        ? '–'
        : s.type === 'boolean' && s.default === true
          ? `\`--no-${flag}\``
          : `\`--${flag}\``;
    const shownDefault =
      s.type === 'boolean'
        ? `\`${String(s.default ?? false)}\``
        : s.type === 'list' || s.default === undefined
          ? 'unset'
          : `\`${String(s.default)}\``;
    const cliNote = s.env !== undefined && s.envInCli === false ? ' (not read by `agentcrate serve`)' : '';
    return `| ${shownFlag} | ${s.env === undefined ? '–' : `\`${s.env}\``}${cliNote} | ${shownDefault} | ${s.description} |`;
  });
  return ['| flag | variable | default | what it sets |', '|---|---|---|---|', ...rows].join('\n');
}
