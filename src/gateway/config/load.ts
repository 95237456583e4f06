/**
 * Reads a gateway configuration file like the workflow loader reads a workflow: YAML (or
 * JSON) through the config room's reader, every problem reported at once as a diagnostic with
 * file:line:column, nothing thrown for bad content. Then the rules the schema cannot state
 * (targets naming upstreams, keys present in the environment) and the defaults are applied.
 */
import { z } from 'zod';
import { Reporter } from '../../config/diagnostics.js';
import { readSourceFile } from '../../config/source-file.js';
import type { Diagnostic } from '../../config/types.js';
import { parseSource } from '../../config/yaml/parse.js';
import { reportIssues } from './issues.js';
import { type Env, resolveConfig } from './resolve.js';
import { checkRules } from './rules.js';
import { type GatewayFile, gatewayFileSchema } from './schema.js';
import type { GatewayConfig } from './types.js';

export interface GatewayLoadResult {
  config?: GatewayConfig;
  diagnostics: Diagnostic[];
  file?: string;
}

const MAX_SOURCE_BYTES = 1024 * 1024;

/** Reads and checks a configuration file. Throws only `E_IO` (unreadable file). */
export async function loadGatewayConfigFile(path: string, env: Env): Promise<GatewayLoadResult> {
  const { file, source } = await readSourceFile(path, 'gateway config');
  return loadGatewayConfig(source, env, file);
}

/** Parses and checks configuration text. Never throws for bad content. */
export function loadGatewayConfig(source: string, env: Env, file?: string): GatewayLoadResult {
  const done = (diagnostics: Diagnostic[], config?: GatewayConfig): GatewayLoadResult => {
    diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    return {
      diagnostics,
      ...(config !== undefined ? { config } : {}),
      ...(file !== undefined ? { file } : {}),
    };
  };
  if (source.length > MAX_SOURCE_BYTES) {
    const d: Diagnostic = {
      severity: 'error',
      code: 'file-too-large',
      path: '',
      message: `the file is ${source.length} characters; the limit is ${MAX_SOURCE_BYTES}`,
    };
    if (file !== undefined) d.file = file;
    return done([d]);
  }
  const format = file?.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
  const parsed = parseSource(source.replace(/^\uFEFF/, ''), format);
  const reporter = new Reporter(parsed.map.locate, file);
  for (const p of parsed.problems) {
    if (p.severity === 'error') reporter.error(p.code, '', p.message, { pos: p.pos });
    else reporter.warn(p.code, '', p.message, { pos: p.pos });
  }
  if (parsed.value === undefined) return done(reporter.diagnostics);
  if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    reporter.error(
      'wrong-type',
      '',
      'a gateway configuration is a mapping with at least `upstreams:` (see agentcrate gateway schema)',
    );
    return done(reporter.diagnostics);
  }
  const result = gatewayFileSchema.safeParse(parsed.value);
  if (!result.success) {
    reportIssues(
      result.error.issues,
      parsed.value,
      reporter,
      (path) => keysAt(gatewayFileSchema, path),
      (path) => parsed.map.locateKey(path),
    );
    return done(reporter.diagnostics);
  }
  checkRules(result.data, env, reporter);
  if (reporter.errorCount > 0) return done(reporter.diagnostics);
  return done(reporter.diagnostics, resolveConfig(result.data as GatewayFile, env, file));
}

/** The keys the object schema at `path` accepts, for "did you mean" on unknown keys. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const segment of path) {
    current = step(objectish(current), segment);
    if (current === undefined) return [];
  }
  const target = objectish(current);
  return target instanceof z.ZodObject ? Object.keys(target.shape) : [];
}

function objectish(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  for (let i = 0; i < 8 && s !== undefined; i++) {
    if (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodUnion) s = (s.options as z.ZodType[]).find((o) => o instanceof z.ZodObject);
    else return s;
  }
  return s;
}

function step(schema: z.ZodType | undefined, segment: PropertyKey): z.ZodType | undefined {
  if (schema instanceof z.ZodObject) return (schema.shape as Record<string, z.ZodType>)[String(segment)];
  if (schema instanceof z.ZodRecord) return schema.valueType as z.ZodType;
  if (schema instanceof z.ZodArray) return schema.element as z.ZodType;
  return undefined;
}
