/**
 * `agentcrate studio [dir]`: the studio page for the workflows in a folder. Its options are the
 * studio's settings table (studio/settings.ts); its reader applies the environment below them.
 */
import { STUDIO_SETTINGS } from '../../studio/settings.js';
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionSpec } from '../options.js';

/** The table's rows as typed options (no env here: the studio's reader applies it). */
function studioOptions(): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  for (const row of STUDIO_SETTINGS) {
    const [long, placeholder] = row.flag.split(' ');
    const flag = long!.replace(/^--/, '');
    const description = `${row.description} (${row.env}${typeof row.default === 'string' ? `, default ${row.default}` : ''})`;
    out[row.key] =
      row.kind === 'port'
        ? { type: 'number', integer: true, min: 0, max: 65535, flag, placeholder: placeholder!, description }
        : row.kind === 'boolean'
          ? { type: 'boolean', flag, description }
          : row.kind === 'list'
            ? { type: 'list', flag, placeholder: placeholder!, description }
            : { type: 'string', flag, placeholder: placeholder!, description };
  }
  return out;
}

const args = {
  dir: { description: 'the folder of workflows (default: here)', type: 'path', optional: true },
} as const;
const options = studioOptions();

export type StudioContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'studio',
  summary:
    'a local web page to write, run, replay and deploy the workflows in a folder (loopback, token in the URL)',
  args,
  options,
  load: () => import('../handlers/studio.js'),
});
