import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument, visit } from 'yaml';
import { generateWorkflow } from '../../bench/validate-500.js';
import { loadWorkflowFromString } from '../../src/config/index.js';
import { parseFastOrThrow } from '../../src/config/yaml/fast.js';
import { mutate, prng } from '../support/mutate.js';
import { compareWithPackage } from './yaml-fast-compare.js';
import { RandomDocs } from './yaml-random-docs.js';

/**
 * Differential tests of the fast YAML front end against the `yaml` package: whenever the
 * front end reads a text, value, offsets and scalar types must be the package's. Real
 * workflows must take the fast path (or the benchmark gains nothing).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, '../shared/fixtures/configurable-agents/');
const EXAMPLES = join(ROOT, 'examples/');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.(?:ya?ml|json)$/.test(name)) out.push(path);
  }
  return out;
}

/** Valid YAML with no anchors or aliases: the fast path must read it. */
function plainValidYaml(text: string): boolean {
  const doc = parseDocument(text, { version: '1.2', uniqueKeys: false, logLevel: 'silent' });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return false;
  let anchored = false;
  visit(doc, {
    Alias: () => {
      anchored = true;
      return visit.BREAK;
    },
    Node: (_, node) => {
      if ((node as { anchor?: string }).anchor) anchored = true;
    },
  });
  return !anchored;
}

/** Constructs the subset covers, in one file: block scalars, flow, quoting, comments. */
const FEATURES = `# leading comment
schema_version: "1.0"   # trailing comment
flow: {name: features, description: 'it''s "quoted"', tags: [a, "b c", 'd', {e: 1}]}
numbers: [0, -0, +1, 0o17, 0x1F, 0777, 1_000, .5, 5., 1e3, 1E-2, -.inf, .Inf, .NaN, 12345678901234567890]
words: [~, null, Null, NULL, true, True, FALSE, yes, no, on, nan, 'true', "1", -x, a:b, http://x/y#z]
escapes: "tab\\tnew\\nquote\\" slash\\/ nul\\0 e\\u00e9 x\\x41 smile\\U0001F600 \\\\ end"
empty_map: {}
empty_seq: []
nothing:
also_nothing:   # comment after an empty value
keys:
  "quoted key": 1
  'single': 2
  1: int key
  true: bool key
  1.50: float key
  spaced key  : 3
  -dash: 4
  toString: 5
lists:
- a
- [b, c]
-
- key: v
  other: w
- {x: 1}
-   spaced: item
nested:
  - id: n1
    prompt: |
      Line one {state.topic}

        indented more
      last
    folded: >
      folded one
      folded two

      para two
        more indented
      back
    strip: |-
      no newline
    keep: |+
      kept newlines


    after_keep: 1
  - id: n2
    prompt: >-
      folded
      stripped
    empty_block: |
    next: done
trailing: end # comment
`;

/** Texts to mutate: the feature file, a small benchmark workflow, examples and fixtures. */
function bases(): Array<{ name: string; text: string }> {
  const out = [
    { name: 'features', text: FEATURES },
    { name: 'bench-60', text: generateWorkflow(60) },
  ];
  for (const path of yamlFiles(EXAMPLES))
    out.push({ name: path.slice(ROOT.length), text: readFileSync(path, 'utf8') });
  if (existsSync(FIXTURES)) {
    for (const path of yamlFiles(FIXTURES)) {
      out.push({ name: path.slice(FIXTURES.length), text: readFileSync(path, 'utf8') });
    }
  }
  return out;
}

