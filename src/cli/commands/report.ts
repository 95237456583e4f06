/** `agentcrate report costs`: model cost and tokens from the runs in the job store. */
import type { CostGrouping } from '../../telemetry/costs.js';
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';
import { STORE_OPTION } from './store-option.js';

/** configurable-agents' `report costs --period` values. */
export const PERIODS = ['today', 'yesterday', 'last_7_days', 'last_30_days', 'this_month'] as const;
const GROUPINGS = ['model', 'node', 'workflow'] as const satisfies readonly CostGrouping[];

const args = { report: { description: 'the report', choices: ['costs'] } } as const;
const options = {
  ...STORE_OPTION,
  since: {
    type: 'duration',
    placeholder: '<duration>',
    description: 'the window back from now: 7d, 24h, 30m (default 7d)',
  },
  period: {
    type: 'enum',
    choices: PERIODS,
    placeholder: '<period>',
    description: 'a calendar window instead of --since',
  },
  by: {
    type: 'enum',
    choices: GROUPINGS,
    default: 'model',
    placeholder: '<grouping>',
    description: 'group by',
  },
  json: { type: 'boolean', description: 'print JSON' },
} as const satisfies OptionsSpec;

export type ReportContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'report',
  summary: 'report from the job store; `report costs` sums model cost and tokens',
  args,
  options,
  load: () => import('../handlers/report.js'),
});
