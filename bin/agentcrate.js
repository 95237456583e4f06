#!/usr/bin/env -S node --
// `--` stops Node itself from acting on `--env-file` after the script name (nodejs/node#54232),
// which would swallow `agentcrate deploy --env-file`.
// Entry point: commands return an exit code; only this file turns it into the process exit.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  // An older Node on PATH (the project pins Node 24 as a dev dependency): re-run on the
  // pinned one when it is there, else say what to install.
  const pinned = new URL('../node_modules/node/bin/node', import.meta.url).pathname;
  if (existsSync(pinned)) {
    const r = spawnSync(pinned, ['--', new URL(import.meta.url).pathname, ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
    process.exit(r.status ?? 1);
  }
  console.error(
    `agentcrate needs Node.js 22.12 or newer (this is ${process.version}); install Node 24 or run it through npx.`,
  );
  process.exit(2);
}

const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
