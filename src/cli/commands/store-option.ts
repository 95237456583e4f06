/** `--store` of the commands that read the job store: the file `serve` and `run` write. */
import type { OptionsSpec } from '../options.js';

export const STORE_OPTION = {
  store: {
    type: 'path',
    default: './agentcrate.db',
    placeholder: '<path>',
    env: 'AGENTCRATE_STORE',
    description: 'the job store file',
  },
} as const satisfies OptionsSpec;
