import { describe, expect, it } from 'vitest';
import { GENERATED_PER_FILE, runGenerated } from '../support/loader-fuzz.js';

/**
 * Generated loader fuzzing, half 1 of 2 (see test/support/loader-fuzz.ts): with the mutated
 * fixtures of fuzz.test.ts, 100,000 cases per run. Seeded, so a failure reproduces.
 */
describe('loader fuzzing: generated workflows (1/2)', () => {
  it(`${GENERATED_PER_FILE.toLocaleString('en-US')} generated files: never an unexpected throw, always a workflow or diagnostics`, {
    timeout: 300_000,
  }, () => {
    const run = runGenerated(20261206, GENERATED_PER_FILE);
    console.log(
      `loader fuzz (1/2): ${GENERATED_PER_FILE} cases, ${run.casesPerSecond} cases/s, ${run.valid} valid`,
    );
    expect(run.problems, run.problems.join('\n---\n')).toEqual([]);
    // Both outcomes must be common, or the generator has drifted into testing one path.
    expect(run.valid).toBeGreaterThan(GENERATED_PER_FILE / 20);
    expect(run.valid).toBeLessThan(GENERATED_PER_FILE / 2);
    // Never a hang: a generous bound per file (an ordinary case takes under a millisecond).
    expect(run.slowestMs).toBeLessThan(5000);
  });
});
