/**
 * Seeded random YAML documents built only from what the fast front end supports: nested
 * block maps and sequences (compact `- key:` items, sequences at their key's column, varied
 * indentation steps), scalars in every style, one-line flow collections, block scalars with
 * every chomping mode, comments and blank lines. Each one is valid YAML, so the fast path
 * must read every one of them (and agree with the package).
 */

const WORDS = [
  'a',
  'b c',
  'x:y',
  '1',
  '-2',
  '0x1F',
  '1e3',
  '.5',
  'true',
  'null',
  '~',
  'list[str]',
  'a#b',
  'é',
  'say "hi"',
  "it's",
  '{state.x}',
  'http://h/p',
  '-x',
  '0o7',
  '.inf',
  '...x',
  '--x',
];

/** A word written plain would start or stop a construct, so it must be quoted there. */
const NEEDS_QUOTES_IN_BLOCK = /^[-?:,[\]{}#&*!|>'"%@`]|: | #/;
const NEEDS_QUOTES_IN_FLOW = /^[-?:,[\]{}#&*!|>'"%@`]|: | #|[,[\]{}]/;

export class RandomDocs {
  private readonly rand: () => number;
  private keyCount = 0;

  constructor(rand: () => number) {
    this.rand = rand;
  }

  document(): string {
    this.keyCount = 0;
    const out: string[] = [];
    if (this.rand() < 0.2) out.push(this.pick(['---', '# head', '# head\n---']));
    if (this.rand() < 0.8) this.mapping(this.pick([0, 0, 0, 2]), 0, out);
    else this.sequence(0, 0, out);
    const text = out.join('\n') + this.pick(['\n', '', '\n\n']);
    return this.rand() < 0.2 ? text.replace(/\n/g, '\r\n') : text;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }

  private key(): string {
    const k = `k${this.keyCount++}${this.pick(['', '_x', ' y'])}`;
    const r = this.rand();
    return r < 0.15 ? `"${k}"` : r < 0.25 ? `'${k}'` : k;
  }

  private scalar(inFlow: boolean): string {
    const w = this.pick(WORDS);
    const r = this.rand();
    if (r < 0.5 && !(inFlow ? NEEDS_QUOTES_IN_FLOW : NEEDS_QUOTES_IN_BLOCK).test(w)) return w;
    if (r < 0.8) return JSON.stringify(w);
    return `'${w.replace(/'/g, "''")}'`;
  }

  private flow(depth: number): string {
    const r = this.rand();
    if (depth > 2 || r < 0.5) return this.scalar(true);
    const n = Math.floor(this.rand() * 4);
    if (r < 0.75) {
      const items = Array.from({ length: n }, () => this.flow(depth + 1));
      return `[${items.join(this.pick([', ', ',', ' , ']))}]`;
    }
    return `{${Array.from({ length: n }, () => `${this.key()}: ${this.flow(depth + 1)}`).join(', ')}}`;
  }

  private blockScalar(indent: number): string[] {
    const header = this.pick(['|', '>', '|-', '>-', '|+', '>+']) + (this.rand() < 0.2 ? ' # c' : '');
    const lines = [`${' '.repeat(indent)}first`];
    const n = Math.floor(this.rand() * 4);
    for (let i = 0; i < n; i++) {
      const r = this.rand();
      if (r < 0.15) lines.push('');
      else if (r < 0.25) lines.push(`${' '.repeat(indent + 2)}deeper ${i}`);
      else if (r < 0.3) lines.push(' '.repeat(Math.floor(this.rand() * (indent + 3))));
      else
        lines.push(
          ' '.repeat(indent) + this.pick(['text', 'more {x}', '# not a comment', 'k: v', '- i']) + i,
        );
    }
    if (this.rand() < 0.3) lines.push('');
    return [header, ...lines];
  }

  /** A value after `lead` (a `key:` or `-` line): inline, or nested on the lines below. */
  private node(indent: number, depth: number, out: string[], lead: string): void {
    const r = this.rand();
    const step = this.pick([1, 2, 2, 2, 3, 4]);
    if (depth > 4 || r < 0.35) out.push(`${lead} ${this.scalar(false)}${this.rand() < 0.1 ? ' # c' : ''}`);
    else if (r < 0.45) out.push(`${lead} ${this.flow(0)}`);
    else if (r < 0.55) {
      const [header, ...body] = this.blockScalar(indent + step);
      out.push(`${lead} ${header}`, ...body);
    } else if (r < 0.6) out.push(lead + (this.rand() < 0.5 ? '' : ' # empty'));
    else {
      out.push(lead + (this.rand() < 0.1 ? ' # c' : ''));
      if (r < 0.8) this.mapping(indent + step, depth + 1, out);
      else {
        // A sequence may sit at its key's own column.
        const sameColumn = lead.endsWith(':') && this.rand() < 0.5;
        this.sequence(sameColumn ? indent : indent + step, depth + 1, out);
      }
    }
  }

  private mapping(indent: number, depth: number, out: string[], firstLead?: string): void {
    const n = 1 + Math.floor(this.rand() * 4);
    for (let i = 0; i < n; i++) {
      if (this.rand() < 0.1) out.push(this.pick(['', '  ', '# between', `${' '.repeat(indent)}# indented`]));
      const lead = i === 0 && firstLead !== undefined ? firstLead : ' '.repeat(indent);
      this.node(indent, depth, out, `${lead}${this.key()}:`);
    }
  }

  private sequence(indent: number, depth: number, out: string[]): void {
    const n = 1 + Math.floor(this.rand() * 4);
    for (let i = 0; i < n; i++) {
      const gap = this.pick([1, 1, 1, 2, 3]);
      if (this.rand() < 0.35 && depth < 5) {
        this.mapping(indent + 1 + gap, depth + 1, out, `${' '.repeat(indent)}-${' '.repeat(gap)}`);
      } else {
        this.node(indent, depth, out, `${' '.repeat(indent)}-`);
      }
    }
  }
}
