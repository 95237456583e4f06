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

function readObservability(rd: Reader, raw: Obj): ObservabilityConfig {
  const path = 'config.observability';
  rd.checkKeys(raw, path, KEYS.observability);
  const out: ObservabilityConfig = { logPrompts: rd.optBool(raw, 'log_prompts', path) ?? false };
  const mlflow = rd.optMap(raw, 'mlflow', path);
  if (mlflow !== undefined) {
    const mPath = joinPath(path, 'mlflow');
    rd.checkKeys(mlflow, mPath, KEYS.mlflow);
    const block: NonNullable<ObservabilityConfig['mlflow']> = {
      enabled: rd.optBool(mlflow, 'enabled', mPath) ?? false,
    };
    const uri = rd.optText(mlflow, 'tracking_uri', mPath);
    if (uri !== undefined) block.trackingUri = uri;
    const experiment = rd.optText(mlflow, 'experiment_name', mPath);
    if (experiment !== undefined) block.experimentName = experiment;
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
