/**
 * agentcrate's version for `GET /`, `/openapi.json` and logs. The server entry is bundled
 * into one file that cannot read package.json at runtime, so the bundler defines
 * `__AGENTCRATE_VERSION__`; unbundled runs (tests, `tsc` output) fall back to the
 * AGENTCRATE_VERSION environment variable, then to the version this file was written for.
 */
declare const __AGENTCRATE_VERSION__: string | undefined;

export const AGENTCRATE_VERSION: string =
  typeof __AGENTCRATE_VERSION__ === 'string'
    ? __AGENTCRATE_VERSION__
    : (process.env.AGENTCRATE_VERSION ?? '0.1.0');
