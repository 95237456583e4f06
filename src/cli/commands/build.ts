/** `agentcrate build <file>`: a one-shot image of a workflow (JSON in, one JSON result out). */
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionsSpec } from '../options.js';
import { MODEL_OVERRIDE_OPTIONS } from './model-override.js';

const args = { file: { description: 'the workflow file', type: 'path' } } as const;
const options = {
  tag: {
    type: 'string',
    short: 't',
    placeholder: '<image>',
    description: 'the image name (default agentcrate-<flow>:<content hash> and :latest)',
  },
  output: {
    type: 'path',
    default: './build',
    placeholder: '<dir>',
    description: 'where the Dockerfile and build context go',
  },
  baseImage: {
    type: 'string',
    placeholder: '<image>',
    description: 'base image with node (default agentcrate-oneshot-base:24)',
  },
  platform: {
    type: 'string',
    placeholder: '<platform>',
    description: 'build for this platform (e.g. linux/arm64)',
  },
  force: { type: 'boolean', description: 'build even when an image of the same content exists' },
  binary: {
    type: 'path',
    placeholder: '<path>',
    description: 'write a single executable (no Node needed to run it) instead of an image',
  },
  json: { type: 'boolean', description: 'NDJSON progress on stderr, one result object on stdout' },
  ...MODEL_OVERRIDE_OPTIONS,
} as const satisfies OptionsSpec;

export type BuildContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'build',
  summary: 'build a one-shot image of a workflow: JSON in, one JSON result out (agentcrate exec runs it)',
  args,
  options,
  load: () => import('../handlers/build.js'),
});
