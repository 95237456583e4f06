/**
 * One run's input: the JSON argument, else `--input-file` (a mounted file), else stdin (empty
 * stdin, or none attached, is `{}`: a workflow whose fields all have defaults needs nothing).
 * Anything but a JSON object is bad input (exit 2), said with where it came from.
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { AgentcrateError } from '../../../errors.js';

/**
 * `stdin` is asked for only when the input comes from it: Node makes `process.stdin` on first
 * read, a file or pipe stream that loads `fs` streams and more, which a run given its input as an
 * argument never needs.
 */
export async function readSingleInput(
  args: { json?: string; inputFile?: string },
  stdin: () => Readable & { isTTY?: boolean },
): Promise<Record<string, unknown>> {
  if (args.json !== undefined) return parseInputObject(args.json, 'the JSON argument');
  if (args.inputFile !== undefined) {
    let text: string;
    try {
      text = await readFile(args.inputFile, 'utf8');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new AgentcrateError(
        'E_INVALID_INPUT',
        `cannot read --input-file ${args.inputFile}: ${code === 'ENOENT' ? 'no such file (mount it into the container, e.g. -v "$PWD/in.json:/in.json:ro")' : (code ?? String(cause))}`,
        { cause },
      );
    }
    return parseInputObject(text, args.inputFile);
  }
  const stream = stdin();
  if (stream.isTTY === true) return {};
  const text = await readAll(stream);
  return text.trim() === '' ? {} : parseInputObject(text, 'stdin');
}

export function parseInputObject(text: string, where: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new AgentcrateError(
      'E_INVALID_INPUT',
      `${where} is not valid JSON: ${(cause as Error).message}; give an object of inputs, like {"topic": "AI"}`,
      { cause },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AgentcrateError(
      'E_INVALID_INPUT',
      `${where} must be a JSON object of inputs, like {"topic": "AI"}, not ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}`,
    );
  }
  return parsed as Record<string, unknown>;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
