/** `config:` → llm defaults and providers, execution limits, observability. */

import { joinPath } from '../diagnostics.js';
import { KEYS } from '../known-keys.js';
import { KNOWN_PROVIDERS } from '../known-providers.js';
import type { ExecutionConfig, LlmConfig, ObservabilityConfig, Workflow } from '../types.js';
import { memorySettings, readMemoryBlock } from './code.js';
import { readLlm, unknownProvider } from './llm.js';
import { isObj, type Obj, type Reader } from './reader.js';

export const DEFAULT_EXECUTION: Readonly<ExecutionConfig> = {
  timeoutSeconds: 120,
  maxRetries: 3,
  maxSteps: 100,
  maxParallel: 8,
  maxToolSteps: 10,
};

export function normaliseConfig(rd: Reader, raw: unknown): Workflow['config'] {
  const config: Workflow['config'] = {
    llm: {},
    execution: { ...DEFAULT_EXECUTION },
    observability: { logPrompts: false },
    extra: {},
  };
  if (!isObj(raw)) {
    rd.wrongKind('config', 'a map', raw);
    return config;
  }
  rd.checkKeys(raw, 'config', KEYS.config);
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'llm' && key !== 'execution' && key !== 'observability' && key !== 'memory')
      config.extra[key] = value;
  }
  const memory = memorySettings(readMemoryBlock(rd, raw.memory, 'config.memory'));
  if (memory !== undefined) config.memory = memory;
  const llm = rd.optMap(raw, 'llm', 'config');
  if (llm !== undefined) config.llm = readConfigLlm(rd, llm);
  const execution = rd.optMap(raw, 'execution', 'config');
  if (execution !== undefined) config.execution = readExecution(rd, execution);
  const observability = rd.optMap(raw, 'observability', 'config');
  if (observability !== undefined) config.observability = readObservability(rd, observability);
  return config;
}

function readConfigLlm(rd: Reader, raw: Obj): LlmConfig {
  const path = 'config.llm';
  const out: LlmConfig = readLlm(rd, raw, path, KEYS.configLlm);
  const providers = rd.optMap(raw, 'providers', path);
  if (providers !== undefined) {
    out.providers = {};
    for (const [name, settings] of Object.entries(providers)) {
      const pPath = joinPath(joinPath(path, 'providers'), name);
      if (!KNOWN_PROVIDERS.includes(name)) unknownProvider(rd, name, pPath, rd.map.locateKey(pPath));
      if (!isObj(settings)) {
        rd.wrongKind(pPath, 'a map of llm settings', settings);
        continue;
      }
      out.providers[name] = readLlm(rd, settings, pPath, KEYS.llm);
    }
  }
  return out;
}

function readExecution(rd: Reader, raw: Obj): ExecutionConfig {
  const path = 'config.execution';
  rd.checkKeys(raw, path, KEYS.execution);
  const timeout = rd.optNumber(raw, 'timeout_seconds', path, 0) ?? rd.optNumber(raw, 'timeout', path, 0);
  if (raw.timeout !== undefined && raw.timeout_seconds !== undefined) {
    rd.r.warn(
      'duplicate-setting',
      joinPath(path, 'timeout'),
      'both timeout and timeout_seconds are set; timeout_seconds wins',
    );
  }
  return {
    timeoutSeconds: timeout !== undefined && timeout > 0 ? timeout : DEFAULT_EXECUTION.timeoutSeconds,
    maxRetries: rd.optInt(raw, 'max_retries', path, 0) ?? DEFAULT_EXECUTION.maxRetries,
    maxSteps: rd.optInt(raw, 'max_steps', path, 1) ?? DEFAULT_EXECUTION.maxSteps,
    maxParallel: rd.optInt(raw, 'max_parallel', path, 1) ?? DEFAULT_EXECUTION.maxParallel,
    maxToolSteps: rd.optInt(raw, 'max_tool_steps', path, 1) ?? DEFAULT_EXECUTION.maxToolSteps,
  };
}

/**
 * configurable-agents' MLflow settings agentcrate does not act on: when a value asks for what
 * agentcrate does anyway (its defaults: `async_logging: true`, `redact_pii: false`, no
 * `run_name` or `retention_days`; or no artifacts) it is silent; otherwise a warning says why
 * the setting has no effect.
 */
const INERT_MLFLOW: Record<string, { honoured: (value: unknown, block: Obj) => boolean; why: string }> = {
  run_name: { honoured: (v) => v === null, why: 'each run is named by its job id' },
  log_artifacts: {
    honoured: (v) => v === false,
    why: 'agentcrate uploads no artifacts; node inputs and outputs are in each trace',
  },
  artifact_level: {
    honoured: (_v, block) => block.log_artifacts === false,
    why: 'agentcrate uploads no artifacts; node inputs and outputs are in each trace',
  },
  async_logging: {
    honoured: (v) => v === true,
    why: 'traces are always exported in the background, off the run',
  },
  retention_days: {
    honoured: (v) => v === null,
    why: 'jobs and their traces are kept for `serve --job-ttl` (7 days by default)',
  },
  redact_pii: {
    honoured: (v) => v === false,
    why: 'agentcrate redacts credentials in traces, not personal data',
  },
};

