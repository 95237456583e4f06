/**
 * Image, container and volume names derived from the flow name. Docker accepts
 * `[a-zA-Z0-9][a-zA-Z0-9_.-]*` for containers and lowercase-only repository names, so one
 * conservative form (lowercase, `[a-z0-9_.-]`, leading alphanumeric, ≤ 63 chars — also a
 * valid DNS label length for compose service names) serves all three.
 */
import { AgentcrateError } from '../errors.js';

const MAX_LENGTH = 63;

/** `My Research Flow!` → `my-research-flow`. Throws when nothing usable is left. */
export function sanitizeName(raw: string): string {
  const cleaned = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    // Repeated separators read badly and `..` / `--` runs are rejected by some registries.
    .replace(/([_.-])[_.-]+/g, '$1')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, MAX_LENGTH)
    .replace(/[^a-z0-9]+$/, '');
  if (cleaned === '') {
    throw new AgentcrateError(
      'E_USAGE',
      `cannot derive a container name from "${raw}": it has no letters or digits; pass --name <name>`,
    );
  }
  return cleaned;
}

/** Checks a user-given `--name` instead of silently rewriting it. */
export function assertValidName(name: string): string {
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(name) || name.length > MAX_LENGTH) {
    throw new AgentcrateError(
      'E_USAGE',
      `invalid --name "${name}": use lowercase letters, digits, '_', '.', '-', starting with a letter or digit, at most ${MAX_LENGTH} characters (e.g. "${safeSuggestion(name)}")`,
    );
  }
  return name;
}

function safeSuggestion(name: string): string {
  try {
    return sanitizeName(name);
  } catch {
    return 'my-flow';
  }
}

export interface DeployNames {
  /** Container name and compose service name. */
  container: string;
  /** Image reference with tag, e.g. `echo:latest`. */
  image: string;
  /** Named volume holding the job store. */
  volume: string;
}

export function deployNames(flowName: string, override?: string): DeployNames {
  const base = override === undefined ? sanitizeName(flowName) : assertValidName(override);
  return { container: base, image: `${base}:latest`, volume: `${base}-data` };
}
