/** `agentcrate clean [file] [--all] [--yes]`: remove the one-shot images agentcrate built. */
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';

const args = { file: { description: 'the workflow whose images go', type: 'path', optional: true } } as const;
const options = {
  all: { type: 'boolean', description: 'every one-shot image, of any workflow' },
  yes: { type: 'boolean', short: 'y', description: 'do not ask' },
} as const satisfies OptionsSpec;

export type CleanContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'clean',
  summary: 'remove the one-shot images agentcrate built, for a workflow or --all (asks first)',
  args,
  options,
  load: () => import('../handlers/clean.js'),
});
