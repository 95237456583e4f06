/** Reads `-i key=value` pairs and `--input-file` into one inputs object. */
import { readFile } from 'node:fs/promises';
import type { Workflow } from '../config/types.js';
import { buildInitialState, coerceCliInputs, invalidInput } from '../engine/index.js';
import { AgentcrateError } from '../errors.js';

export async function readInputs(
  workflow: Workflow,
  pairs: string[] | undefined,
  inputFile: string | undefined,
): Promise<Record<string, unknown>> {
  let fromFile: Record<string, unknown> = {};
  if (inputFile) {
    let text: string;
    try {
      text = await readFile(inputFile, 'utf8');
    } catch (error) {
      throw new AgentcrateError(
        'E_IO',
        `cannot read --input-file '${inputFile}': ${(error as Error).message}`,
        { cause: error },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new AgentcrateError(
        'E_INVALID_INPUT',
        `--input-file '${inputFile}' is not valid JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new AgentcrateError(
        'E_INVALID_INPUT',
        `--input-file '${inputFile}' must hold a JSON object of inputs, like {"topic": "AI"}`,
      );
    }
    fromFile = parsed as Record<string, unknown>;
  }
  const raw: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new AgentcrateError('E_USAGE', `-i expects key=value, got '${pair}' (for example: -i topic=AI)`);
    raw[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const cli = coerceCliInputs(workflow, raw);
  const inputs = { ...fromFile, ...cli.inputs };
  if (cli.issues.length === 0) return inputs;
  // Report the conversion problems together with every other input problem.
  const failed = new Set(cli.issues.map((i) => i.path));
  const rest = Object.fromEntries(Object.entries(inputs).filter(([k]) => !failed.has(k)));
  const others: typeof cli.issues = [];
  try {
    buildInitialState(workflow, rest);
  } catch (error) {
    const issues = (error as { details?: { issues?: typeof cli.issues } }).details?.issues ?? [];
    others.push(...issues.filter((i) => !failed.has(i.path)));
  }
  throw invalidInput([...cli.issues, ...others]);
}