function readObservability(rd: Reader, raw: Obj): ObservabilityConfig {
  const path = 'config.observability';
  rd.checkKeys(raw, path, KEYS.observability);
  const logging = rd.optMap(raw, 'logging', path);
  if (logging !== undefined) {
    const lPath = joinPath(path, 'logging');
    rd.checkKeys(logging, lPath, KEYS.logging);
    // agentcrate logs at info unless AGENTCRATE_LOG_LEVEL says otherwise where it runs.
    const level = logging.level;
    if (level !== undefined && (typeof level !== 'string' || level.toUpperCase() !== 'INFO')) {
      rd.r.warn(
        'inert-feature',
        joinPath(lPath, 'level'),
        `${lPath}.level is accepted but has no effect: agentcrate's log level comes from AGENTCRATE_LOG_LEVEL where it runs (info by default)`,
      );
    }
  }
  const logPrompts = rd.optBool(raw, 'log_prompts', path);
  const out: ObservabilityConfig = { logPrompts: logPrompts ?? false };
  const mlflow = rd.optMap(raw, 'mlflow', path);
  if (mlflow !== undefined) {
    const mPath = joinPath(path, 'mlflow');
    rd.checkKeys(mlflow, mPath, KEYS.mlflow);
    for (const [key, inert] of Object.entries(INERT_MLFLOW)) {
      if (!Object.hasOwn(mlflow, key) || inert.honoured(mlflow[key], mlflow)) continue;
      const keyPath = joinPath(mPath, key);
      rd.r.warn(
        'inert-feature',
        keyPath,
        `'${key}' in ${mPath} is accepted but has no effect: ${inert.why}`,
        {
          pos: rd.map.locateKey(keyPath),
        },
      );
    }
    const block: NonNullable<ObservabilityConfig['mlflow']> = {
      enabled: rd.optBool(mlflow, 'enabled', mPath) ?? false,
    };
    const uri = rd.optText(mlflow, 'tracking_uri', mPath);
    if (uri !== undefined) block.trackingUri = uri;
    const experiment = rd.optText(mlflow, 'experiment_name', mPath);
    if (experiment !== undefined) block.experimentName = experiment;
    // configurable-agents puts prompt capture under mlflow; the general setting wins.
    const mlflowPrompts = rd.optBool(mlflow, 'log_prompts', mPath);
    if (logPrompts === undefined && mlflowPrompts !== undefined) out.logPrompts = mlflowPrompts;
    if (block.enabled) checkTrackingUri(rd, uri, mPath);
    out.mlflow = block;
  }
  // prices: {<model or provider/model>: {input: <USD per 1M>, output: <USD per 1M>}}
  const prices = rd.optMap(raw, 'prices', path);
  if (prices !== undefined) {
    out.prices = {};
    for (const [model, value] of Object.entries(prices)) {
      const pPath = joinPath(joinPath(path, 'prices'), model);
      if (!isObj(value)) {
        rd.wrongKind(pPath, 'a map like {input: 0.1, output: 0.4} (USD per million tokens)', value);
        continue;
      }
      const input = rd.optNumber(value, 'input', pPath, 0);
      const output = rd.optNumber(value, 'output', pPath, 0);
      if (input === undefined || output === undefined) {
        rd.r.error(
          'invalid-value',
          pPath,
          `price of '${model}' needs both input and output (USD per million tokens)`,
        );
        continue;
      }
      out.prices[model] = { input, output };
    }
  }
  return out;
}

/**
 * Where an enabled MLflow block sends traces, decided here so that `serve` and `run --trace`
 * never refuse to start over it: agentcrate exports to an MLflow server over HTTP (OTLP);
 * any other tracking URI (sqlite:, file:, databricks, a path) leaves the traces in
 * agentcrate's own store, which is worth a warning, not a refusal.
 */
function checkTrackingUri(rd: Reader, uri: string | undefined, mPath: string): void {
  const where = "traces stay in agentcrate's trace store (agentcrate traces, GET /traces)";
  if (uri === undefined) {
    rd.r.warn(
      'mlflow-no-server',
      joinPath(mPath, 'enabled'),
      `MLflow is enabled without tracking_uri: traces go to the MLflow server in MLFLOW_TRACKING_URI (an http(s) URL) where the workflow runs; without one, ${where}`,
    );
    return;
  }
  const uriPath = joinPath(mPath, 'tracking_uri');
  if (!/^https?:\/\//i.test(uri)) {
    rd.r.warn(
      'mlflow-no-server',
      uriPath,
      `tracking_uri '${uri}' is not an MLflow server agentcrate can send traces to (it exports over HTTP to MLflow 3.6 or later, e.g. http://localhost:5000); ${where}`,
    );
    return;
  }
  if (!URL.canParse(uri)) {
    rd.r.error(
      'invalid-value',
      uriPath,
      `tracking_uri '${uri}' is not a valid URL; e.g. http://localhost:5000`,
    );
  }
}
