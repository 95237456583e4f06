/**
 * Scalar rules of the fast YAML front end (see yaml-fast.ts): YAML 1.2 core-schema resolution
 * of plain scalars, single-line quoted scalars, and block scalars (`|`, `>`). Each mirrors what
 * the `yaml` package does for the same text; whatever the package would report as an error or
 * a warning throws BAIL instead, so the caller falls back to the package.
 */

/** Thrown (never caught outside the fast front end) when the input leaves the supported subset. */
export const BAIL: unique symbol = Symbol('yaml-fast-bail');

export function bail(): never {
  throw BAIL;
}

// The core schema's tests, in the order the package tries them (its first match wins).
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** The value of a plain scalar under the YAML 1.2 core schema (as the package resolves it). */
export function resolvePlain(text: string): unknown {
  const c = text.charCodeAt(0);
  // Only these first characters can begin a null, a boolean or a number; anything else is a
  // string, which is most scalars of a workflow, so they skip every regular expression.
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) return resolveNumeric(text);
  if (c === 110 || c === 78 || c === 126) return NULL.test(text) ? null : text;
  if (c === 116 || c === 84 || c === 102 || c === 70) {
    return BOOL.test(text) ? c === 116 || c === 84 : text;
  }
  return text.length === 0 ? null : text;
}

function resolveNumeric(text: string): unknown {
  if (INT_OCT.test(text)) return Number.parseInt(text.substring(2), 8);
  if (INT.test(text)) return Number.parseInt(text, 10);
  if (INT_HEX.test(text)) return Number.parseInt(text.substring(2), 16);
  if (FLOAT_NAN.test(text)) {
    if (text.slice(-3).toLowerCase() === 'nan') return Number.NaN;
    return text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(text) || FLOAT.test(text)) return Number.parseFloat(text);
  return text;
}

/** Double-quoted escapes the package knows (anything else is its error, so a bail here). */
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
};

const HEX = /^[0-9a-fA-F]+$/;

/** Result of scanning a quoted scalar: its value and the offset just after the closing quote. */
export interface QuotedScan {
  value: string;
  end: number;
}

/**
 * A double-quoted scalar opening at `start` and closing before `lineEnd`. A scalar that goes
 * on to the next line (folding rules) or never closes bails.
 */
export function scanDoubleQuoted(src: string, start: number, lineEnd: number): QuotedScan {
  let value = '';
  let from = start + 1;
  let i = from;
  for (;;) {
    if (i >= lineEnd) bail();
    const c = src.charCodeAt(i);
    if (c === 34) break;
    if (c !== 92) {
      i++;
      continue;
    }
    value += src.slice(from, i);
    const next = src[i + 1];
    if (next === undefined || i + 1 >= lineEnd) bail();
    const simple = ESCAPES[next];
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const hex = src.substr(i + 2, length);
      if (hex.length !== length || i + 2 + length > lineEnd || !HEX.test(hex)) bail();
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) bail();
      value += String.fromCodePoint(code);
      i += 2 + length;
    } else {
      bail();
    }
    from = i;
  }
  value += src.slice(from, i);
  return { value, end: i + 1 };
}

/** A single-quoted scalar opening at `start` and closing on the same line (`''` is a quote). */
export function scanSingleQuoted(src: string, start: number, lineEnd: number): QuotedScan {
  let i = start + 1;
  let escaped = false;
  for (;;) {
    i = src.indexOf("'", i);
    if (i === -1 || i >= lineEnd) bail();
    if (src.charCodeAt(i + 1) === 39 && i + 1 < lineEnd) {
      escaped = true;
      i += 2;
      continue;
    }
    break;
  }
  const raw = src.slice(start + 1, i);
  return { value: escaped ? raw.replace(/''/g, "'") : raw, end: i + 1 };
}

/** A block scalar's body: where it ends in the source and its value. */
export interface BlockScan {
  value: string;
  /** Offset just after the body (where the next line starts); the node's range end. */
  end: number;
}

/**
 * The body of a block scalar whose header line ends at `bodyStart - 1`. `minIndent` is one
 * more than the indentation of the collection holding the scalar. The extent follows the
 * package's lexer (which trailing blank lines belong to the scalar) and the value its
 * composer (indentation, folding, chomping), so both the value and the range end match.
 */
