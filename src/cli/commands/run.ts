/** `agentcrate run <file>`: a workflow in-process; exit 0 success, 1 run failed, 2 bad workflow or input. */
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';
import { MODEL_OVERRIDE_OPTIONS } from './model-override.js';

const args = { file: { description: 'the workflow file', type: 'path' } } as const;
const options = {
  input: {
    type: 'list',
    wholeValues: true,
    short: 'i',
    placeholder: '<key=value>',
    description: 'an input value (JSON values are parsed)',
  },
  inputFile: { type: 'path', placeholder: '<path>', description: 'read inputs from a JSON object file' },
  json: {
    type: 'boolean',
    description: 'print exactly one JSON object {run_id, status, outputs, error, usage, duration_ms}',
  },
  events: { type: 'boolean', description: 'stream engine events as NDJSON on stderr' },
  trace: { type: 'boolean', description: 'print the span tree (durations, tokens, cost) after the run' },
  enableProfiling: {
    type: 'boolean',
    description: "configurable-agents' name for --trace: node timings after the run",
  },
  dryRun: {
    type: 'boolean',
    description: 'no network, no keys: placeholder model answers, tools not called',
  },
  timeout: {
    type: 'number',
    min: 0,
    minExclusive: true,
    placeholder: '<seconds>',
    description: 'whole-run timeout (overrides config.execution.timeout)',
  },
  store: {
    type: 'path',
    negatable: true,
    default: './agentcrate.db',
    placeholder: '<path>',
    env: 'AGENTCRATE_STORE',
    description: 'record the run in this job store, for traces and report costs (--no-store: do not)',
  },
  allowPrivateNetwork: {
    type: 'boolean',
    description: 'let tools reach loopback, private and link-local addresses (cloud metadata stays blocked)',
  },
  ...MODEL_OVERRIDE_OPTIONS,
} as const satisfies OptionsSpec;

export type RunContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'run',
  summary: 'run a workflow locally and print its outputs',
  args,
  options,
  load: () => import('../handlers/run.js'),
  jsonFailure: (error) => ({
    run_id: null,
    status: 'failed',
    outputs: null,
    error,
    usage: { input_tokens: 0, output_tokens: 0 },
    duration_ms: 0,
  }),
});
