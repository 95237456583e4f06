/**
 * The CLI entry: builds commander from the command table, runs one command, maps any error
 * to a message and an exit code. Users never see a stack trace (AGENTCRATE_DEBUG=1 shows it).
 */
import type { Command } from 'commander';
import { hideSqliteExperimentalWarning } from '../node-warnings.js';
import { VERSION } from '../version.js';
import { COMMANDS, type CommandSpec } from './commands.js';
import { exitCodeFor, formatError } from './errors.js';
import { processOutput } from './output.js';

export async function main(argv: string[]): Promise<number> {
  // The fast path: `--version` needs neither commander nor any command module.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  hideSqliteExperimentalWarning();
  const { Command, CommanderError } = await import('commander');
  const output = processOutput();
  const controller = new AbortController();
  let exitCode = 0;
  const program = new Command('agentcrate')
    .description('Run, serve and deploy declarative LLM agent workflows')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    })
    .showSuggestionAfterError(true);

  for (const spec of COMMANDS) addCommand(program, spec, (code) => (exitCode = code), controller.signal);

  const stopSignals = handleStopSignals(controller);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; they already printed.
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    output.err(formatError(error, output.color));
    return exitCodeFor(error);
  } finally {
    stopSignals();
  }
}

function addCommand(
  program: Command,
  spec: CommandSpec,
  setCode: (code: number) => void,
  signal: AbortSignal,
): void {
  const cmd = program.command(`${spec.name}${spec.args ? ` ${spec.args}` : ''}`).description(spec.summary);
  for (const opt of spec.options) {
    if (opt.repeatable)
      cmd.option(opt.flags, opt.description, (v: string, prev: string[] = []) => [...prev, v]);
    else if (opt.default !== undefined) cmd.option(opt.flags, opt.description, opt.default);
    else cmd.option(opt.flags, opt.description);
  }
  cmd.action(async (...params: unknown[]) => {
    // commander passes positional args, then the options object, then the command.
    const command = params.at(-1) as Command;
    const options = command.opts();
    const args = command.args;
    const mod = await spec.load();
    setCode(
      await mod.default({
        args,
        options,
        output: processOutput(),
        env: process.env,
        cwd: process.cwd(),
        signal,
      }),
    );
  });
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** A copy of the same signal this soon after the first is the terminal's and a forwarder's. */
const DUPLICATE_WINDOW_MS = 500;

/**
 * SIGINT, SIGTERM and SIGHUP abort the running command (a server drains and exits 0). A later
 * signal ends the process the default way at once; a copy arriving within the window (Ctrl-C
 * reaches both a re-running wrapper, which forwards it, and this process) is ignored.
 * Returns the function that removes the handlers.
 */
function handleStopSignals(controller: AbortController): () => void {
  let first: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = Date.now();
      controller.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    if (Date.now() - first < DUPLICATE_WINDOW_MS) return;
    remove();
    process.kill(process.pid, signal);
  };
  const remove = () => {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return remove;
}
