/**
 * The lowest Node that package.json `engines` claims, as scripts/fetch-lowest-node.mjs puts it
 * in node_modules/.cache (CI fetches it; tests that need it skip, saying so, when it is absent).
 */
import { execFileSync } from 'node:child_process';
import { ROOT } from './cli.js';

export interface LowestNode {
  version: string;
  bin: string;
  /** Why tests on it are skipped, or undefined when the binary is there. */
  skip: string | undefined;
}

export function lowestNode(): LowestNode {
  const where = JSON.parse(
    execFileSync(process.execPath, [`${ROOT}scripts/fetch-lowest-node.mjs`, '--where'], { encoding: 'utf8' }),
  ) as { version: string; bin: string; present: boolean };
  return {
    version: where.version,
    bin: where.bin,
    skip: where.present
      ? undefined
      : `Node ${where.version} (the lowest engines claims) is not at ${where.bin}; run node scripts/fetch-lowest-node.mjs`,
  };
}
