/**
 * `env_vars`: lets a workflow read configuration from the environment without handing the
 * model credentials. Names that look secret are left out, and the answer says how many.
 */
import { z } from 'zod';
import { parseArgs } from '../args.js';
import type { ToolDefinition } from '../types.js';

/** Name fragments (case-insensitive) that mark a variable as secret. */
export const SECRET_NAME_PARTS = ['KEY', 'SECRET', 'PASSWORD', 'PASSWD', 'TOKEN', 'CREDENTIAL'];
const MAX_VALUE_CHARS = 2_000;

export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_NAME_PARTS.some((part) => upper.includes(part));
}

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
    'List environment variables whose names match a glob pattern. Variables whose names contain KEY, SECRET, PASSWORD or TOKEN are never shown.',
  inputSchema: envInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('env_vars', envInput, args);
    const pattern = input.pattern?.trim() || '*';
    const matcher = globToRegExp(pattern);
    const variables: Record<string, string> = {};
    let hidden = 0;
    for (const name of Object.keys(ctx.env).sort()) {
      const value = ctx.env[name];
      if (value === undefined || !matcher.test(name)) continue;
      if (isSecretName(name)) {
        hidden += 1;
        continue;
      }
      variables[name] = value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
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
