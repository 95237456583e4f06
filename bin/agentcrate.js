#!/usr/bin/env -S node --
// `--` stops Node itself from acting on `--env-file` after the script name (nodejs/node#54232),
// which would swallow `agentcrate deploy --env-file`.
// Entry point: commands return an exit code; only this file turns it into the process exit.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