describe('fast YAML front end: agrees with the yaml package', () => {
  it('the feature file takes the fast path and agrees', () => {
    // Shown apart from the rest: a regression here names the construct.
    expect(compareWithPackage(FEATURES)).toEqual({ fast: true, problems: [] });
  });

  it('the generated 500-node benchmark workflow takes the fast path and agrees', () => {
    const result = compareWithPackage(generateWorkflow(500));
    expect(result).toEqual({ fast: true, problems: [] });
  });

  it('examples/ take the fast path and agree (LF and CRLF line ends)', () => {
    const examples = yamlFiles(EXAMPLES);
    expect(examples.length).toBeGreaterThan(0);
    for (const path of examples) {
      const text = readFileSync(path, 'utf8');
      expect(compareWithPackage(text), path).toEqual({ fast: true, problems: [] });
      expect(compareWithPackage(text.replace(/\n/g, '\r\n')), `${path} (CRLF)`).toEqual({
        fast: true,
        problems: [],
      });
    }
  });

  describe.skipIf(!existsSync(FIXTURES))('shared fixtures (../shared/fixtures/configurable-agents)', () => {
    it('every fixture agrees; the valid ones without anchors take the fast path', () => {
      const files = yamlFiles(FIXTURES);
      expect(files.length).toBeGreaterThan(0);
      let fast = 0;
      for (const path of files) {
        const text = readFileSync(path, 'utf8');
        const result = compareWithPackage(text);
        expect(result.problems, path).toEqual([]);
        if (!path.endsWith('.json') && plainValidYaml(text)) {
          expect(result.fast, `${path} should take the fast path`).toBe(true);
          fast++;
        }
        expect(compareWithPackage(text.replace(/\n/g, '\r\n')).problems, `${path} (CRLF)`).toEqual([]);
      }
      expect(fast).toBeGreaterThan(0);
    });
  });
  if (!existsSync(FIXTURES)) {
    it.skip(`shared fixtures: ${FIXTURES} is absent, so they are not compared`, () => {});
  }

  it('4,000 mutated variants: whenever the fast path reads one, it agrees', { timeout: 120_000 }, () => {
    const rand = prng(20250611);
    const sources = bases();
    const TOTAL = 4000;
    const problems: string[] = [];
    let fast = 0;
    for (let i = 0; i < TOTAL && problems.length < 5; i++) {
      const base = sources[i % sources.length]!;
      let text = mutate(base.text, rand);
      if (i % 5 === 0) text = text.replace(/\n/g, '\r\n');
      const result = compareWithPackage(text);
      if (result.fast) fast++;
      if (result.problems.length > 0) {
        problems.push(`#${i} (${base.name}):\n${result.problems.join('\n')}\n--- text ---\n${text}`);
      }
    }
    expect(problems, problems.join('\n=====\n')).toEqual([]);
    // Many mutations stay inside the subset; if none did, nothing would be compared.
    expect(fast).toBeGreaterThan(TOTAL / 5);
  });

  it('2,000 random valid documents of the subset: every one takes the fast path and agrees', () => {
    const docs = new RandomDocs(prng(7));
    const problems: string[] = [];
    for (let i = 0; i < 2000 && problems.length < 5; i++) {
      const text = docs.document();
      const result = compareWithPackage(text);
      if (!result.fast || result.problems.length > 0) {
        problems.push(`#${i} fast=${result.fast}:\n${result.problems.join('\n')}\n--- text ---\n${text}`);
      }
    }
    expect(problems, problems.join('\n=====\n')).toEqual([]);
  });
});

describe('fast YAML front end: the loader', () => {
  it('loads the benchmark workflow through the fast path with the same diagnostics as the package', () => {
    const text = generateWorkflow(40)
      // An unknown key and a bad reference give located diagnostics to compare.
      .replace('  name: bench_500', '  name: bench_500\n  colour: blue')
      .replace('Previous: {state.f3}', 'Previous: {state.nope}');
    expect(parseFastOrThrow(text)).toBeDefined();
    const fast = loadWorkflowFromString(text);
    // A tag the fast path gives up on forces the package's path for the same content.
    const slow = loadWorkflowFromString(text.replace('schema_version: "1.0"', 'schema_version: !!str "1.0"'));
    expect(
      parseFastOrThrow(text.replace('schema_version: "1.0"', 'schema_version: !!str "1.0"')),
    ).toBeUndefined();
    expect(fast.diagnostics.length).toBeGreaterThan(1);
    expect(fast.diagnostics).toEqual(slow.diagnostics);
  });
});
