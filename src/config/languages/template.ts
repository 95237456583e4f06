/**
 * Prompt/input templates (workflow-format.md section 6). Deliberately forgiving: only
 * `{identifier(.identifier)*}` is a placeholder; every other brace is literal text, so
 * prompts may show JSON examples (`{"a": 1}`) or code without escaping. `{{` and `}}`
 * are literal braces, as in Python's str.format which the original project used.
 */
import type { Template, TemplatePart } from '../types.js';

/** Reserved for future template syntax; the scanner currently accepts every string. */
export class TemplateSyntaxError extends Error {
  /** Character offset in the template source. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'TemplateSyntaxError';
    this.offset = offset;
  }
}

/** A placeholder body: identifiers joined by dots, immediately followed by `}`. */
const REF = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?=\})/y;

/**
 * Splits a template into text and placeholders. A ref's `raw` is the exact source slice
 * including the braces (`{state.x}`), and `offset` is the index of its `{`, so
 * `source.slice(offset, offset + raw.length) === raw`.
 */
export function parseTemplate(source: string): Template {
  const parts: TemplatePart[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '{') {
      if (source[i + 1] === '{') {
        text += '{';
        i += 2;
        continue;
      }
      REF.lastIndex = i + 1;
      const m = REF.exec(source);
      if (m) {
        flush();
        const raw = `{${m[0]}}`;
        parts.push({ kind: 'ref', path: m[0].split('.'), raw, offset: i });
        i += raw.length;
        continue;
      }
      text += '{';
      i++;
      continue;
    }
    if (ch === '}' && source[i + 1] === '}') {
      text += '}';
      i += 2;
      continue;
    }
    text += ch;
    i++;
  }
  flush();
  return { source, parts };
}

/** A placeholder body NOT closed by `}`: identifiers joined by dots, then anything else. */
const UNCLOSED = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?![A-Za-z0-9_.}])/y;

/**
 * Braces that open what reads as a placeholder but are never closed (`{state.topic` at the
 * end of a line): the template keeps them as literal text, so the validator asks whether the
 * name is one the prompt could mean. Same scan as parseTemplate (`{{` is a literal brace).
 */
export function unclosedRefs(source: string): Array<{ path: string[]; raw: string; offset: number }> {
  const found: Array<{ path: string[]; raw: string; offset: number }> = [];
  for (let i = source.indexOf('{'); i >= 0 && i < source.length; i = source.indexOf('{', i)) {
    if (source[i + 1] === '{') {
      i += 2;
      continue;
    }
    REF.lastIndex = i + 1;
    const closed = REF.exec(source);
    if (closed) {
      i += closed[0].length + 2;
      continue;
    }
    UNCLOSED.lastIndex = i + 1;
    const open = UNCLOSED.exec(source);
    if (open) found.push({ path: open[0].split('.'), raw: `{${open[0]}`, offset: i });
    i++;
  }
  return found;
}

export function templateRefs(t: Template): Array<{ path: string[]; raw: string; offset: number }> {
  const refs: Array<{ path: string[]; raw: string; offset: number }> = [];
  for (const part of t.parts) {
    if (part.kind === 'ref') refs.push({ path: part.path, raw: part.raw, offset: part.offset });
  }
  return refs;
}

/** 1-based line and column of a character offset (`\n`, `\r\n` and `\r` all end a line). */
export function offsetToLineColumn(source: string, offset: number): { line: number; column: number } {
  const end = Math.max(0, Math.min(offset, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    const ch = source[i];
    if (ch === '\n' || (ch === '\r' && source[i + 1] !== '\n')) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
