/**
 * Shared input handling for the built-in tools: the engine hands `run` whatever the model
 * produced, so every tool validates it against its own schema and reports problems in words
 * the model can act on.
 */
import type { z } from 'zod';
import { AgentcrateError } from '../errors.js';

export function parseArgs<T extends z.ZodType>(tool: string, schema: T, args: unknown): z.output<T> {
  const parsed = schema.safeParse(args ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(input)'}: ${issue.message}`)
    .join('; ');
  throw new AgentcrateError('E_TOOL', `${tool}: invalid arguments: ${problems}`, {
    details: { tool, issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })) },
  });
}

/** A positive number from tool config (`timeout_seconds: 5`, `"5"`), else the default. */
export function configNumber(config: Record<string, unknown>, key: string, fallback: number): number {
  const value = config[key];
  const num = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof num === 'number' && Number.isFinite(num) && num > 0 ? num : fallback;
}

export function configString(config: Record<string, unknown>, key: string): string | undefined {
  const value = config[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A list from tool config, written either as a YAML list or a comma-separated string. */
export function configList(value: unknown): string[] {
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  }
  if (Array.isArray(value)) {
    return value.filter((part): part is string => typeof part === 'string').map((part) => part.trim());
  }
  return [];
}

/** Truncates text to `max` characters, saying how much was cut. */
export function capText(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  return { text: `${text.slice(0, max)}\n… [truncated ${text.length - max} characters]`, truncated: true };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
