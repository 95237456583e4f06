/** `agentcrate memory list|get|rm [namespace]`: the memory workflows keep across runs. */
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';
import { STORE_OPTION } from './store-option.js';

const args = {
  action: { description: 'list, get or rm', choices: ['list', 'get', 'rm'] },
  namespace: { description: 'an entry, as `memory list` prints it', optional: true },
} as const;
const options = {
  ...STORE_OPTION,
  agent: { type: 'string', placeholder: '<name>', description: 'only this agent (the flow name)' },
  workflow: {
    type: 'string',
    placeholder: '<name>',
    description: 'only this workflow (* for agent-scoped entries)',
  },
  node: {
    type: 'string',
    placeholder: '<id>',
    description: 'only this node (* for agent- and workflow-scoped entries)',
  },
  prefix: { type: 'string', placeholder: '<text>', description: 'only keys that start with this' },
  json: { type: 'boolean', description: 'print JSON' },
} as const satisfies OptionsSpec;

export type MemoryContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'memory',
  summary: 'show and edit the memory workflows keep across runs: list, get <namespace>, rm [namespace]',
  args,
  options,
  load: () => import('../handlers/memory.js'),
});
