/**
 * `agentcrate gateway [action]`: the model gateway in the foreground (no action), `check` a
 * configuration, print its `schema`, or manage virtual `keys create|list|revoke <id>`. The
 * gateway's own settings table (gateway/settings.ts) gives the server options; its reader
 * applies the environment and the file's `server:` below the flags.
 */
import { GATEWAY_SETTINGS } from '../../gateway/settings.js';
import { type CommandContext, defineCommand } from '../define.js';
import type { OptionSpec, OptionsSpec } from '../options.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** The table's rows that have a flag, as typed options (no env here: the gateway reads it). */
function gatewayOptions(): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  for (const row of GATEWAY_SETTINGS) {
    if (row.flag === undefined) continue;
    const description = `${row.description} (${row.env}${row.default !== '' ? `, default ${row.default}` : ''})`;
    const flag = row.flag.replace(/^--/, '');
    out[row.key] =
      row.kind === 'port'
        ? { type: 'number', integer: true, min: 0, max: 65535, flag, placeholder: '<port>', description }
        : row.kind === 'int'
          ? { type: 'number', integer: true, min: 1, flag, placeholder: '<n>', description }
          : row.kind === 'ms'
            ? { type: 'number', integer: true, min: 0, flag, placeholder: '<ms>', description }
            : row.kind === 'list'
              ? { type: 'list', flag, placeholder: '<list>', description }
              : row.kind === 'level'
                ? { type: 'enum', choices: LEVELS, flag, placeholder: '<level>', description }
                : { type: 'string', flag, placeholder: '<value>', description };
  }
  return out;
}

const args = {
  action: { description: 'check, schema or keys (none: run the gateway)', optional: true },
  rest: { description: 'keys: create, list or revoke <id>; check: a file', optional: true, variadic: true },
} as const;

const keyOptions = {
  name: { type: 'string', placeholder: '<name>', description: 'keys create: a name to recognise the key by' },
  rpm: {
    type: 'number',
    integer: true,
    min: 0,
    minExclusive: true,
    placeholder: '<n>',
    description: 'keys create: requests per minute',
  },
  tpm: {
    type: 'number',
    integer: true,
    min: 0,
    minExclusive: true,
    placeholder: '<n>',
    description: 'keys create: tokens per minute',
  },
  budgetUsd: {
    type: 'number',
    min: 0,
    minExclusive: true,
    placeholder: '<usd>',
    description: 'keys create: spending budget in US dollars',
  },
  // A string: the gateway's key administration (shared with its container entry) reads it.
  budgetPeriod: {
    type: 'string',
    placeholder: '<duration>',
    description: 'keys create: the budget resets every 30d, 7d, 24h, …',
  },
  models: {
    type: 'list',
    placeholder: '<list>',
    description: 'keys create: the only aliases/models the key may use, comma-separated',
  },
  json: { type: 'boolean', description: 'keys and check: print JSON' },
} as const satisfies OptionsSpec;

/** The gateway's own options (keys from its table) and those of `keys create`. */
const options: Record<string, OptionSpec> & typeof keyOptions = { ...gatewayOptions(), ...keyOptions };

export type GatewayContext = CommandContext<typeof args, typeof options>;

export default defineCommand({
  name: 'gateway',
  summary:
    'run the model gateway (OpenAI-compatible routing, retries, fallback, mid-stream failover, virtual keys); ' +
    'actions: keys create|list|revoke <id>, check, schema',
  args,
  options,
  load: () => import('../handlers/gateway.js'),
});
