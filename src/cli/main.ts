/**
 * The CLI entry: declares the command table to commander (which splits the command line and
 * writes help), reads every argument and option into its declared type once, runs one command,
 * and maps any error to a message and an exit code. Users never see a stack trace
 * (`-v/--verbose` or AGENTCRATE_DEBUG=1 shows it).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AgentcrateError, isAgentcrateError } from '../errors.js';
import { hideSqliteExperimentalWarning } from '../node-warnings.js';
import { exitCodeFor, formatError } from '../terminal/errors.js';
import { processOutput } from '../terminal/output.js';
import { handleStopSignals } from '../terminal/stop-signals.js';
import { VERSION } from '../version.js';
import { COMMANDS } from './commands/index.js';
import type { ArgsSpec, ArgValues, DefinedCommand, ParsedLine } from './define.js';
import { addOptions, readOptions } from './options.js';

export async function main(argv: string[]): Promise<number> {
  // The fast path: the version needs neither commander nor any command module.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  hideSqliteExperimentalWarning();
  const { Command, CommanderError, Option } = await import('commander');
  const output = processOutput();
  const program = new Command('agentcrate')
    .description('Run, serve and deploy declarative LLM agent workflows')
    .version(VERSION, '-V, --version', 'print the version')
    .option('-v, --verbose', 'more detail: debug logs when serving, stack traces of unexpected errors')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);

  // An error reading the command line (a value that does not fit) comes before the handler.
  let lineError: unknown;
  const noting = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      lineError = error;
      throw error;
    }
  };
  let chosen: { spec: DefinedCommand; cmd: Command; line: ParsedLine } | undefined;
  for (const spec of COMMANDS) {
    const cmd = program.command(spec.name).description(spec.summary);
    for (const [name, arg] of Object.entries(spec.args)) {
      const shown = `${name}${arg.variadic ? '...' : ''}`;
      cmd.argument(arg.optional ? `[${shown}]` : `<${shown}>`, arg.description);
    }
    const declared = addOptions(cmd, spec.options, Option);
    cmd.action(() => {
      const at = { env: process.env, cwd: process.cwd() };
      chosen = {
        spec,
        cmd,
        line: {
          args: (specs) => noting(() => readArgs(specs, cmd.processedArgs, at.cwd)),
          options: (specs) => noting(() => readOptions(specs, declared, cmd, at)),
        },
      };
    });
  }

  const controller = new AbortController();
  let removeStopSignals: (() => void) | undefined;
  const stopSignals = () => {
    removeStopSignals ??= handleStopSignals(controller, process.env);
  };
  let verbose = argv.includes('-v') || argv.includes('--verbose');
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv, { from: 'user' });
    if (chosen === undefined) return 0;
    verbose = program.opts<{ verbose?: boolean }>().verbose === true;
    if (chosen.spec.stopSignals !== 'handler') stopSignals();
    return await chosen.spec.start(chosen.line, {
      verbose,
      output,
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
      handleStopSignals: stopSignals,
    });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; they already printed.
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return 0;
      printJsonFailure(argv, {
        code: 'E_USAGE',
        message: error.message.replace(/^error: /, ''),
        details: {},
      });
      return 2;
    }
    output.err(formatError(error, output.color, verbose));
    if (isAgentcrateError(error) && error === lineError) {
      printJsonFailure(argv, { code: error.code, message: error.message, details: error.details ?? {} });
    }
    return exitCodeFor(error);
  } finally {
    removeStopSignals?.();
  }
}

/** Positional arguments in their declared shape; paths made absolute; choices checked. */
function readArgs<A extends ArgsSpec>(specs: A, values: readonly unknown[], cwd: string): ArgValues<A> {
  const out: Record<string, unknown> = {};
  Object.entries(specs).forEach(([name, spec], i) => {
    const value = values[i] as string | string[] | undefined;
    const one = (v: string) => {
      if (spec.choices !== undefined && !spec.choices.includes(v)) {
        throw new AgentcrateError(
          'E_USAGE',
          `<${name}> expects one of ${spec.choices.join(', ')}, got '${v}'`,
        );
      }
      return spec.type === 'path' ? resolve(cwd, v) : v;
    };
    out[name] = Array.isArray(value) ? value.map(one) : value === undefined ? undefined : one(value);
  });
  return out as ArgValues<A>;
}

/**
 * `--json` on a command that promises one object on stdout: an error found before its handler
 * (an unknown option, a value that does not fit) is that object too. Global options take no
 * value, so the first word that is not an option names the command.
 */
function printJsonFailure(
  argv: readonly string[],
  error: { code: string; message: string; details: Record<string, unknown> },
): void {
  if (!argv.includes('--json')) return;
  const name = argv.find((a) => !a.startsWith('-'));
  const spec = COMMANDS.find((c) => c.name === name);
  if (spec?.jsonFailure === undefined) return;
  process.stdout.write(`${JSON.stringify(spec.jsonFailure(error))}\n`);
}
