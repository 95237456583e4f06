/**
 * Seeded mutations of workflow text: each keeps most of a real file and breaks or bends a
 * little of it. The default tokens are aimed at the YAML parsers; the loader fuzz test also
 * passes tokens aimed at the validator.
 */

/** mulberry32: tiny, fast, good enough for picking mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Tokens that stress YAML scalar resolution and structure. */
export const PARSER_TOKENS: readonly string[] = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ': ',
  ' :',
  '"',
  "'",
  "''",
  '&a ',
  '*a',
  '!!str ',
  '- ',
  '-',
  '\t',
  '#',
  ' #',
  '|',
  '|-',
  '|+',
  '>',
  '>-',
  '|2',
  '\\',
  '\\n',
  '\\u00e9',
  '\\x41',
  '\\q',
  '\n',
  '\r\n',
  '\r',
  '\n\n',
  '\n  \n',
  ' ',
  '  ',
  ',',
  ', ',
  '---\n',
  '...\n',
  '? ',
  '%',
  '@',
  '`',
  '~',
  'null',
  'Null',
  'true',
  'False',
  'TRUE',
  '0o17',
  '0x1F',
  '0777',
  '1_000',
  '+1',
  '-0',
  '.5',
  '5.',
  '1e3',
  '1E-2',
  '.inf',
  '-.Inf',
  '.NaN',
  'nan',
  '<<',
  '__proto__',
  'x: y',
  '\u0000',
  '\u00a0',
  '\uFEFF',
  '\u2028',
];

export function mutate(text: string, rand: () => number, tokens: readonly string[] = PARSER_TOKENS): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let s = text;
  const steps = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < steps; k++) {
    const lines = s.split('\n');
    const li = Math.floor(rand() * lines.length);
    const pos = Math.floor(rand() * (s.length + 1));
    switch (Math.floor(rand() * 10)) {
      case 0:
        lines.splice(li, 1);
        s = lines.join('\n');
        break;
      case 1:
        lines.splice(li, 0, lines[li] ?? '');
        s = lines.join('\n');
        break;
      case 2: {
        const lj = Math.floor(rand() * lines.length);
        [lines[li], lines[lj]] = [lines[lj] ?? '', lines[li] ?? ''];
        s = lines.join('\n');
        break;
      }
      case 3:
        s = s.slice(0, pos) + String.fromCharCode(32 + Math.floor(rand() * 95)) + s.slice(pos + 1);
        break;
      case 4:
      case 5:
        s = s.slice(0, pos) + pick(tokens) + s.slice(pos);
        break;
      case 6:
        lines[li] = rand() < 0.5 ? ` ${lines[li] ?? ''}` : (lines[li] ?? '').replace(/^ {1,2}/, '');
        s = lines.join('\n');
        break;
      case 7:
        s = s.slice(0, pos);
        break;
      case 8: {
        // Replace a scalar after `: ` with a token: exercises scalar resolution in place.
        const m = /: ([^\n]*)/g;
        m.lastIndex = pos;
        const hit = m.exec(s);
        if (hit !== null) s = s.slice(0, hit.index + 2) + pick(tokens) + s.slice(hit.index + hit[0].length);
        break;
      }
      default: {
        const words = s.match(/[A-Za-z_]+/g) ?? [];
        const a = pick(words);
        const b = pick(words);
        if (a !== undefined && b !== undefined) s = s.replace(a, b);
      }
    }
  }
  return s;
}
