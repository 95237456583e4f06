/** `agentcrate exec <file> [json]`: run a workflow's one-shot image once (built when missing). */
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';
import { MODEL_OVERRIDE_OPTIONS } from './model-override.js';

const args = {
  file: { description: 'the workflow file', type: 'path' },
  json: { description: 'the input object as JSON (or --input-file, --batch, stdin)', optional: true },
} as const;
const options = {
  inputFile: {
    type: 'path',
    placeholder: '<path>',
    description: 'read the input object from this JSON file',
  },
  batch: {
    type: 'path',
    placeholder: '<path>',
    description: 'JSON lines of inputs: one result line per input, in order',
  },
  concurrency: {
    type: 'number',
    integer: true,
    min: 1,
    placeholder: '<n>',
    description: 'runs in flight at once with --batch (default 16)',
  },
  output: {
    type: 'path',
    placeholder: '<path>',
    description: 'write the --batch results here instead of stdout',
  },
  build: { type: 'boolean', description: 'build the image first even when it is up to date' },
  tag: {
    type: 'string',
    short: 't',
    placeholder: '<image>',
    description: 'the image name (as given to build)',
  },
  baseImage: {
    type: 'string',
    placeholder: '<image>',
    description: 'base image when building (default agentcrate-oneshot-base:24)',
  },
  envFile: {
    type: 'path',
    placeholder: '<path>',
    description: 'variables for the container (keys, AGENTCRATE_* settings), passed at run time',
  },
  network: {
    type: 'string',
    placeholder: '<network>',
    description: "container network (host: the host's own; default the bridge, with host.docker.internal)",
  },
  dryRun: {
    type: 'boolean',
    description: 'no network, no keys: placeholder model answers, tools not called',
  },
  timeout: {
    type: 'number',
    integer: true,
    min: 1,
    placeholder: '<seconds>',
    description: 'whole-run timeout (overrides config.execution.timeout)',
  },
  logLevel: {
    type: 'enum',
    choices: ['error', 'warn', 'info', 'debug'],
    placeholder: '<level>',
    description: "the container's log level on stderr",
  },
  allowPrivateNetwork: {
    type: 'boolean',
    description: 'let tools reach loopback, private and link-local addresses (cloud metadata stays blocked)',
  },
  ...MODEL_OVERRIDE_OPTIONS,
} as const satisfies OptionsSpec;

export type ExecContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'exec',
  summary:
    "run a workflow's one-shot image once: JSON input in, one JSON result on stdout (builds it when missing)",
  args,
  options,
  load: () => import('../handlers/exec.js'),
});
