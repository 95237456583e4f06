import { describeGeneratedHalf } from '../support/loader-fuzz.js';

// Generated loader fuzzing, half 2 of 2 (test/support/loader-fuzz.ts): with the mutated
// fixtures of fuzz.test.ts, 100,000 cases per run. Seeded, so a failure reproduces.
describeGeneratedHalf(2, 20261207);
