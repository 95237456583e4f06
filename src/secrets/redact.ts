/**
 * The one redactor of agentcrate. Whatever a run persists or streams (events, SSE, outputs,
 * checkpoints, status documents, webhook payloads, traces), whatever a log line, an error
 * message or a deploy progress line says, goes through a `Redactor` made here, so every
 * surface hides the same secrets the same way.
 *
 * Three nets:
 * - exact values of configured credentials: environment variables whose names say secret
 *   (KEY, SECRET, TOKEN, PASSWORD, CREDENTIAL, AUTH), the names a host declares as credentials
 *   (provider keys, tool credentials, the deploy env file's entries through
 *   `AGENTCRATE_SECRET_ENV`), and literal secrets it passes (API keys, a registry password);
 * - URL passwords (`scheme://user:password@host`), whatever the URL;
 * - well-known token shapes (`sk-…`, `ghp_…`, `AKIA…`, bearer headers, PEM private keys,
 *   `password=…` pairs), for keys that never were in this process's environment.
 *
 * This module imports nothing of ours, so every room may use it.
 */

export type Redactor = (text: string) => string;

export const REDACTED = '[REDACTED]';

/** Environment variable that lists, comma-separated, more names whose values are secrets. */
export const SECRET_ENV_LIST = 'AGENTCRATE_SECRET_ENV';

/** Name fragments (case-insensitive) that make an environment variable's value a secret. */
export const SECRET_NAME_PARTS = ['KEY', 'SECRET', 'TOKEN', 'PASSWORD', 'PASSWD', 'CREDENTIAL', 'AUTH'];

// AUTH, but not AUTHOR (GIT_AUTHOR_NAME is no secret).
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|AUTH(?!OR)/i;

/** True when a variable's name says its value is a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Object keys (tool arguments, headers) whose string values are secrets. */
const SECRET_FIELD = /api[_-]?key|secret|token|password|passwd|authorization|credential/i;

/**
 * Values taken from the environment shorter than this are too likely to be ordinary words
 * or numbers ("true", "8000") to replace everywhere; literal secrets a caller names are
 * replaced from `MIN_LITERAL_LENGTH`.
 */
const MIN_ENV_SECRET_LENGTH = 8;
const MIN_LITERAL_LENGTH = 4;

/** Token shapes; each either replaces the whole match or keeps a readable prefix (group 1). */
const PATTERNS: ReadonlyArray<{ re: RegExp; keep: boolean }> = [
  // URL passwords: keep scheme, user and host. The password runs to the authority's last '@'.
  { re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#:@]*:)[^\s/?#]+(?=@[^\s/?#@]+)/gi, keep: true },
  // Authorization headers: keep the scheme so the text stays readable.
  { re: /\b((?:Bearer|Basic|Token)\s+)[A-Za-z0-9._~+/=-]{8,}/g, keep: true },
  // OpenAI / Anthropic / most "sk-" style keys (sk-..., sk-proj-..., sk-ant-...).
  { re: /\bsk-[A-Za-z0-9_-]{12,}/g, keep: false },
  // Google API keys.
  { re: /\bAIza[0-9A-Za-z_-]{30,}/g, keep: false },
  // GitHub tokens.
  { re: /\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}/g, keep: false },
  // Slack tokens.
  { re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, keep: false },
  // AWS access key ids.
  { re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, keep: false },
  // PEM private keys.
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, keep: false },
  // key=value / "key": "value" pairs whose key names a secret.
  {
    re: /\b([A-Za-z0-9_-]*(?:api[_-]?key|secret|token|password|passwd)["']?\s*[:=]\s*["']?)[^\s"',;&]{6,}/gi,
    keep: true,
  },
];

/** All patterns at once, only to tell quickly that a text has none (the usual case). */
const ANY_PATTERN = new RegExp(PATTERNS.map((p) => `(?:${p.re.source})`).join('|'), 'i');

