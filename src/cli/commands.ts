/**
 * The CLI's commands as data. Each entry names its arguments and options and how to load
 * its implementation; nothing heavy is imported until a command actually runs, which keeps
 * `agentcrate --version` and `--help` fast.
 */
import { GATEWAY_SETTINGS } from '../gateway/settings.js';
import { STUDIO_SETTINGS } from '../studio/settings.js';
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
  {
    flags: '--provider <name>',
    description: 'override the provider of every node (AGENTCRATE_LLM_PROVIDER)',
  },
  { flags: '--model <name>', description: 'override the model of every node (AGENTCRATE_LLM_MODEL)' },
  { flags: '--base-url <url>', description: 'override the base URL of every node (AGENTCRATE_LLM_BASE_URL)' },
];

const gatewayFlags: OptionSpec[] = GATEWAY_SETTINGS.filter((s) => s.flag !== undefined).map((s) => ({
  flags: `${s.flag} <${s.kind === 'list' ? 'list' : s.kind === 'port' || s.kind === 'int' ? 'n' : s.kind === 'ms' ? 'ms' : 'value'}>`,
  description: `${s.description} (${s.env}${s.default !== '' ? `, default ${s.default}` : ''})`,
}));

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
      {
        flags: '-i, --input <key=value>',
        description: 'an input value (repeatable; JSON values are parsed)',
        repeatable: true,
      },
      { flags: '--input-file <path>', description: 'read inputs from a JSON object file' },
      {
        flags: '--json',
        description: 'print one JSON object {run_id, status, outputs, error, usage, duration_ms}',
      },
      { flags: '--events', description: 'stream engine events as NDJSON on stderr' },
      { flags: '--trace', description: 'print the span tree (durations, tokens, cost) after the run' },
      { flags: '--dry-run', description: 'no network, no keys: placeholder model answers, tools not called' },
      { flags: '--timeout <seconds>', description: 'whole-run timeout (overrides config.execution.timeout)' },
      {
        flags: '--allow-private-network',
        description:
          'let tools reach loopback, private and link-local addresses (cloud metadata stays blocked)',
      },
      {
        flags: '--store <path>',
        description:
          'where memory is kept, for workflows with memory (default AGENTCRATE_STORE or ./agentcrate.db)',
      },
      ...provider,
    ],
    load: () => import('./commands/run.js'),
  },
  {
    name: 'serve',
    args: '<file>',
    summary: 'serve a workflow as an HTTP API with durable jobs (POST /run, /status, /docs, /ui)',
    options: [
      { flags: '--port <port>', description: 'port to listen on', default: '8000' },
      {
        flags: '--host <host>',
        description: 'address to bind (0.0.0.0 to accept remote clients)',
        default: '127.0.0.1',
      },
      {
        flags: '--timeout <seconds>',
        description: 'how long POST /run waits before answering 202 with a job id',
        default: '30',
      },
      {
        flags: '--max-timeout <seconds>',
        description: 'the largest ?timeout= a request may ask for',
        default: '300',
      },
      { flags: '--store <path>', description: 'SQLite job store file', default: './agentcrate.db' },
      { flags: '--max-concurrent-runs <n>', description: 'runs executing at once', default: '32' },
      { flags: '--queue-size <n>', description: 'runs waiting behind them before 429', default: '1000' },
      {
        flags: '--job-ttl <seconds>',
        description: 'delete finished jobs after this long (0 keeps them)',
        default: '604800',
      },
      { flags: '--body-limit <bytes>', description: 'largest request body', default: '1048576' },
      {
        flags: '--idle-trim-ms <ms>',
        description: 'give memory back after this long without requests or runs (0 never)',
        default: '500',
      },
      { flags: '--log-requests', description: 'one JSON log line per request' },
      { flags: '--log-prompts', description: 'capture prompts and responses in traces (secrets redacted)' },
      { flags: '--no-traces', description: 'do not record traces' },
      { flags: '--dry-run', description: 'placeholder model answers: try the API with no keys' },
      {
        flags: '--allow-private-network',
        description:
          'let tools and webhooks reach loopback, private and link-local addresses (cloud metadata stays blocked)',
      },
      {
        flags: '--allowed-hosts <hosts>',
        description:
          'comma-separated Host values served without an API key besides loopback (names, IPs, CIDRs; * for any)',
      },
      ...provider,
    ],
    load: () => import('./commands/serve.js'),
  },
  {
    name: 'deploy',
    args: '<file>',
    summary: 'validate, generate container artifacts, build the image, run it and wait until healthy',
    options: [
      { flags: '--output <dir>', description: 'where the artifacts go', default: './deploy' },
      { flags: '--port <port>', description: 'host port (published on 127.0.0.1)', default: '8000' },
      { flags: '--name <name>', description: 'image and container name (default: the sanitised flow name)' },
      {
        flags: '--timeout <seconds>',
        description: 'sync wait of POST /run before it answers 202',
        default: '30',
      },
      {
        flags: '--env-file <path>',
        description: 'env file passed to the container at run time (default ./.env)',
      },
      { flags: '--no-env-file', description: 'pass no env file' },
      { flags: '--base-image <image>', description: 'base image (default node:24-slim)' },
      {
        flags: '--network <network>',
        description: 'container network; host publishes nothing and listens on --port',
      },
      { flags: '--no-traces', description: 'do not record traces in the container' },
      { flags: '--generate', description: 'write the artifacts and stop (no engine needed)' },
      {
        flags: '--platform <list>',
        description:
          'build for these platforms (one: the engine builds it; several: docker buildx, with --push)',
      },
      {
        flags: '--push <repo>',
        description:
          'push REGISTRY/REPO:<hash> and :latest after the build (docker login or AGENTCRATE_REGISTRY_USER/PASSWORD)',
      },
      { flags: '--json', description: 'NDJSON progress on stderr, one result object on stdout' },
    ],
    load: () => import('./commands/deploy.js'),
  },
  {
    name: 'build',
    args: '<file>',
    summary: 'build a one-shot image of a workflow: JSON in, one JSON result out (agentcrate exec runs it)',
    options: [
      {
        flags: '-t, --tag <image>',
        description: 'the image name (default agentcrate-<flow>:<content hash> and :latest)',
      },
      {
        flags: '--output <dir>',
        description: 'where the Dockerfile and build context go',
        default: './build',
      },
      {
        flags: '--base-image <image>',
        description: 'base image with node (default agentcrate-oneshot-base:24)',
      },
      { flags: '--platform <platform>', description: 'build for this platform (e.g. linux/arm64)' },
      { flags: '--force', description: 'build even when an image of the same content exists' },
      { flags: '--json', description: 'NDJSON progress on stderr, one result object on stdout' },
      ...provider,
    ],
    load: () => import('./commands/build.js'),
  },
  {
    name: 'exec',
    args: '<file> [json]',
    summary:
      "run a workflow's one-shot image once: JSON input in, one JSON result on stdout (builds it when missing)",
    options: [
      { flags: '--input-file <path>', description: 'read the input object from this JSON file' },
      { flags: '--batch <path>', description: 'JSON lines of inputs: one result line per input, in order' },
      { flags: '--concurrency <n>', description: 'runs in flight at once with --batch (default 16)' },
      { flags: '--output <path>', description: 'write the --batch results here instead of stdout' },
      { flags: '--build', description: 'build the image first even when it is up to date' },
      { flags: '-t, --tag <image>', description: 'the image name (as given to build)' },
      {
        flags: '--base-image <image>',
        description: 'base image when building (default agentcrate-oneshot-base:24)',
      },
      {
        flags: '--env-file <path>',
        description: 'variables for the container (keys, AGENTCRATE_* settings), passed at run time',
      },
      {
        flags: '--network <network>',
        description:
          "container network (host: the host's own; default the bridge, with host.docker.internal)",
      },
      { flags: '--dry-run', description: 'no network, no keys: placeholder model answers, tools not called' },
      { flags: '--timeout <seconds>', description: 'whole-run timeout (overrides config.execution.timeout)' },
      {
        flags: '--log-level <level>',
        description: "the container's log level on stderr: error, warn, info, debug",
      },
      {
        flags: '--allow-private-network',
        description:
          'let tools reach loopback, private and link-local addresses (cloud metadata stays blocked)',
      },
      ...provider,
    ],
    load: () => import('./commands/exec.js'),
  },
  {
    name: 'clean',
    args: '[file]',
    summary: 'remove the one-shot images agentcrate built, for a workflow or --all (asks first)',
    options: [
      { flags: '--all', description: 'every one-shot image, of any workflow' },
      { flags: '-y, --yes', description: 'do not ask' },
    ],
    load: () => import('./commands/clean.js'),
  },
  {
    name: 'ps',
    args: '',
    summary: 'list containers deployed by agentcrate',
    options: [{ flags: '--json', description: 'print JSON' }],
    load: () => import('./commands/ps.js'),
  },
  {
    name: 'logs',
    args: '<name>',
    summary: "print a deployed container's logs",
    options: [
      { flags: '-f, --follow', description: 'keep printing new lines' },
      { flags: '--tail <n>', description: 'lines from the end to start with', default: '200' },
    ],
    load: () => import('./commands/logs.js'),
  },
  {
    name: 'stop',
    args: '<name>',
    summary: 'stop a deployed container',
    options: [],
    load: () => import('./commands/stop.js'),
  },
  {
    name: 'rm',
    args: '<name>',
    summary: 'remove a deployed container (its job store volume stays unless --volumes)',
    options: [{ flags: '--volumes', description: 'also remove the job store volume' }],
    load: () => import('./commands/rm.js'),
  },
  {
    name: 'gateway',
    args: '[action] [args...]',
    summary:
      'run the model gateway (OpenAI-compatible routing, retries, fallback, mid-stream failover, virtual keys); ' +
      'actions: keys create|list|revoke <id>, check, schema',
    options: [
      ...gatewayFlags,
      { flags: '--name <name>', description: 'keys create: a name to recognise the key by' },
      { flags: '--rpm <n>', description: 'keys create: requests per minute' },
      { flags: '--tpm <n>', description: 'keys create: tokens per minute' },
      { flags: '--budget-usd <usd>', description: 'keys create: spending budget in US dollars' },
      {
        flags: '--budget-period <duration>',
        description: 'keys create: the budget resets every 30d, 7d, 24h, …',
      },
      {
        flags: '--models <list>',
        description: 'keys create: the only aliases/models the key may use, comma-separated',
      },
      { flags: '--json', description: 'keys and check: print JSON' },
    ],
    load: () => import('./commands/gateway.js'),
  },
  {
    name: 'studio',
    args: '[dir]',
    summary:
      'a local web page to write, run, replay and deploy the workflows in a folder (loopback, token in the URL)',
    options: STUDIO_SETTINGS.map((row) => ({
      flags: row.flag,
      description: `${row.description} (${row.env})`,
      ...(typeof row.default === 'string' ? { default: row.default } : {}),
    })),
    load: () => import('./commands/studio.js'),
  },
  {
    name: 'schema',
    args: '',
    summary: 'print the JSON Schema of the workflow file format (for editors)',
    options: [],
    load: () => import('./commands/schema.js'),
  },
  {
    name: 'memory',
    args: '<action> [namespace]',
    summary: 'show and edit the memory workflows keep across runs: list, get <namespace>, rm [namespace]',
    options: [
      {
        flags: '--store <path>',
        description: 'job store file (default AGENTCRATE_STORE or ./agentcrate.db)',
      },
      { flags: '--agent <name>', description: 'only this agent (the flow name)' },
      { flags: '--workflow <name>', description: 'only this workflow (* for agent-scoped entries)' },
      { flags: '--node <id>', description: 'only this node (* for agent- and workflow-scoped entries)' },
      { flags: '--prefix <text>', description: 'only keys that start with this' },
      { flags: '--json', description: 'print JSON' },
    ],
    load: () => import('./commands/memory.js'),
  },
  {
    name: 'traces',
    args: '[job_id]',
    summary: "print a run's span tree (durations, tokens, cost); with no id, list recent traced runs",
    options: [
      {
        flags: '--store <path>',
        description: 'job store file (default AGENTCRATE_STORE or ./agentcrate.db)',
      },
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
      {
        flags: '--store <path>',
        description: 'job store file (default AGENTCRATE_STORE or ./agentcrate.db)',
      },
      { flags: '--since <duration>', description: 'window: 7d, 24h, 30m', default: '7d' },
      { flags: '--by <grouping>', description: 'group by model, node or workflow', default: 'model' },
      { flags: '--json', description: 'print JSON' },
    ],
    load: () => import('./commands/report.js'),
  },
];
