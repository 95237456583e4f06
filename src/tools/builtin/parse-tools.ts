/**
 * `json_parse` (aliases `json_read`, `json_write`) and `yaml_parse`: turn text the model has
 * (a tool result, a scraped page) into data, optionally picking one value out by a dotted
 * path. `json_write` was documented by the Python project without a distinct behaviour; it
 * maps here, and `pretty: true` makes the tool hand back normalised JSON text, which is the
 * useful reading of "write JSON". Neither touches files (file_write does that).
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AgentcrateError } from '../../errors.js';
import { errorMessage, parseArgs } from '../args.js';
import type { ToolDefinition } from '../types.js';

const MAX_INPUT_CHARS = 1_000_000;

function pick(tool: string, value: unknown, pathText: string | undefined): unknown {
  if (pathText === undefined || pathText.trim() === '') return value;
  let current = value;
  for (const part of pathText.split('.').filter((p) => p !== '')) {
    if (Array.isArray(current) && /^\d+$/.test(part)) {
      current = current[Number(part)];
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, part)) {
      current = (current as Record<string, unknown>)[part];
    } else {
      throw new AgentcrateError('E_TOOL', `${tool}: path '${pathText}' not found (no '${part}')`);
    }
  }
  return current;
}

const jsonInput = z.object({
  text: z.string().max(MAX_INPUT_CHARS).describe('The JSON text to parse.'),
  path: z.string().optional().describe("Optional dotted path to return one value, e.g. 'items.0.name'."),
  pretty: z.boolean().optional().describe('Also return the value re-serialised as indented JSON text.'),
});

export const jsonParseTool: ToolDefinition = {
  name: 'json_parse',
  aliases: ['json_read', 'json_write'],
  description:
    'Parse JSON text into data (optionally pick a value by dotted path); with pretty: true also returns formatted JSON text.',
  inputSchema: jsonInput,
  requiredEnv: () => [],
  async run(args) {
    const input = parseArgs('json_parse', jsonInput, args);
    let parsed: unknown;
    try {
      parsed = JSON.parse(input.text);
    } catch (error) {
      throw new AgentcrateError('E_TOOL', `json_parse: invalid JSON: ${errorMessage(error)}`);
    }
    const value = pick('json_parse', parsed, input.path);
    return input.pretty ? { value, json: JSON.stringify(value, null, 2) } : { value };
  },
};

const yamlInput = z.object({
  text: z.string().max(MAX_INPUT_CHARS).describe('The YAML text to parse.'),
  path: z.string().optional().describe("Optional dotted path to return one value, e.g. 'spec.replicas'."),
});

export const yamlParseTool: ToolDefinition = {
  name: 'yaml_parse',
  aliases: [],
  description: 'Parse YAML text into data (optionally pick a value by dotted path).',
  inputSchema: yamlInput,
  requiredEnv: () => [],
  async run(args) {
    const input = parseArgs('yaml_parse', yamlInput, args);
    let parsed: unknown;
    try {
      // Alias expansion is bounded so a "billion laughs" document fails fast.
      parsed = parseYaml(input.text, { maxAliasCount: 100 });
    } catch (error) {
      throw new AgentcrateError('E_TOOL', `yaml_parse: invalid YAML: ${errorMessage(error)}`);
    }
    return { value: pick('yaml_parse', parsed, input.path) };
  },
};
