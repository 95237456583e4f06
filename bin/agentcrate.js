#!/usr/bin/env node
// Entry point: the only place that calls process.exit (see src/cli/main.ts).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
