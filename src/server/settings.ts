/**
 * The server's settings, declared once: `agentcrate serve` takes them as flags (its variables
 * too, but `HOST`/`PORT`), the container entry from its environment, `createApp` its defaults
 * from here, and `.env.example` lists the variables an operator may set.
 */
import { defineSettings, type SettingValues } from '../settings/index.js';
// The file, not the store room's index: the CLI loads this table at start-up, and the index
// brings node:sqlite (Node 22 warns on loading it; the CLI hides the warning only later).
import { isPostgresLocation } from '../store/location.js';
import { API_STYLES } from './compat/styles.js';
import type { ServeOptions } from './serve.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const SERVER_SETTINGS = defineSettings({
  port: {
    type: 'number',
    integer: true,
    min: 0,
    max: 65535,
    default: 8000,
    placeholder: '<port>',
    env: 'PORT',
    envInCli: false,
    listed: false,
    description: 'port to listen on (0: any free port)',
  },
  host: {
    type: 'string',
    default: '127.0.0.1',
    placeholder: '<host>',
    env: 'HOST',
    envInCli: false,
    listed: false,
    description: 'address to bind (0.0.0.0 to accept remote clients)',
  },
  storePath: {
    type: 'path',
    flag: 'store',
    placeholder: '<path|url>',
    env: 'AGENTCRATE_STORE',
    listed: false,
    description:
      'job store: a SQLite file (:memory: for a throwaway one) or a postgres:// URL several replicas share; unset: DATABASE_URL when it is a postgres:// URL, else ./agentcrate.db',
  },
  databaseUrl: {
    type: 'string',
    flag: false,
    secret: true,
    env: 'DATABASE_URL',
    description: 'a postgres:// URL: the job store when --store and AGENTCRATE_STORE name none',
  },
  workflowFile: {
    type: 'path',
    flag: false,
    default: '/app/workflow.yaml',
    env: 'AGENTCRATE_WORKFLOW',
    envInCli: false,
    listed: false,
    description: 'the workflow file the container serves',
  },
  timeoutSeconds: {
    type: 'number',
    min: 0,
    default: 30,
    flag: 'timeout',
    placeholder: '<seconds>',
    env: 'AGENTCRATE_TIMEOUT',
    description: 'seconds POST /run waits before answering 202 with a job id',
  },
  maxTimeoutSeconds: {
    type: 'number',
    min: 0,
    default: 300,
    flag: 'max-timeout',
    placeholder: '<seconds>',
    env: 'AGENTCRATE_MAX_TIMEOUT',
    description: 'the largest ?timeout= a request may ask for',
  },
  maxConcurrentRuns: {
    type: 'number',
    integer: true,
    min: 1,
    default: 32,
    placeholder: '<n>',
    env: 'AGENTCRATE_MAX_CONCURRENT_RUNS',
    description: 'runs executing at once; more wait in a bounded queue',
  },
  queueSize: {
    type: 'number',
    integer: true,
    min: 0,
    default: 1000,
    placeholder: '<n>',
    env: 'AGENTCRATE_QUEUE_SIZE',
    description: 'runs waiting for a slot before POST /run answers 429',
  },
  jobTtlSeconds: {
    type: 'number',
    min: 0,
    default: 7 * 24 * 3600,
    flag: 'job-ttl',
    placeholder: '<seconds>',
    env: 'AGENTCRATE_JOB_TTL',
    description: 'seconds finished jobs are kept (0 keeps them)',
  },
  bodyLimitBytes: {
    type: 'number',
    integer: true,
    min: 1,
    default: 1024 * 1024,
    flag: 'body-limit',
    placeholder: '<bytes>',
    env: 'AGENTCRATE_BODY_LIMIT',
    description: 'the largest request body, in bytes',
  },
  idleTrimMs: {
    type: 'number',
    integer: true,
    min: 0,
    default: 500,
    placeholder: '<ms>',
    env: 'AGENTCRATE_IDLE_TRIM_MS',
    description: 'give memory back after this long without requests or runs (0: never)',
  },
  shutdownGraceSeconds: {
    type: 'number',
    min: 0,
    default: 25,
    flag: 'shutdown-grace',
    placeholder: '<seconds>',
    env: 'AGENTCRATE_SHUTDOWN_GRACE',
    description: 'on SIGTERM, how long running jobs may finish before they are parked for the next start',
  },
  apiKeys: {
    type: 'list',
    flag: false,
    secret: true,
    env: 'AGENTCRATE_API_KEYS',
    description:
      'comma-separated API keys; when set, requests need Authorization: Bearer <key> (/health stays open)',
  },
  webhookSecret: {
    type: 'string',
    flag: false,
    secret: true,
    env: 'AGENTCRATE_WEBHOOK_SECRET',
    description: 'HMAC-SHA256 key for signing webhook deliveries',
  },
  api: {
    type: 'enum',
    choices: API_STYLES,
    default: 'agentcrate',
    placeholder: '<style>',
    env: 'AGENTCRATE_API',
    description:
      "the HTTP API's shapes: agentcrate, or configurable-agents (its generated FastAPI server's routes, bodies, status codes and input rules)",
  },
  logLevel: {
    type: 'enum',
    choices: LOG_LEVELS,
    default: 'info',
    placeholder: '<level>',
    env: 'AGENTCRATE_LOG_LEVEL',
    description: 'the least severe log lines written',
  },
  logRequests: {
    type: 'boolean',
    env: 'AGENTCRATE_LOG_REQUESTS',
    description: 'one JSON log line per request',
  },
  logPrompts: {
    type: 'boolean',
    env: 'AGENTCRATE_LOG_PROMPTS',
    description: 'capture prompts and responses in traces (secrets redacted)',
  },
  traces: {
    type: 'boolean',
    default: true,
    env: 'AGENTCRATE_TRACES',
    description: 'record traces (/traces, /ui, OTLP export)',
  },
  dryRun: {
    type: 'boolean',
    env: 'AGENTCRATE_DRY_RUN',
    description: 'placeholder model answers: try the API with no keys',
  },
  allowedHosts: {
    type: 'list',
    placeholder: '<hosts>',
    env: 'AGENTCRATE_ALLOWED_HOSTS',
    description:
      'comma-separated Host values served without an API key besides loopback (names, IPs, CIDRs; * for any)',
  },
  allowPrivateNetwork: {
    type: 'boolean',
    env: 'AGENTCRATE_ALLOW_PRIVATE_NETWORK',
    description:
      'let tools and webhooks reach loopback, private and link-local addresses (cloud metadata stays blocked)',
  },
});

