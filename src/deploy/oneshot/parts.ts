/**
 * What a workflow uses of agentcrate, as the runner kit's parts: the providers its model nodes
 * resolve to (after the build's `--provider/--model/--base-url`), the built-in tool modules its
 * nodes name, the sandbox modes of its code nodes. What a one-shot run cannot do is refused
 * here, before anything is built, saying why.
 */
import type { Workflow } from '../../config/types.js';
import { AgentcrateError } from '../../errors.js';
import { readOverride, resolveLlm } from '../../models/resolve.js';
import type { LlmOverride } from '../../models/types.js';
import type { KitManifest, KitParts } from './kit/manifest.js';
import { PROVIDER_PACKAGES } from './kit/manifest.js';
import type { SandboxModeName } from './runner/embedded.js';

export interface WorkflowParts extends KitParts {
  providers: string[];
}

export type PartsTarget = 'image' | 'binary';

export function workflowParts(
  workflow: Workflow,
  manifest: KitManifest,
  override: LlmOverride,
  target: PartsTarget,
): WorkflowParts {
  const memory = workflow.nodes.filter((n) => n.memory?.enabled === true).map((n) => n.id);
  if (memory.length > 0) {
    throw new AgentcrateError(
      'E_UNSUPPORTED_FEATURE',
      `node${memory.length > 1 ? 's' : ''} ${memory.map((id) => `'${id}'`).join(', ')} keep${memory.length > 1 ? '' : 's'} memory across runs, which needs a store that outlives the run; a one-shot ${target} keeps none: serve the workflow (agentcrate serve or deploy) instead`,
      { details: { nodes: memory } },
    );
  }

  const providers = new Set<string>();
  const resolveOptions = { env: {}, override: readOverride({}, override), dryRun: true };
  for (const node of workflow.nodes) {
    if (node.code !== undefined) continue;
    providers.add(resolveLlm(workflow.config.llm, node.llm, resolveOptions).provider);
  }
  const providerPackages = [...providers].map((name) => {
    const pkg = PROVIDER_PACKAGES[name];
    if (pkg === undefined) {
      throw new AgentcrateError(
        'E_INVALID_WORKFLOW',
        `unknown model provider '${name}': use one of ${Object.keys(PROVIDER_PACKAGES).join(', ')}`,
      );
    }
    return pkg;
  });

  const moduleOf = new Map<string, string>();
  for (const [id, tools] of Object.entries(manifest.tools)) {
    for (const tool of tools) for (const name of [tool.name, ...tool.aliases]) moduleOf.set(name, id);
  }
  const toolModules = new Set<string>();
  for (const node of workflow.nodes) {
    for (const tool of node.tools) {
      const id = moduleOf.get(tool.canonical) ?? moduleOf.get(tool.name);
      if (id === undefined) {
        throw new AgentcrateError(
          'E_INVALID_WORKFLOW',
          `node '${node.id}' uses tool '${tool.name}', which this agentcrate does not have`,
          { details: { node: node.id, tool: tool.name } },
        );
      }
      toolModules.add(id);
    }
  }

  const sandboxModes = new Set<SandboxModeName>();
  for (const node of workflow.nodes) {
    if (node.code === undefined || !node.code.sandbox.enabled) continue;
    if (node.code.sandbox.mode === 'docker' && target === 'image') {
      throw new AgentcrateError(
        'E_UNSUPPORTED_FEATURE',
        `code node '${node.id}' runs in docker mode, which needs a container engine; a one-shot image has none: use sandbox mode python, or build a single executable (--binary)`,
        { details: { node: node.id } },
      );
    }
    if (target === 'binary' && node.code.sandbox.mode === 'python') {
      throw new AgentcrateError(
        'E_UNSUPPORTED_FEATURE',
        `code node '${node.id}' runs Python in WebAssembly, whose interpreter files a single executable cannot carry yet: build an image instead (without --binary)`,
        { details: { node: node.id } },
      );
    }
    sandboxModes.add(node.code.sandbox.mode);
  }
  return {
    providers: [...providers].sort(),
    providerPackages: [...new Set(providerPackages)].sort(),
    toolModules: [...toolModules].sort(),
    sandboxModes: [...sandboxModes].sort(),
  };
}
