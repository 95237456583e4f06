/**
 * .env.example: exactly the variables this deployment reads, with what each is for, and never
 * a value (not even a fake one for secrets: a placeholder that looks real ends up committed).
 * The credentials the workflow needs come first and uncommented, as `agentcrate deploy`
 * refuses to start the container without them; optional variables are commented out so an
 * empty line does not hide the image's default.
 */
import { imageEnv } from './dockerfile.js';
import type { ArtifactContext } from './types.js';

export function renderEnvExample(ctx: ArtifactContext): string {
  const lines = [
    `# Environment for the "${ctx.workflow.flow.name.replace(/\s+/g, ' ')}" deployment.`,
    '# Copy to .env and fill in. Values are passed to the container at run time',
    '# (docker run --env-file, compose interpolation, make run) and are never baked into the',
    '# image; agentcrate deploy refuses to build when one of them appears in the build context.',
    '# Never commit .env.',
  ];
  const image = imageEnv(ctx);
  const needed = ctx.envVars.filter((v) => v.needed);
  const required = ctx.envVars.filter((v) => v.required && !v.needed);
  const optional = ctx.envVars.filter((v) => !v.required && !v.needed);
  if (ctx.envVars.length === 0) lines.push('', '# This workflow needs no environment variables.');
  if (needed.length > 0) {
    lines.push(
      '',
      '# ---- needed: credentials this workflow uses. agentcrate deploy refuses to start the',
      '# container without them, unless AGENTCRATE_DRY_RUN=1 (placeholder answers, no model calls).',
    );
    const groups = new Set<string>();
    for (const v of needed) {
      const group = (v.oneOf ?? [v.name]).join(',');
      const first = !groups.has(group);
      groups.add(group);
      // One variable of a group is enough: the others are shown as alternatives.
      lines.push('', ...describe(v.description, v.secret), first ? `${v.name}=` : `# ${v.name}=`);
    }
  }
  if (required.length > 0) {
    lines.push('', '# ---- required');
    for (const v of required) lines.push('', ...describe(v.description, v.secret), `${v.name}=`);
  }
  if (optional.length > 0) {
    lines.push('', '# ---- optional');
    for (const v of optional) {
      const fallback = image[v.name] ?? v.defaultValue;
      const description = fallback === undefined ? v.description : `${v.description} (default ${fallback})`;
      lines.push('', ...describe(description, v.secret), `# ${v.name}=`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function describe(description: string, secret: boolean): string[] {
  const text = description.trim() === '' ? '(no description)' : description.trim();
  const out = text.split(/\r?\n/).map((l) => `# ${l}`.trimEnd());
  if (secret) out.push('# (secret)');
  return out;
}