export type ServerSettings = SettingValues<typeof SERVER_SETTINGS>;

/** What `startServer` takes, from the table's values (the one place they are mapped). */
export function serveOptionsFrom(
  s: ServerSettings,
): Omit<ServeOptions, 'workflow' | 'store' | 'models' | 'logger' | 'env' | 'cwd' | 'override'> {
  return {
    workflowFile: s.workflowFile,
    api: s.api,
    port: s.port,
    host: s.host,
    storePath:
      s.storePath ??
      (s.databaseUrl !== undefined && isPostgresLocation(s.databaseUrl) ? s.databaseUrl : undefined),
    timeoutSeconds: s.timeoutSeconds,
    maxTimeoutSeconds: s.maxTimeoutSeconds,
    maxConcurrentRuns: s.maxConcurrentRuns,
    queueSize: s.queueSize,
    jobTtlSeconds: s.jobTtlSeconds,
    bodyLimitBytes: s.bodyLimitBytes,
    idleTrimMs: s.idleTrimMs,
    shutdownGraceMs: s.shutdownGraceSeconds * 1000,
    apiKeys: s.apiKeys,
    ...(s.webhookSecret !== undefined ? { webhook: { secret: s.webhookSecret } } : {}),
    logRequests: s.logRequests,
    logPrompts: s.logPrompts,
    traces: s.traces,
    dryRun: s.dryRun,
    network: { allowPrivateNetwork: s.allowPrivateNetwork },
    ...(s.allowedHosts.length > 0 ? { allowedHosts: s.allowedHosts } : {}),
  };
}
