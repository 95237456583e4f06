/**
 * Commands as data: a command declares its arguments and options, each option with its kind
 * (the settings kinds, so a server's settings table is also `serve`'s options), and how to load
 * its handler. `main.ts` parses the command line once into the declared types; a handler
 * receives `CommandContext` with typed values and never parses or casts.
 */

import type { Output } from '../terminal/output.js';
import type { OptionsSpec, OptionValues } from './options.js';

export interface ArgSpec {
  description: string;
  /** Path arguments are made absolute against the working directory. */
  type?: 'string' | 'path';
  optional?: boolean;
  /** Takes the remaining arguments (at least one unless optional). */
  variadic?: boolean;
  /** The only values allowed. */
  choices?: readonly string[];
}

export type ArgsSpec = Readonly<Record<string, ArgSpec>>;

export type ArgValues<A extends ArgsSpec> = {
  -readonly [K in keyof A]: A[K] extends { variadic: true }
    ? string[]
    : A[K] extends { optional: true }
      ? ArgValue<A[K]> | undefined
      : ArgValue<A[K]>;
};

type ArgValue<S> = S extends { choices: readonly (infer C)[] } ? C : string;

export interface CommandContext<A extends ArgsSpec, O extends OptionsSpec> {
  args: ArgValues<A>;
  options: OptionValues<O>;
  /** `-v/--verbose`, given anywhere on the command line. */
  verbose: boolean;
  output: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted by SIGINT, SIGTERM or SIGHUP once their handlers are installed. */
  signal: AbortSignal;
  /**
   * Installs the handlers that turn SIGINT, SIGTERM and SIGHUP into `signal` (done before the
   * handler runs, unless the command says `stopSignals: 'handler'`); once only.
   */
  handleStopSignals(): void;
}

/** A handler module; method syntax, so a table can hold commands of different shapes. */
export interface HandlerModule<C> {
  default(ctx: C): Promise<number>;
}

export interface CommandSpec<A extends ArgsSpec = ArgsSpec, O extends OptionsSpec = OptionsSpec> {
  name: string;
  summary: string;
  args: A;
  options: O;
  /** The handler, imported only when the command runs (help and --version stay fast). */
  load(): Promise<HandlerModule<CommandContext<A, O>>>;
  /**
   * When a stop signal starts aborting `signal` rather than ending the process at once: from
   * the start (default), or from the handler's `handleStopSignals()` call — for a command that
   * first does long synchronous work with nothing to drain (serve loading a large workflow).
   */
  stopSignals?: 'start' | 'handler';
  /**
   * For a command whose `--json` promises one object on stdout whatever happens: that object
   * for an error, also one found before the handler runs (an unknown option, a bad value).
   */
  jsonFailure?(error: { code: string; message: string; details: Record<string, unknown> }): unknown;
}

/** What `main.ts` has parsed, read into any declared shape. */
export interface ParsedLine {
  args<T extends ArgsSpec>(spec: T): ArgValues<T>;
  options<T extends OptionsSpec>(spec: T): OptionValues<T>;
}

export type BaseContext = Omit<CommandContext<ArgsSpec, OptionsSpec>, 'args' | 'options'>;

export interface DefinedCommand<A extends ArgsSpec = ArgsSpec, O extends OptionsSpec = OptionsSpec>
  extends CommandSpec<A, O> {
  /** Reads the command line into this command's types and runs its handler. */
  start(line: ParsedLine, base: BaseContext): Promise<number>;
}

/** Keeps the literal types of `args` and `options`, so the handler's context is typed. */
export function defineCommand<const A extends ArgsSpec, const O extends OptionsSpec>(
  spec: CommandSpec<A, O>,
): DefinedCommand<A, O> {
  return {
    ...spec,
    async start(line, base) {
      // Read before loading: a bad value is reported without importing the handler.
      const ctx: CommandContext<A, O> = {
        ...base,
        args: line.args(spec.args),
        options: line.options(spec.options),
      };
      return (await spec.load()).default(ctx);
    },
  };
}