/** The shortest text any pattern can match ("a://b:c@d"). */
const MIN_PATTERN_TEXT = 9;

export interface RedactorOptions {
  /**
   * The environment: values of variables whose names say secret, of the names in `names`
   * and of those listed in `AGENTCRATE_SECRET_ENV` are hidden. Defaults to none: hosts pass
   * their environment explicitly.
   */
  env?: Record<string, string | undefined>;
  /** Variables that hold credentials whatever their names say (tool credentials, env-file entries). */
  names?: Iterable<string>;
  /** Literal secrets to hide (server API keys, the webhook secret, a registry password). */
  secrets?: Iterable<string | undefined>;
}

/** The literal values a redactor made from `options` hides, longest first. */
export function secretValues(options: RedactorOptions = {}): string[] {
  const env = options.env ?? {};
  const found = new Set<string>();
  const addEnv = (value: string | undefined): void => {
    if (value === undefined) return;
    const trimmed = value.trim();
    if (trimmed.length >= MIN_ENV_SECRET_LENGTH) found.add(trimmed);
    if (value.length >= MIN_ENV_SECRET_LENGTH) found.add(value);
    // A list of keys (AGENTCRATE_API_KEYS=a,b): each one is a secret on its own.
    if (trimmed.includes(',')) {
      for (const part of trimmed.split(','))
        if (part.trim().length >= MIN_ENV_SECRET_LENGTH) found.add(part.trim());
    }
  };
  for (const [name, value] of Object.entries(env)) if (isSecretName(name)) addEnv(value);
  const listed = env[SECRET_ENV_LIST]?.split(',') ?? [];
  for (const name of [...(options.names ?? []), ...listed]) {
    const trimmed = name.trim();
    if (trimmed !== '') addEnv(env[trimmed]);
  }
  for (const value of options.secrets ?? []) {
    if (typeof value === 'string' && value.length >= MIN_LITERAL_LENGTH) found.add(value);
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...found].sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A redactor for the secrets `options` names (see the module comment for what it hides). */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const values = secretValues(options);
  const literals = values.length === 0 ? undefined : new RegExp(values.map(escapeRegExp).join('|'), 'g');
  const minLiteral = values.length === 0 ? Number.POSITIVE_INFINITY : values[values.length - 1]!.length;
  return (text: string): string => {
    let out = text;
    if (literals !== undefined && out.length >= minLiteral) {
      literals.lastIndex = 0;
      if (literals.test(out)) {
        literals.lastIndex = 0;
        out = out.replace(literals, REDACTED);
      }
    }
    if (out.length < MIN_PATTERN_TEXT || !ANY_PATTERN.test(out)) return out;
    for (const { re, keep } of PATTERNS) {
      re.lastIndex = 0;
      out = keep
        ? out.replace(re, (_match, prefix: string) => `${prefix}${REDACTED}`)
        : out.replace(re, REDACTED);
    }
    return out;
  };
}

export interface RedactValueOptions {
  /**
   * Also hide whole string values under secret-named keys (`api_key`, `Authorization`, …):
   * right for tool arguments and results, wrong for a workflow's own state fields.
   */
  secretFields?: boolean;
}

/** Redacts every string inside a JSON-like value; returns the value itself when nothing changed. */
export function redactValue(value: unknown, redact: Redactor, options: RedactValueOptions = {}): unknown {
  return walk(value, redact, options.secretFields === true);
}

function walk(value: unknown, redact: Redactor, fields: boolean): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as unknown;
      const next = walk(item, redact, fields);
      if (next !== item) {
        out ??= value.slice();
        out[i] = next;
      }
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const next =
      fields && typeof item === 'string' && item !== '' && SECRET_FIELD.test(key)
        ? REDACTED
        : walk(item, redact, fields);
    if (next !== item) {
      out ??= { ...(value as Record<string, unknown>) };
      out[key] = next;
    }
  }
  return out ?? value;
}
