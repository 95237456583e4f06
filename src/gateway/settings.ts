/**
 * The gateway process's settings as one table (key, flag, environment variable, default,
 * kind, description): the CLI's `gateway` options, the container entry, the docs' table and
 * `.env.example` all read it. Precedence: flag > environment > the file's `server:` > default.
 */
import { AgentcrateError } from '../errors.js';
import type { GatewayConfig, KeyRequirement } from './config/types.js';

export interface GatewaySettingSpec {
  key: keyof GatewaySettings;
  flag?: string;
  env: string;
  default: string;
  kind: 'string' | 'port' | 'int' | 'ms' | 'list' | 'level' | 'requirement';
  description: string;
}

export interface GatewaySettings {
  config: string;
  port: number;
  host: string;
  keysDb: string;
  logLevel: string;
  logFile: string;
  bodyLimitBytes: number;
  requireKeys: KeyRequirement | undefined;
  allowedHosts: string[];
  idleTrimMs: number;
}

export const DEFAULT_GATEWAY_PORT = 8585;
/**
 * Quiet time before memory grown by requests is given back. Longer than the workflow server's:
 * a trim (two full GCs, the young generation shrunk to its minimum) slows the requests after
 * it, and a gateway's traffic comes in bursts seconds apart (BENCHMARKS.md, gateway).
 */
export const DEFAULT_GATEWAY_IDLE_TRIM_MS = 10_000;

export const GATEWAY_SETTINGS: readonly GatewaySettingSpec[] = [
  {
    key: 'config',
    flag: '--config',
    env: 'GATEWAY_CONFIG',
    default: './gateway.yaml',
    kind: 'string',
    description:
      'configuration file (YAML or JSON); without one, an upstream per provider key in the environment',
  },
  {
    key: 'port',
    flag: '--port',
    env: 'GATEWAY_PORT',
    default: String(DEFAULT_GATEWAY_PORT),
    kind: 'port',
    description: 'port to listen on',
  },
  {
    key: 'host',
    flag: '--host',
    env: 'GATEWAY_HOST',
    default: '127.0.0.1',
    kind: 'string',
    description: 'address to bind (0.0.0.0 to accept other machines and containers)',
  },
  {
    key: 'keysDb',
    flag: '--keys-db',
    env: 'GATEWAY_KEYS_DB',
    default: './gateway.db',
    kind: 'string',
    description: 'SQLite file of virtual keys and their spending',
  },
  {
    key: 'logLevel',
    flag: '--log-level',
    env: 'GATEWAY_LOG_LEVEL',
    default: 'info',
    kind: 'level',
    description: 'log level (debug, info, warn, error)',
  },
  {
    key: 'logFile',
    flag: '--log-file',
    env: 'GATEWAY_LOG_FILE',
    default: '',
    kind: 'string',
    description: 'also append the JSON log lines to this file (rotated past 20 MB, one old file kept)',
  },
  {
    key: 'bodyLimitBytes',
    flag: '--body-limit',
    env: 'GATEWAY_BODY_LIMIT',
    default: String(10 * 1024 * 1024),
    kind: 'int',
    description: 'largest request body in bytes',
  },
  {
    key: 'requireKeys',
    env: 'GATEWAY_REQUIRE_KEYS',
    default: '',
    kind: 'requirement',
    description: 'auto (keys required once one exists), always, never; overrides keys.require of the file',
  },
  {
    key: 'allowedHosts',
    flag: '--allowed-hosts',
    env: 'GATEWAY_ALLOWED_HOSTS',
    default: '',
    kind: 'list',
    description: 'Host header values served besides loopback, comma-separated (e.g. model-gateway)',
  },
  {
    key: 'idleTrimMs',
    flag: '--idle-trim-ms',
    env: 'GATEWAY_IDLE_TRIM_MS',
    default: String(DEFAULT_GATEWAY_IDLE_TRIM_MS),
    kind: 'ms',
    description: 'give memory back after this long without requests (0 never)',
  },
];

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
const REQUIREMENTS = new Set(['auto', 'always', 'never']);

/** Reads every setting: `flags` by key (already parsed by the CLI, or absent), then the environment. */
export function readGatewaySettings(
  flags: Partial<Record<keyof GatewaySettings, unknown>>,
  env: Record<string, string | undefined>,
  file: { host?: string; port?: number; bodyLimitBytes?: number; allowedHosts?: string[] } = {},
): GatewaySettings {
  const raw = (spec: GatewaySettingSpec): { value: string; from: string } | undefined => {
    const flag = flags[spec.key];
    if (flag !== undefined && flag !== '')
      return { value: Array.isArray(flag) ? flag.join(',') : String(flag), from: spec.flag ?? spec.env };
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv.trim() !== '') return { value: fromEnv.trim(), from: spec.env };
    return undefined;
  };
  const out: Record<string, unknown> = {};
  for (const spec of GATEWAY_SETTINGS) {
    const given = raw(spec);
    const fromFile =
      spec.key === 'host'
        ? file.host
        : spec.key === 'port'
          ? file.port
          : spec.key === 'bodyLimitBytes'
            ? file.bodyLimitBytes
            : spec.key === 'allowedHosts'
              ? file.allowedHosts?.join(',')
              : undefined;
    const value = given?.value ?? (fromFile !== undefined ? String(fromFile) : spec.default);
    const from = given?.from ?? (fromFile !== undefined ? `server.${spec.key}` : 'the default');
    out[spec.key] = convert(spec, value, from);
  }
  return out as unknown as GatewaySettings;
}

function convert(spec: GatewaySettingSpec, value: string, from: string): unknown {
  const bad = (expected: string): AgentcrateError =>
    new AgentcrateError('E_USAGE', `${from} expects ${expected}, got '${value}'`, {
      details: { setting: spec.key },
    });
  switch (spec.kind) {
    case 'port': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw bad('a port number from 0 to 65535');
      return n;
    }
    case 'int': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw bad('a whole number ≥ 1');
      return n;
    }
    case 'ms': {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw bad('a whole number of milliseconds ≥ 0');
      return n;
    }
    case 'list':
      return value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
    case 'level':
      if (!LEVELS.has(value)) throw bad(`one of ${[...LEVELS].join(', ')}`);
      return value;
    case 'requirement':
      if (value === '') return undefined;
      if (!REQUIREMENTS.has(value)) throw bad('auto, always or never');
      return value;
    default:
      return value;
  }
}

type Flags = Partial<Record<keyof GatewaySettings, unknown>>;

/** Whether a configuration file was named (by flag or environment) rather than defaulted. */
export function configNamed(flags: Flags, env: Record<string, string | undefined>): boolean {
  return (flags.config !== undefined && flags.config !== '') || (env.GATEWAY_CONFIG ?? '').trim() !== '';
}

/**
 * The settings once the configuration is read (its `server:` section sits between the
 * environment and the defaults), with the key requirement they override applied to `config`,
 * and where the key store is (flag or environment, else the file's `keys.db`, else the default).
 */
export function settingsWithConfig(
  flags: Flags,
  env: Record<string, string | undefined>,
  config: GatewayConfig,
): { settings: GatewaySettings; keysPath: string } {
  const settings = readGatewaySettings(flags, env, config.server);
  if (settings.requireKeys !== undefined) config.keys = { ...config.keys, require: settings.requireKeys };
  const keysPath =
    flags.keysDb !== undefined || env.GATEWAY_KEYS_DB ? settings.keysDb : (config.keys.db ?? settings.keysDb);
  return { settings, keysPath };
}
