/** The runner's process entry (`/app/runner.mjs` once bundled): the exit code is the run's. */
import { main } from './main.js';
import { installWebHeaders } from './web-fetch.js';

installWebHeaders();
process.exitCode = await main(process.argv.slice(2), import.meta.url);
