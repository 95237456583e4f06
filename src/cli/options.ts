/**
 * Command-line options: settings (a kind, a default, maybe an environment variable) with what
 * only a command line has — a short flag, a `--no-` form for a value option, hiding from help.
 * `addOptions` declares them to commander (which only splits the command line and writes
 * help), `readOptions` turns what it collected into typed values, once, for every command.
 */
import type { Command } from 'commander';
import {
  defaultText,
  flagOf,
  parseRaw,
  readSettings,
  type Setting,
  type SettingValues,
} from '../settings/index.js';

export type OptionSpec = Setting & {
  /** One letter: `-i`. */
  short?: string;
  /** A value option that `--no-<flag>` turns off (its value is then false). */
  negatable?: boolean;
  /** Accepted but not listed in help. */
  hidden?: boolean;
};

export type OptionsSpec = Readonly<Record<string, OptionSpec>>;

export type OptionValues<T extends OptionsSpec> = {
  [K in keyof T]: SettingValues<T>[K] | (T[K] extends { negatable: true } ? false : never);
};

interface Declared {
  key: string;
  spec: OptionSpec;
  flag: string;
  attribute: string;
}

/** Declares a command's options to commander; returns what `readOptions` needs to read them. */
export function addOptions(
  cmd: Command,
  options: OptionsSpec,
  make: typeof import('commander').Option,
): Declared[] {
  const declared: Declared[] = [];
  for (const [key, spec] of Object.entries(options)) {
    const flag = flagOf(key, spec);
    if (flag === undefined) continue; // environment only
    const short = spec.short ? `-${spec.short}, ` : '';
    const placeholder = spec.placeholder ?? `<${spec.type === 'path' ? 'path' : 'value'}>`;
    const help = describe(spec);
    let option: InstanceType<typeof make>;
    if (spec.type === 'boolean') {
      option =
        spec.default === true
          ? new make(`--no-${flag}`, `turn off: ${help}`)
          : new make(`${short}--${flag}`, help);
    } else {
      option = new make(`${short}--${flag} ${placeholder}`, help);
      if (spec.type === 'list') {
        // As its environment variable is read: `--allowed-hosts a,b` is two values.
        const split = spec.wholeValues === true ? (v: string) => [v] : splitList;
        option.argParser((value: string, previous: string[] = []) => [...previous, ...split(value)]);
      }
    }
    if (spec.hidden) option.hideHelp();
    cmd.addOption(option);
    if (spec.negatable && spec.type !== 'boolean') {
      // Its description says what --no-<flag> does; one line in help is enough.
      cmd.addOption(new make(`--no-${flag}`).hideHelp());
    }
    declared.push({ key, spec, flag, attribute: option.attributeName() });
  }
  return declared;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function describe(spec: OptionSpec): string {
  const parts = [spec.description];
  if (spec.type === 'list')
    parts.push(spec.wholeValues === true ? '(repeatable)' : '(comma-separated, repeatable)');
  if (spec.type === 'enum') parts.push(`(${spec.choices.join(', ')})`);
  const fallback = defaultText(spec);
  if (fallback !== undefined) parts.push(`(default: ${fallback})`);
  if (spec.env !== undefined && spec.envInCli !== false) parts.push(`[env ${spec.env}]`);
  return parts.join(' ');
}

/**
 * The typed values of a command's options: what the command line gave (parsed by kind),
 * else the option's environment variable, else its default. Bad values are usage errors that
 * name the flag.
 */
export function readOptions<T extends OptionsSpec>(
  options: T,
  declared: readonly Declared[],
  cmd: Command,
  context: { env: NodeJS.ProcessEnv; cwd: string },
): OptionValues<T> {
  const given: Record<string, unknown> = {};
  const raw = cmd.opts<Record<string, unknown>>();
  for (const d of declared) {
    if (cmd.getOptionValueSource(d.attribute) !== 'cli') continue;
    const value = raw[d.attribute];
    const source = { name: `--${d.flag}`, cwd: context.cwd };
    if (value === false || typeof value === 'boolean') given[d.key] = value;
    else if (Array.isArray(value)) given[d.key] = value.map(String);
    else if (typeof value === 'string') given[d.key] = parseRaw(d.spec, value, source);
  }
  return readSettings(options, { env: context.env, cwd: context.cwd, given, cli: true }) as OptionValues<T>;
}
