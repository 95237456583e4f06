/**
 * The CLI's commands as data. Each entry names its arguments and options and how to load
 * its implementation; nothing heavy is imported until a command actually runs, which keeps
 * `agentcrate --version` and `--help` fast.
 */
import type { Output } from './output.js';

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | boolean | string[];
  /** Repeatable option collecting values into a list. */
  repeatable?: boolean;
}

export interface CommandContext {
  args: string[];
  options: Record<string, unknown>;
  output: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signal: AbortSignal;
}

/** A command returns its exit code; only the entry point exits. */
export type CommandHandler = (ctx: CommandContext) => Promise<number>;

export interface CommandSpec {
  name: string;
  args: string;
  summary: string;
  options: OptionSpec[];
  load: () => Promise<{ default: CommandHandler }>;
}

const provider: OptionSpec[] = [
  { flags: '--provider <name>', description: 'override the provider of every node (AGENTCRATE_LLM_PROVIDER)' },
  { flags: '--model <name>', description: 'override the model of every node (AGENTCRATE_LLM_MODEL)' },
  { flags: '--base-url <url>', description: 'override the base URL of every node (AGENTCRATE_LLM_BASE_URL)' },
];

export const COMMANDS: CommandSpec[] = [
  {
    name: 'validate',
    args: '<file...>',
    summary: 'check workflow files and report every problem with file:line:column',
    options: [
      { flags: '--json', description: 'print a machine-readable report' },
      { flags: '--strict', description: 'treat warnings as errors' },
    ],
    load: () => import('./commands/validate.js'),
  },
  {
    name: 'run',
    args: '<file>',
    summary: 'run a workflow locally and print its outputs',
    options: [
      { flags: '-i, --input <key=value>', description: 'an input value (repeatable; JSON values are parsed)', repeatable: true },
      { flags: '--input-file <path>', description: 'read inputs from a JSON object file' },
      { flags: '--json', description: 'print one JSON object {run_id, status, outputs, error, usage, duration_ms}' },
      { flags: '--events', description: 'stream engine events as NDJSON on stderr' },
      { flags: '--dry-run', description: 'no network, no keys: placeholder model answers, tools not called' },
      { flags: '--timeout <seconds>', description: 'whole-run timeout (overrides config.execution.timeout)' },
      ...provider,
    ],
    load: () => import('./commands/run.js'),
  },
  {
    name: 'schema',
    args: '',
    summary: 'print the JSON Schema of the workflow file format (for editors)',
    options: [],
    load: () => import('./commands/schema.js'),
  },
  {
    name: 'traces',
    args: '[job_id]',
    summary: 'print a run\'s span tree (durations, tokens, cost); with no id, list recent traced runs',
    options: [
      { flags: '--store <path>', description: 'job store file (default AGENTCRATE_STORE or ./agentcrate.db)' },
      { flags: '--limit <n>', description: 'how many recent runs to list', default: '20' },
      { flags: '--json', description: 'print JSON' },
    ],
    load: () => import('./commands/traces.js'),
  },
  {
    name: 'report',
    args: '<report>',
    summary: 'report from the job store; `report costs` sums model cost and tokens',
    options: [
      { flags: '--store <path>', description: 'job store file (default AGENTCRATE_STORE or ./agentcrate.db)' },
      { flags: '--since <duration>', description: 'window: 7d, 24h, 30m', default: '7d' },
      { flags: '--by <grouping>', description: 'group by model, node or workflow', default: 'model' },
      { flags: '--json', description: 'print JSON' },
    ],
    load: () => import('./commands/report.js'),
  },
];
