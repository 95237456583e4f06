/** `agentcrate validate <file...>`: exit 0 valid, 1 invalid, 2 usage or I/O error. */
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';

const args = { files: { description: 'workflow files', type: 'path', variadic: true } } as const;
const options = {
  json: { type: 'boolean', description: 'print a machine-readable report' },
  strict: { type: 'boolean', description: 'treat warnings as errors' },
} as const satisfies OptionsSpec;

export type ValidateContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'validate',
  summary: 'check workflow files and report every problem with file:line:column',
  args,
  options,
  load: () => import('../handlers/validate.js'),
});
