// Where things are: the repo, its pinned Node 24, the peers' folder, the results.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH = join(ROOT, 'bench');
export const PEERS = join(BENCH, 'peers');
// npm runs `npm run bench` with node_modules/.bin first on PATH, i.e. the pinned Node 24; when
// started some other way, still use that binary for every child so all systems share one Node.
const pinned = join(ROOT, 'node_modules', '.bin', 'node');
export const NODE = existsSync(pinned) ? pinned : process.execPath;
export const RESULTS = process.env.BENCH_RESULTS_DIR ?? join(BENCH, 'results');
// Bundles cached between runs, one folder per checkout: two checkouts (e.g. worktrees of
// different commits) benchmarked on one machine must not serve each other's bundle.
export const SCRATCH = join(
  tmpdir(),
  `agentcrate-bench-${createHash('sha256').update(ROOT).digest('hex').slice(0, 8)}`,
);
