/**
 * The stack's .env.example: the gateway's variables (its upstreams' keys, then its optional
 * settings) and, apart, the workflow's own non-model variables (tool keys, server settings)
 * when it has any. No provider key is ever listed for the workflow: its model calls go through
 * the gateway. Values are never given, not even fake ones.
 */
import type { EnvVarSpec } from '../types.js';
import { workflowPassThrough } from './compose.js';
import {
  GATEWAY_API_KEY_VAR,
  GATEWAY_OPTIONAL_VARS,
  type StackContext,
  WORKFLOW_FIXED_VARS,
} from './types.js';

export function renderStackEnvExample(s: StackContext): string {
  const lines = [
    `# Environment of the "${s.workflow.workflow.flow.name.replace(/\s+/g, ' ')}" stack (workflow + model gateway).`,
    '# Copy to .env beside docker-compose.yml and fill in; compose hands each service only the',
    '# variables it lists, so provider keys reach the gateway and never the workflow. Never commit .env.',
    '',
    '# ---- model gateway: provider keys (one per upstream of gateway.yaml; the first name wins)',
  ];
  const keyed = s.gateway.variables;
  if (keyed.length === 0) lines.push('', '# The gateway configuration needs no key.');
  // The first variable of each upstream is the one to fill in; the others are alternatives.
  const firsts = new Set(s.gateway.upstreams.map((u) => u.keyVariables[0]));
  for (const v of keyed) lines.push('', ...describe(v), firsts.has(v.name) ? `${v.name}=` : `# ${v.name}=`);
  lines.push('', '# ---- model gateway: settings');
  for (const v of GATEWAY_OPTIONAL_VARS) lines.push('', ...describe(v), `# ${v.name}=`);
  const own = s.workflowVars.filter(
    (v) => !WORKFLOW_FIXED_VARS.includes(v.name) && workflowPassThrough(s).includes(v.name),
  );
  lines.push('', '# ---- workflow (no provider key: its model calls go through the gateway)');
  lines.push('', ...describe(GATEWAY_API_KEY_VAR), `# ${GATEWAY_API_KEY_VAR.name}=`);
  for (const v of own) lines.push('', ...describe(v), v.required ? `${v.name}=` : `# ${v.name}=`);
  return `${lines.join('\n')}\n`;
}

function describe(v: EnvVarSpec): string[] {
  const text = v.description.trim() === '' ? '(no description)' : v.description.trim();
  return [...text.split(/\r?\n/).map((l) => `# ${l}`.trimEnd()), ...(v.secret ? ['# (secret)'] : [])];
}
