/**
 * Loading the parts of agentcrate an image carries: its tool modules (into a registry holding
 * only them), its providers' packages and the AI SDK (started early, so their loading overlaps
 * reading the input), and the code sandbox when the workflow has code nodes.
 */
import type { EngineDeps } from '../../../engine/types.js';
import { AgentcrateError } from '../../../errors.js';
import { loadAiSdk } from '../../../models/client.js';
import { providerSpec } from '../../../models/providers.js';
import { readOverride, resolveLlm } from '../../../models/resolve.js';
import { createToolRegistry } from '../../../tools/registry.js';
import type { ToolDefinition, ToolRegistry } from '../../../tools/types.js';
import { carriesFullAiSdk } from './ai-sdk.js';
import type { OneshotConfig } from './embedded.js';
import { TOOL_MODULES } from './tool-modules.js';

function isTool(value: unknown): value is ToolDefinition {
  const v = value as Partial<ToolDefinition> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    Array.isArray(v.aliases) &&
    typeof v.run === 'function'
  );
}

/** The tool definitions a module exports (one by one, or as a list). */
export function toolsOf(module: Record<string, unknown>): ToolDefinition[] {
  const out: ToolDefinition[] = [];
  for (const value of Object.values(module)) {
    if (isTool(value)) out.push(value);
    else if (Array.isArray(value)) out.push(...value.filter(isTool));
  }
  return out;
}

function loaderOf(id: string) {
  const load = TOOL_MODULES[id];
  if (load === undefined) {
    throw new AgentcrateError(
      'E_INTERNAL',
      `this runner has no tool module '${id}' (it has ${Object.keys(TOOL_MODULES).join(', ')}): rebuild the image with this agentcrate`,
    );
  }
  return load;
}

export async function loadToolRegistry(config: OneshotConfig): Promise<ToolRegistry> {
  const modules = await Promise.all(config.toolModules.map((id) => loaderOf(id)()));
  return createToolRegistry(modules.flatMap(toolsOf));
}

/** Every tool module's tool names and aliases, for the kit's manifest (`--describe-tools`). */
export async function describeTools(): Promise<Record<string, Array<{ name: string; aliases: string[] }>>> {
  const out: Record<string, Array<{ name: string; aliases: string[] }>> = {};
  for (const [id, load] of Object.entries(TOOL_MODULES)) {
    out[id] = toolsOf(await load()).map((t) => ({ name: t.name, aliases: [...t.aliases] }));
  }
  return out;
}

/**
 * Starts loading every provider package the image carries (and the AI SDK with `sdk`): a model is built
 * with a placeholder address that is never called. Resolves once all are loaded; a failure
 * (a part missing from the image) rejects with what to do.
 */
export function preloadModels(config: OneshotConfig, { sdk }: { sdk: boolean }): Promise<void> {
  const placeholder = 'http://127.0.0.1:9/v1';
  // The AI SDK itself is needed by a run only for tool steps (or its errors, when an answer
  // does not parse: models/client.ts loads them then); the warm-up of an image with tools
  // loads it so the compile cache holds it.
  const loads: Array<Promise<unknown>> = sdk && carriesFullAiSdk(config) ? [loadAiSdk()] : [];
  for (const name of config.providers) {
    loads.push(
      providerSpec(name).create(
        { provider: name, model: 'preload', baseURL: placeholder },
        { env: {}, fetch: () => Promise.reject(new Error('preload only')) },
      ),
    );
  }
  return Promise.all(loads).then(
    () => undefined,
    (cause) => {
      throw new AgentcrateError(
        'E_INTERNAL',
        `this image is incomplete: loading its model packages failed (${(cause as Error).message}); rebuild it with agentcrate build`,
        { cause },
      );
    },
  );
}

/** The code sandbox, for workflows with code nodes (its modes load on their first call). */
export async function openSandbox(
  config: OneshotConfig,
  env: Record<string, string | undefined>,
): Promise<Pick<EngineDeps, 'sandbox'> & { close(): Promise<void> }> {
  if (config.sandboxModes.length === 0) return { close: async () => undefined };
  const { createCodeSandbox } = await import('../../../sandbox/index.js');
  const sandbox = createCodeSandbox({
    ...(env.AGENTCRATE_SANDBOX_IMAGE ? { dockerImage: env.AGENTCRATE_SANDBOX_IMAGE } : {}),
    ...(env.AGENTCRATE_PYODIDE_DIR ? { pyodideDir: env.AGENTCRATE_PYODIDE_DIR } : {}),
  });
  return { sandbox, close: () => sandbox.close() };
}

/**
 * The providers the run's environment picks (`AGENTCRATE_LLM_PROVIDER` may name another than
 * the build did) must be among those the image carries: otherwise say so, before any input
 * is read, instead of failing on a missing module at the first model call.
 */
export function assertProvidersCarried(config: OneshotConfig, env: Record<string, string | undefined>): void {
  const carried = new Set(config.providers);
  const options = { env, override: readOverride(env, {}), dryRun: false };
  const wf = config.workflow;
  for (const node of wf.nodes) {
    if (node.code !== undefined) continue;
    const { provider } = resolveLlm(wf.config.llm, node.llm, options);
    if (!carried.has(provider)) {
      throw new AgentcrateError(
        'E_USAGE',
        `node '${node.id}' would call provider '${provider}' (from the environment), but this image carries only ${config.providers.join(', ') || 'no provider'}: rebuild it with agentcrate build --provider ${provider}`,
        { details: { node: node.id, provider, carried: config.providers } },
      );
    }
  }
}
