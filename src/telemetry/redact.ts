/**
 * Secret redaction for everything the tracer records as free text (prompts, responses, tool
 * arguments and results, error messages). It runs before a span is built, so a secret never
 * reaches the store or any exporter. Two nets: the values of secret-looking environment
 * variables (exact matches) and well-known token shapes (for keys that never were in env).
 */

export type Redactor = (text: string) => string;

export const REDACTED = '[REDACTED]';

/** Env names whose values are secrets. */
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL/i;

/** Object keys (tool arguments) whose string values are secrets. */
const SECRET_FIELD = /api[_-]?key|secret|token|password|passwd|authorization|credential/i;

/** Shorter values are too likely to be ordinary words ("true", "1234") to replace blindly. */
const MIN_SECRET_LENGTH = 6;

const PATTERNS: readonly RegExp[] = [
  // Authorization headers: keep the scheme so the text stays readable.
  /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g,
  // OpenAI / Anthropic / most "sk-" style keys (sk-..., sk-proj-..., sk-ant-...).
  /\bsk-[A-Za-z0-9_-]{12,}/g,
  // Google API keys.
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  // GitHub tokens.
  /\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}/g,
  // Slack tokens.
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  // AWS access key ids.
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  // PEM private keys.
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  // key=value / "key": "value" pairs whose key names a secret.
  /\b([A-Za-z0-9_-]*(?:api[_-]?key|secret|token|password|passwd)["']?\s*[:=]\s*["']?)([^\s"',;&]{6,})/gi,
];

export interface RedactorOptions {
  /** Environment to collect secret values from (defaults to none: pass process.env at the host). */
  env?: Record<string, string | undefined>;
  /** More literal secrets to hide (e.g. server API keys). */
  secrets?: readonly string[];
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const literals = new Set<string>();
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value && SECRET_NAME.test(name) && value.length >= MIN_SECRET_LENGTH) literals.add(value);
  }
  for (const value of options.secrets ?? []) if (value.length >= MIN_SECRET_LENGTH) literals.add(value);
  // Longest first, so a secret that contains another is replaced whole.
  const values = [...literals].sort((a, b) => b.length - a.length);

  return (text: string): string => {
    if (text === '') return text;
    let out = text;
    for (const value of values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    for (const pattern of PATTERNS) {
      pattern.lastIndex = 0;
      if (!pattern.test(out)) continue;
      pattern.lastIndex = 0;
      out = out.replace(pattern, (_match, a: string | undefined, b: string | undefined) => {
        // Patterns with a kept prefix (scheme or key name) replace only the secret part.
        if (typeof a === 'string' && typeof b === 'string') return `${a}${REDACTED}`;
        if (typeof a === 'string' && /^(Bearer|Basic|Token)$/i.test(a)) return `${a} ${REDACTED}`;
        return REDACTED;
      });
    }
    return out;
  };
}

/** Redacts every string inside a JSON-like value (tool arguments and results). */
export function redactValue(value: unknown, redact: Redactor): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_FIELD.test(k) && typeof v === 'string' && v !== '' ? REDACTED : redactValue(v, redact);
    }
    return out;
  }
  return value;
}