export function scanBlockScalar(
  src: string,
  bodyStart: number,
  minIndent: number,
  folded: boolean,
  chomp: '' | '-' | '+',
): BlockScan {
  const len = src.length;
  let nl = bodyStart - 1;
  let indent = 0;
  let i = bodyStart;
  for (; i < len; i++) {
    const c = src.charCodeAt(i);
    if (c === 32) indent++;
    else if (c === 10) {
      nl = i;
      indent = 0;
    } else if (c !== 13 || src.charCodeAt(i + 1) !== 10) break;
  }
  if (indent >= minIndent) {
    // Lines belong to the scalar while they are blank or indented at least like its first line.
    for (;;) {
      const cs = continueBlock(src, nl + 1, indent);
      if (cs === -1) break;
      nl = src.indexOf('\n', cs);
      if (nl === -1) {
        nl = len;
        break;
      }
    }
  }
  // The package reports tabs that follow the scalar's last line ("trailing insufficiently
  // indented tabs"); leave that to it.
  let t = nl + 1;
  while (src.charCodeAt(t) === 32) t++;
  if (src.charCodeAt(t) === 9) bail();
  if (chomp !== '+') {
    // Trailing blank lines no more indented than the content are not part of the scalar.
    for (;;) {
      let j = nl - 1;
      let c = src.charCodeAt(j);
      if (c === 13) c = src.charCodeAt(--j);
      const lastChar = j;
      while (c === 32) c = src.charCodeAt(--j);
      if (c === 10 && j >= bodyStart && j + 1 + indent > lastChar) nl = j;
      else break;
    }
  }
  const end = Math.min(nl + 1, len);
  return { value: blockValue(src.slice(bodyStart, end), folded, chomp), end };
}

/** The lexer's continueScalar for a block scalar: where the line at `offset` continues, or -1. */
function continueBlock(src: string, offset: number, contentIndent: number): number {
  let indent = 0;
  let c = src.charCodeAt(offset);
  while (c === 32) c = src.charCodeAt(++indent + offset);
  if (c === 13 && src.charCodeAt(indent + offset + 1) === 10) return offset + indent + 1;
  return c === 10 || indent >= contentIndent ? offset + indent : -1;
}

/** The composer's value of a block scalar body (`source`), without an indentation indicator. */
function blockValue(source: string, folded: boolean, chomp: '' | '-' | '+'): string {
  const lines = source.length > 0 ? splitLines(source) : [];
  let chompStart = lines.length;
  for (let i = lines.length - 1; i >= 0; --i) {
    const content = lines[i]![1];
    if (content === '' || content === '\r') chompStart = i;
    else break;
  }
  if (chompStart === 0) {
    return chomp === '+' && lines.length > 0 ? '\n'.repeat(Math.max(1, lines.length - 1)) : '';
  }
  let trimIndent = 0;
  let contentStart = 0;
  for (let i = 0; i < chompStart; ++i) {
    const [indent, content] = lines[i]!;
    if (content === '' || content === '\r') {
      if (indent.length > trimIndent) trimIndent = indent.length;
    } else {
      // Leading blank lines deeper than the first content line need an indentation indicator.
      if (indent.length < trimIndent) bail();
      trimIndent = indent.length;
      contentStart = i;
      break;
    }
  }
  for (let i = lines.length - 1; i >= chompStart; --i) {
    if (lines[i]![0].length > trimIndent) chompStart = i + 1;
  }
  let value = '';
  let sep = '';
  let prevMoreIndented = false;
  for (let i = 0; i < contentStart; ++i) value += `${lines[i]![0].slice(trimIndent)}\n`;
  for (let i = contentStart; i < chompStart; ++i) {
    const indent = lines[i]![0];
    let content = lines[i]![1];
    if (content.endsWith('\r')) content = content.slice(0, -1);
    // The lexer keeps less indented lines out of the scalar unless they are blank.
    if (content !== '' && indent.length < trimIndent) bail();
    if (!folded) {
      value += sep + indent.slice(trimIndent) + content;
      sep = '\n';
    } else if (indent.length > trimIndent || content[0] === '\t') {
      if (sep === ' ') sep = '\n';
      else if (!prevMoreIndented && sep === '\n') sep = '\n\n';
      value += sep + indent.slice(trimIndent) + content;
      sep = '\n';
      prevMoreIndented = true;
    } else if (content === '') {
      if (sep === '\n') value += '\n';
      else sep = '\n';
    } else {
      value += sep + content;
      sep = ' ';
      prevMoreIndented = false;
    }
  }
  if (chomp === '+') {
    for (let i = chompStart; i < lines.length; ++i) value += `\n${lines[i]![0].slice(trimIndent)}`;
    if (value[value.length - 1] !== '\n') value += '\n';
  } else if (chomp === '') {
    value += '\n';
  }
  return value;
}

/** `[indentation, content]` per line, split like the package does. */
function splitLines(source: string): Array<[string, string]> {
  const split = source.split(/\n( *)/);
  const first = split[0]!;
  const m = /^( *)/.exec(first);
  const lines: Array<[string, string]> = [m?.[1] ? [m[1], first.slice(m[1].length)] : ['', first]];
  for (let i = 1; i < split.length; i += 2) lines.push([split[i]!, split[i + 1]!]);
  return lines;
}
