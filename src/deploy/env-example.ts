/**
 * .env.example: exactly the variables this deployment reads, with what each is for, and never
 * a value (not even a fake one for secrets: a placeholder that looks real ends up committed).
 * Optional variables are commented out so an empty line does not override a default.
 */
import type { ArtifactContext } from './types.js';

export function renderEnvExample(ctx: ArtifactContext): string {
  const lines = [
    `# Environment for the "${ctx.workflow.flow.name.replace(/\s+/g, ' ')}" deployment.`,
    '# Copy to .env and fill in. Values are passed to the container at run time',
    '# (docker run --env-file / compose env_file) and are never baked into the image;',
    '# agentcrate deploy refuses to build when one of them appears in the build context.',
    '# Never commit .env.',
  ];
  const required = ctx.envVars.filter((v) => v.required);
  const optional = ctx.envVars.filter((v) => !v.required);
  if (ctx.envVars.length === 0) lines.push('', '# This workflow needs no environment variables.');
  if (required.length > 0) {
    lines.push('', '# ---- required');
    for (const v of required) lines.push('', ...describe(v.description, v.secret), `${v.name}=`);
  }
  if (optional.length > 0) {
    lines.push('', '# ---- optional');
    for (const v of optional) lines.push('', ...describe(v.description, v.secret), `# ${v.name}=`);
  }
  return `${lines.join('\n')}\n`;
}

function describe(description: string, secret: boolean): string[] {
  const text = description.trim() === '' ? '(no description)' : description.trim();
  const out = text.split(/\r?\n/).map((l) => `# ${l}`.trimEnd());
  if (secret) out.push('# (secret)');
  return out;
}
