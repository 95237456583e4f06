/**
 * The studio's settings, one table: each row names the setting, its CLI flag, its environment
 * variable, its default, its kind and what it does. The CLI builds `agentcrate studio`'s
 * options from it, `resolveStudioSettings` reads flags and environment through it (a flag
 * wins over the environment, which wins over the default), and docs/studio.md lists it.
 */
import { AgentcrateError } from '../errors.js';

export type SettingKind = 'string' | 'port' | 'boolean' | 'list';

export interface SettingRow<K extends string = string> {
  key: K;
  /** Commander flag, e.g. `--port <port>`; boolean flags have no value. */
  flag: string;
  env: string;
  default: string | boolean | undefined;
  kind: SettingKind;
  description: string;
}

export const STUDIO_SETTINGS = [
  {
    key: 'port',
    flag: '--port <port>',
    env: 'AGENTCRATE_STUDIO_PORT',
    default: '4200',
    kind: 'port',
    description: 'port to listen on (0 picks a free one)',
  },
  {
    key: 'host',
    flag: '--host <host>',
    env: 'AGENTCRATE_STUDIO_HOST',
    default: '127.0.0.1',
    kind: 'string',
    description: 'address to bind; the studio controls Docker, so anything but loopback exposes a root shell',
  },
  {
    key: 'store',
    flag: '--store <path>',
    env: 'AGENTCRATE_STORE',
    default: './agentcrate.db',
    kind: 'string',
    description: 'job store (a SQLite file or a postgres:// URL): history, traces, costs and replays',
  },
  {
    key: 'allowedHosts',
    flag: '--allowed-hosts <list>',
    env: 'AGENTCRATE_STUDIO_ALLOWED_HOSTS',
    default: undefined,
    kind: 'list',
    description: 'more Host header names to serve besides loopback (comma-separated)',
  },
  {
    key: 'deployDir',
    flag: '--deploy-dir <dir>',
    env: 'AGENTCRATE_STUDIO_DEPLOY_DIR',
    default: undefined,
    kind: 'string',
    description: 'where deploy artifacts and each deployment’s .env go (default <dir>/deploy)',
  },
  {
    key: 'logPrompts',
    flag: '--log-prompts',
    env: 'AGENTCRATE_LOG_PROMPTS',
    default: false,
    kind: 'boolean',
    description: 'capture prompts and responses in the traces of studio runs (secrets redacted)',
  },
] as const satisfies readonly SettingRow[];

export type StudioSettingKey = (typeof STUDIO_SETTINGS)[number]['key'];

export interface StudioSettings {
  port: number;
  host: string;
  store: string;
  allowedHosts: string[];
  deployDir: string | undefined;
  logPrompts: boolean;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** Flags (commander's camel-cased options) over environment over defaults, each checked once. */
export function resolveStudioSettings(
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
): StudioSettings {
  const raw = (row: SettingRow): unknown => {
    const flag = flags[row.key];
    // Commander fills defaults in; a default equal to the table's means "not given".
    if (flag !== undefined && flag !== row.default) return flag;
    const fromEnv = env[row.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      return fromEnv;
    }
    return flag ?? row.default;
  };
  const out: Record<string, unknown> = {};
  for (const row of STUDIO_SETTINGS as readonly SettingRow[]) {
    const value = raw(row);
    const where = `${row.flag.split(' ')[0]} / ${row.env}`;
    switch (row.kind) {
      case 'port': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0 || n > 65535) {
          throw new AgentcrateError(
            'E_USAGE',
            `${where} expects a port from 0 to 65535, got '${String(value)}'`,
          );
        }
        out[row.key] = n;
        break;
      }
      case 'boolean': {
        if (typeof value === 'boolean' || value === undefined) out[row.key] = value ?? false;
        else if (TRUE.has(String(value).toLowerCase())) out[row.key] = true;
        else if (FALSE.has(String(value).toLowerCase())) out[row.key] = false;
        else throw new AgentcrateError('E_USAGE', `${where} expects true or false, got '${String(value)}'`);
        break;
      }
      case 'list':
        out[row.key] =
          value === undefined
            ? []
            : String(value)
                .split(',')
                .map((s) => s.trim().toLowerCase())
                .filter((s) => s !== '');
        break;
      default:
        out[row.key] = value === undefined ? undefined : String(value);
    }
  }
  return out as unknown as StudioSettings;
}
