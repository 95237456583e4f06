/** `agentcrate serve <file>`: the HTTP API in the foreground; options are the server settings table. */
import { SERVER_SETTINGS } from '../../server/settings.js';
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';
import { MODEL_OVERRIDE_OPTIONS } from './model-override.js';

const args = { file: { description: 'the workflow file', type: 'path' } } as const;
const options = { ...SERVER_SETTINGS, ...MODEL_OVERRIDE_OPTIONS } as const satisfies OptionsSpec;

export type ServeContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'serve',
  summary: 'serve a workflow as an HTTP API with durable jobs (POST /run, /status, /docs, /ui)',
  args,
  options,
  load: () => import('../handlers/serve.js'),
  // Until the workflow is loaded there is nothing to drain, and a large one loads synchronously
  // for seconds: a stop signal then ends the process at once (the handler installs them after).
  stopSignals: 'handler',
});
