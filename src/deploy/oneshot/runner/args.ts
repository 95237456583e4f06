/**
 * The runner's command line: `runner ['{"json": "input"}'] [--input-file F] [--batch [F]]
 * [--concurrency N] [--dry-run] [--timeout S] [--allow-private-network]`, plus the build's own
 * `--warm` (and `--describe-tools`, answered before any of this, in main.ts). Hand-parsed: the runner carries no argument library.
 */
import { AgentcrateError } from '../../../errors.js';

export interface RunnerArgs {
  mode: 'single' | 'batch' | 'warm' | 'help';
  /** The JSON input given as an argument. */
  json?: string;
  inputFile?: string;
  /** Batch input file; stdin when absent. */
  batchFile?: string;
  concurrency: number;
  dryRun: boolean;
  timeoutMs?: number;
  allowPrivateNetwork: boolean;
}

export const DEFAULT_CONCURRENCY = 16;
const MAX_CONCURRENCY = 1024;

export const RUNNER_USAGE = `usage: <image> ['{"field": "value"}'] [--input-file FILE] [--dry-run] [--timeout SECONDS]
       <image> --batch [FILE] [--concurrency N]     (JSON lines in, one result line per input, in order)
The input comes from the argument, --input-file, or stdin. One JSON result on stdout:
{"status", "outputs", "error", "usage", "duration_ms"}; logs on stderr. Exit 0 success, 1 run failed, 2 bad input.`;

export function parseRunnerArgs(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): RunnerArgs {
  const args: RunnerArgs = {
    mode: 'single',
    concurrency: DEFAULT_CONCURRENCY,
    dryRun: truthy(env.AGENTCRATE_DRY_RUN),
    allowPrivateNetwork: truthy(env.AGENTCRATE_ALLOW_PRIVATE_NETWORK),
  };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw usage(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    switch (arg) {
      case '--input-file':
        args.inputFile = value(i, arg);
        i++;
        break;
      case '--batch':
        args.mode = 'batch';
        if (argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')) {
          args.batchFile = argv[i + 1] as string;
          i++;
        }
        break;
      case '--concurrency':
        args.concurrency = wholeNumber(value(i, arg), arg, 1, MAX_CONCURRENCY);
        i++;
        break;
      case '--timeout':
        args.timeoutMs = positiveSeconds(value(i, arg)) * 1000;
        i++;
        break;
      case '--dry-run':
        args.dryRun = true;
        break;
      case '--allow-private-network':
        args.allowPrivateNetwork = true;
        break;
      case '--warm':
        args.mode = 'warm';
        break;
      case '-h':
      case '--help':
        args.mode = 'help';
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw usage(`unknown option ${arg}`);
        if (args.json !== undefined) throw usage('give the input once: one JSON argument');
        args.json = arg;
    }
  }
  if (args.mode === 'batch' && (args.json !== undefined || args.inputFile !== undefined)) {
    throw usage('--batch reads JSON lines from its file or stdin: drop the JSON argument and --input-file');
  }
  if (args.json !== undefined && args.inputFile !== undefined) {
    throw usage('give the input once: a JSON argument or --input-file, not both');
  }
  return args;
}

function usage(message: string): AgentcrateError {
  return new AgentcrateError('E_USAGE', `${message}\n${RUNNER_USAGE}`);
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

function wholeNumber(raw: string, flag: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw usage(`${flag} expects a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

function positiveSeconds(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw usage(`--timeout expects seconds > 0, got '${raw}'`);
  return n;
}
