/** `agentcrate schema`: the JSON Schema of the workflow format, for editors. */
import { type CommandContext, defineCommand } from '../define.js';

const none = {} as const;

export type SchemaContext = CommandContext<typeof none, typeof none>;

export default defineCommand({
  name: 'schema',
  summary: 'print the JSON Schema of the workflow file format (for editors)',
  args: none,
  options: none,
  load: () => import('../handlers/schema.js'),
});
