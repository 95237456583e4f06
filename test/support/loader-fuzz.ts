/**
 * What every fuzzed load must satisfy, whatever the text: no exception but the loader's own
 * (file type, I/O), no internal error, a workflow exactly when there is no error, every
 * diagnostic with a code, a path and a message and, when placed, a line and column inside the
 * text; a workflow that loads also compiles, and its reachability index agrees with a plain
 * search. Returns the problems found (empty when all hold) and whether a workflow came back.
 */

import { describe, expect, it } from 'vitest';
import { edgeTargets, reach } from '../../src/config/graph.js';
import { loadWorkflowFromString } from '../../src/config/index.js';
import { END, type Workflow } from '../../src/config/types.js';
import { compile } from '../../src/engine/index.js';
import { AgentcrateError } from '../../src/errors.js';
import { mutate, prng } from './mutate.js';
import { randomWorkflow } from './workflow-gen.js';

/**
 * Loader fuzz cases per run: mutated real workflows (fuzz.test.ts), the rest generated, in
 * two files (fuzz-generated-{1,2}.test.ts) so the test runner can give each its own core.
 */
export const FUZZ_CASES = 100_000;
export const FIXTURE_MUTATIONS = 5_000;
export const GENERATED_PER_FILE = (FUZZ_CASES - FIXTURE_MUTATIONS) / 2;
/** Said in each fuzz test's name and output, so a CI log shows the total per run. */
export const TOTAL_NOTE = `with the other half and ${FIXTURE_MUTATIONS.toLocaleString('en-US')} mutated fixtures: ${FUZZ_CASES.toLocaleString('en-US')} loader cases per run`;

export interface FuzzOutcome {
  problems: string[];
  valid: boolean;
}

export function checkLoad(
  text: string,
  opts: { format?: 'yaml' | 'json'; strict?: boolean } = {},
): FuzzOutcome {
  const problems: string[] = [];
  let valid = false;
  try {
    const r = loadWorkflowFromString(text, { ...opts, file: 'fuzz.yaml' });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (r.workflow !== undefined) {
      valid = true;
      if (errors.length > 0) problems.push('workflow returned with errors');
      problems.push(...checkCompile(r.workflow));
    } else if (errors.length === 0) {
      problems.push('no workflow and no error');
    }
    const lines = text.split('\n').length;
    for (const d of r.diagnostics) {
      if (
        typeof d.message !== 'string' ||
        d.message.length === 0 ||
        typeof d.path !== 'string' ||
        d.code === ''
      ) {
        problems.push(`diagnostic without code/message/path: ${JSON.stringify(d)}`);
      }
      if (d.code === 'internal-error') problems.push(d.message);
      if (d.line !== undefined && (d.line < 1 || d.line > lines + 1 || (d.column ?? 0) < 1)) {
        problems.push(`diagnostic placed outside the text (${lines} lines): ${JSON.stringify(d)}`);
      }
    }
  } catch (err) {
    if (!(err instanceof AgentcrateError)) problems.push(`threw ${String(err)}`);
  }
  return { problems, valid };
}

/** compile() takes every valid workflow, and its reachability answers like a search. */
function checkCompile(workflow: Workflow): string[] {
  const plan = compile(workflow);
  const succ = new Map<string, Set<string>>();
  for (const e of workflow.edges) {
    const set = succ.get(e.from) ?? new Set<string>();
    for (const t of edgeTargets(e)) if (t !== END) set.add(t);
    succ.set(e.from, set);
  }
  const ids = ['START', ...workflow.nodes.map((n) => n.id)];
  const problems: string[] = [];
  for (const a of ids) {
    const reached = reach([...(succ.get(a) ?? [])], succ);
    for (const b of ids) {
      if (plan.reachability.canReach(a, b) !== reached.has(b))
        problems.push(`reachability ${a} → ${b} is wrong`);
    }
  }
  return problems;
}

export interface GeneratedRun {
  problems: string[];
  valid: number;
  slowestMs: number;
  casesPerSecond: number;
  /** Cases loaded and checked (all of them unless problems stopped the run early). */
  cases: number;
}

/**
 * `count` generated workflows from `seed` (test/support/workflow-gen.ts: half near misses of
 * a valid file, half anything goes), one in twenty also mutated as text, one in eleven
 * loaded with --strict. Each problem names its case number and shows its text.
 */
export function runGenerated(seed: number, count: number): GeneratedRun {
  const rand = prng(seed);
  const problems: string[] = [];
  let valid = 0;
  let slowestMs = 0;
  const started = performance.now();
  let cases = 0;
  for (let i = 0; i < count; i++) {
    cases++;
    const generated = randomWorkflow(rand);
    const text = i % 20 === 0 ? mutate(generated, rand) : generated;
    const t = performance.now();
    const outcome = checkLoad(text, { strict: i % 11 === 0 });
    slowestMs = Math.max(slowestMs, performance.now() - t);
    if (outcome.valid) valid++;
    for (const p of outcome.problems) problems.push(`seed ${seed} case #${i}: ${p}\n${text}`);
    if (problems.length > 5) break;
  }
  const casesPerSecond = Math.round(cases / ((performance.now() - started) / 1000));
  return { problems, valid, slowestMs, casesPerSecond, cases };
}

/** The test of one generated half (fuzz-generated-{1,2}.test.ts), each with its own seed. */
export function describeGeneratedHalf(half: 1 | 2, seed: number): void {
  describe(`loader fuzzing: generated workflows (${half}/2)`, () => {
    it(`${GENERATED_PER_FILE.toLocaleString('en-US')} generated files (${TOTAL_NOTE}): never an unexpected throw, always a workflow or diagnostics`, {
      timeout: 300_000,
    }, () => {
      const run = runGenerated(seed, GENERATED_PER_FILE);
      console.log(
        `loader fuzz (${half}/2): ${run.cases} cases, ${run.casesPerSecond} cases/s, ${run.valid} valid (${TOTAL_NOTE})`,
      );
      expect(run.problems, run.problems.join('\n---\n')).toEqual([]);
      expect(run.cases).toBe(GENERATED_PER_FILE);
      // Both outcomes must be common, or the generator has drifted into testing one path.
      expect(run.valid).toBeGreaterThan(GENERATED_PER_FILE / 20);
      expect(run.valid).toBeLessThan(GENERATED_PER_FILE / 2);
      // Never a hang: a generous bound per case (an ordinary one takes under a millisecond).
      expect(run.slowestMs).toBeLessThan(5000);
    });
  });
}
