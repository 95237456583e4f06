/**
 * A small, strict reader for `.env` files (the subset Docker's `--env-file` and compose
 * understand, plus quotes): `KEY=VALUE`, `export KEY=VALUE`, `#` comments, blank lines,
 * 'single' (literal) and "double" (with \n \t \" \\ escapes) quoted values, and unquoted
 * values with trailing ` # comment`. Values are passed to the container at run time and
 * never end up in the image; errors name the line, never the value.
 */
import { readFileSync } from 'node:fs';
import { AgentcrateError } from '../errors.js';

export interface EnvEntry {
  name: string;
  value: string;
  line: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseEnvFile(text: string, file = '.env'): EnvEntry[] {
  const entries: EnvEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trimStart();
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new AgentcrateError(
        'E_USAGE',
        `${file}:${lineNo}: expected KEY=VALUE (a variable name, '=', then the value)`,
        { details: { file, line: lineNo } },
      );
    }
    const name = line.slice(0, eq).trim();
    if (!NAME.test(name)) {
      throw new AgentcrateError(
        'E_USAGE',
        `${file}:${lineNo}: "${name}" is not a valid variable name (letters, digits, '_', not starting with a digit)`,
        { details: { file, line: lineNo } },
      );
    }
    const rest = line.slice(eq + 1).trimStart();
    entries.push({ name, value: parseValue(rest, file, lineNo), line: lineNo });
  }
  return entries;
}

function parseValue(rest: string, file: string, line: number): string {
  const quote = rest[0];
  if (quote === '"' || quote === "'") {
    let out = '';
    for (let j = 1; j < rest.length; j++) {
      const ch = rest[j] as string;
      if (ch === quote) {
        const after = rest.slice(j + 1).trim();
        if (after !== '' && !after.startsWith('#')) {
          throw new AgentcrateError(
            'E_USAGE',
            `${file}:${line}: unexpected text after the closing quote; put comments after '#'`,
            { details: { file, line } },
          );
        }
        return out;
      }
      if (quote === '"' && ch === '\\' && j + 1 < rest.length) {
        const next = rest[++j] as string;
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
        continue;
      }
      out += ch;
    }
    throw new AgentcrateError('E_USAGE', `${file}:${line}: missing closing ${quote} quote`, {
      details: { file, line },
    });
  }
  const hash = rest.search(/\s#/);
  return (hash === -1 ? rest : rest.slice(0, hash)).trim();
}

/** Last assignment wins, as in a shell. */
export function envFileToRecord(entries: EnvEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) out[e.name] = e.value;
  return out;
}

export function readEnvFile(path: string): EnvEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AgentcrateError(
      'E_IO',
      `cannot read env file ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}; create it (see .env.example) or pass --no-env-file`,
      { cause },
    );
  }
  return parseEnvFile(text, path);
}
