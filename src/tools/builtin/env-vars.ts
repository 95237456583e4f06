/**
 * `env_vars`: lets a workflow read configuration from the environment without handing the
 * model credentials. Names that look secret are left out (the answer says how many), and in
 * the values it shows, URL passwords and the exact values of secret variables are masked:
 * `DB_URL=postgres://app:pw@db` says where the database is, not how to get in. The answer goes
 * to the model provider, so this happens here, before the run-wide redaction of what is kept.
 */
import { z } from 'zod';
import { createRedactor, isSecretName, SECRET_NAME_PARTS } from '../../secrets/index.js';
import { parseArgs } from '../args.js';
import type { ToolDefinition } from '../types.js';

const MAX_VALUE_CHARS = 2_000;

/** Shell-style glob (`*`, `?`) → anchored regex; everything else literal. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

const envInput = z.object({
  pattern: z
    .string()
    .optional()
    .describe("Glob pattern for variable names, e.g. 'PYTHON*' or 'LANG' (default '*': all)."),
});

export const envVarsTool: ToolDefinition = {
  name: 'env_vars',
  aliases: [],
  description:
    'List environment variables whose names match a glob pattern. Variables whose names contain KEY, SECRET, PASSWORD, TOKEN or AUTH are never shown, and passwords inside values are masked.',
  inputSchema: envInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('env_vars', envInput, args);
    const pattern = input.pattern?.trim() || '*';
    const matcher = globToRegExp(pattern);
    const variables: Record<string, string> = {};
    const redact = createRedactor({ env: ctx.env });
    let hidden = 0;
    for (const name of Object.keys(ctx.env).sort()) {
      const value = ctx.env[name];
      if (value === undefined || !matcher.test(name)) continue;
      if (isSecretName(name)) {
        hidden += 1;
        continue;
      }
      const shown = redact(value);
      variables[name] = shown.length > MAX_VALUE_CHARS ? `${shown.slice(0, MAX_VALUE_CHARS)}…` : shown;
    }
    return {
      pattern,
      variables,
      count: Object.keys(variables).length,
      ...(hidden > 0
        ? {
            hidden,
            note: `${hidden} matching variable(s) hidden because their names contain ${SECRET_NAME_PARTS.join(', ')}`,
          }
        : {}),
    };
  },
};
