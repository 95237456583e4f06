/**
 * The gateway configuration a stack deploys with: the user's `--gateway-config` (checked like
 * `agentcrate gateway check`, every problem as file:line:column) or, without one, a file made
 * from the workflow — one upstream per provider its nodes use, named after the provider, which
 * is where `AGENTCRATE_LLM_PROVIDER=gateway` sends each node's `provider/model`. Also which
 * environment variables the gateway reads its keys from, for `.env.example` and compose.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Diagnostic, Workflow } from '../../config/types.js';
import { AgentcrateError } from '../../errors.js';
import { loadGatewayConfig } from '../../gateway/config/load.js';
import { UPSTREAM_PROVIDERS, type UpstreamProvider } from '../../gateway/config/schema.js';
import { createModelClient, GATEWAY_PROVIDER } from '../../models/index.js';
import type { EnvVarSpec } from '../types.js';

export interface StackGatewayConfig {
  /** The file's text, mounted read-only at /config/gateway.yaml. */
  yaml: string;
  /** Where it came from: the user's file, or generated from the workflow. */
  source: string;
  /** The variables the gateway reads keys from, per upstream. */
  variables: EnvVarSpec[];
  upstreams: Array<{ name: string; provider: string; keyVariables: string[]; hasCredentials: boolean }>;
  warnings: string[];
}

/** Providers whose upstream needs a base URL the workflow may not state. */
const LOCAL_PROVIDERS = new Set<string>(['openai-compatible', 'ollama']);

export function stackGatewayConfig(workflow: Workflow, configFile?: string): StackGatewayConfig {
  const { yaml, source } =
    configFile !== undefined
      ? { yaml: readConfig(configFile), source: configFile }
      : { yaml: generatedConfig(workflow), source: 'generated from the workflow' };
  const label = configFile ?? 'gateway.yaml (generated)';
  const result = loadGatewayConfig(yaml, {}, configFile);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || result.config === undefined) {
    throw new AgentcrateError(
      'E_INVALID_CONFIG',
      `the gateway configuration ${label} has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map((d) => `  ${where(d, label)} ${d.message}`).join('\n')}\nfix it (agentcrate gateway check ${configFile ?? '<file>'} lists the same) or pass another --gateway-config`,
      { details: { diagnostics: errors } },
    );
  }
  const upstreams = [...result.config.upstreams.values()].map((u) => ({
    name: u.name,
    provider: u.provider,
    keyVariables: u.keyVariables,
    hasCredentials: u.hasCredentials,
  }));
  const variables: EnvVarSpec[] = [];
  const seen = new Set<string>();
  for (const u of upstreams) {
    for (const [i, name] of u.keyVariables.entries()) {
      if (seen.has(name)) continue;
      seen.add(name);
      const optional = LOCAL_PROVIDERS.has(u.provider);
      variables.push({
        name,
        required: false,
        secret: true,
        description:
          i === 0
            ? `key of upstream '${u.name}' (${u.provider})${u.keyVariables.length > 1 ? `; also read from ${u.keyVariables.slice(1).join(', ')}` : ''}${optional ? '; a local server may need none' : ''}`
            : `key of upstream '${u.name}' (${u.provider}) when ${u.keyVariables.slice(0, i).join(', ')} is unset`,
      });
    }
  }
  return {
    yaml,
    source,
    variables,
    upstreams,
    warnings: result.diagnostics
      .filter((d) => d.severity !== 'error')
      .map((d) => `${where(d, label)} ${d.message}`),
  };
}

function where(d: Diagnostic, label: string): string {
  const at = d.line !== undefined ? `:${d.line}${d.column !== undefined ? `:${d.column}` : ''}` : '';
  return `${basename(d.file ?? label)}${at}${d.path ? ` ${d.path}:` : ''}`;
}

function readConfig(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new AgentcrateError(
      'E_IO',
      `cannot read --gateway-config ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(cause))}`,
      { cause },
    );
  }
}

/**
 * One upstream per provider the workflow's nodes resolve to, each named after its provider
 * (what a node's `provider/model` names through the gateway), with the base URL the workflow
 * gives a local server. A workflow already on provider `gateway` names aliases the generator
 * cannot guess, so it needs `--gateway-config`.
 */
export function generatedConfig(workflow: Workflow): string {
  const models = createModelClient({ env: {} });
  const providers = new Map<UpstreamProvider, { baseURL?: string; models: Set<string> }>();
  for (const node of workflow.nodes) {
    const llm = models.resolve(workflow.config.llm, node.llm);
    if (llm.provider === GATEWAY_PROVIDER) {
      throw new AgentcrateError(
        'E_USAGE',
        `node '${node.id}' already uses provider gateway (model '${llm.model}' is an alias of your gateway): pass --gateway-config with the gateway.yaml that defines it`,
      );
    }
    const provider = llm.provider as UpstreamProvider;
    if (!UPSTREAM_PROVIDERS.includes(provider)) {
      throw new AgentcrateError(
        'E_UNSUPPORTED_FEATURE',
        `node '${node.id}' uses provider '${llm.provider}', which the gateway cannot front: pass --gateway-config`,
      );
    }
    const entry = providers.get(provider) ?? { models: new Set<string>() };
    if (llm.baseURL !== undefined) entry.baseURL ??= llm.baseURL;
    entry.models.add(llm.model);
    providers.set(provider, entry);
  }
  const lines = [
    '# yaml-language-server: $schema=https://agentcrate.dev/schema/gateway-1.json',
    '# Generated by agentcrate deploy --with-gateway from the workflow: one upstream per provider',
    '# its nodes use. Edit freely (routes, fallbacks, timeouts: see docs/gateway.md) or pass your',
    '# own with --gateway-config. Keys never go here: they come from .env (see .env.example).',
    'upstreams:',
  ];
  for (const [provider, { baseURL, models: used }] of providers) {
    lines.push(`  ${provider}:`, `    provider: ${provider}`);
    if (baseURL !== undefined) {
      lines.push(
        ...(isLoopback(baseURL)
          ? [
              '    # 127.0.0.1 inside the gateway container is the container itself: the host is host.docker.internal',
            ]
          : []),
        `    base_url: ${JSON.stringify(inContainer(baseURL))}`,
      );
    }
    lines.push(`    models: [${[...used].map((m) => JSON.stringify(m)).join(', ')}]`);
  }
  lines.push(
    'retries: {attempts: 2}',
    // The workflow service calls the gateway by its service name.
    'server: {allowed_hosts: [model-gateway]}',
    '',
  );
  return lines.join('\n');
}

function isLoopback(url: string): boolean {
  const host = URL.parse(url)?.hostname ?? '';
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/** A workflow's local server URL as the gateway container reaches it (the host's loopback). */
function inContainer(url: string): string {
  if (!isLoopback(url)) return url;
  const parsed = new URL(url);
  parsed.hostname = 'host.docker.internal';
  return parsed.toString().replace(/\/$/, '');
}
