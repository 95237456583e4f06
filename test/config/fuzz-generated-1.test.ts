import { describeGeneratedHalf } from '../support/loader-fuzz.js';

// Generated loader fuzzing, half 1 of 2 (test/support/loader-fuzz.ts): with the mutated
// fixtures of fuzz.test.ts, 100,000 cases per run. Seeded, so a failure reproduces.
describeGeneratedHalf(1, 20261206);
