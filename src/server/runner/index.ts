/** The job runner (runner.ts) and what its callers see of it. */
export {
  JobRunner,
  type JobStreamItem,
  type JobStreamListener,
  type RunnerOptions,
  type SubmitInput,
  type SubmitResult,
} from './runner.js';
