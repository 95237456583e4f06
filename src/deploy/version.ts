/** agentcrate's own version, read once from package.json (two levels up from src/ and dist/). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function agentcrateVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version?: unknown;
      };
      cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
