/** `agentcrate traces [job_id]`: a run's span tree, or the recent traced runs. */
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';
import { STORE_OPTION } from './store-option.js';

const args = { jobId: { description: 'the run (job id) to show', optional: true } } as const;
const options = {
  ...STORE_OPTION,
  limit: {
    type: 'number',
    integer: true,
    min: 1,
    max: 1000,
    default: 20,
    placeholder: '<n>',
    description: 'how many recent runs to list',
  },
  json: { type: 'boolean', description: 'print JSON' },
} as const satisfies OptionsSpec;

export type TracesContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'traces',
  summary: "print a run's span tree (durations, tokens, cost); with no id, list recent traced runs",
  args,
  options,
  load: () => import('../handlers/traces.js'),
});
