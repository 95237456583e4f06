#!/usr/bin/env -S node --
// `--` stops Node itself from acting on `--env-file` after the script name (nodejs/node#54232),
// which would swallow `agentcrate deploy --env-file`.
// Entry point: commands return an exit code; only this file turns it into the process exit.
// CommonJS, so that `agentcrate gateway` starts without Node's ES module loader (the CLI itself
// is ES modules, imported below); bin/agentcrate.js is the same entry for `node bin/agentcrate.js`.
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// The lowest Node that CI runs (package.json `engines`): node:sqlite loads without a flag from 22.13.
const LOWEST = [22, 13];
const [major, minor] = process.versions.node.split('.').map(Number);

if (major < LOWEST[0] || (major === LOWEST[0] && minor < LOWEST[1])) {
  // An older Node on PATH. A checkout pins Node 24 as a dev dependency: re-run on it, else say
  // what to install.
  const pinned = join(__dirname, '../node_modules/node/bin/node');
  if (existsSync(pinned)) {
    rerun(pinned);
  } else {
    console.error(
      `agentcrate needs Node.js ${LOWEST.join('.')} or newer (this is ${process.version}); install Node 24 (or 22.13+).`,
    );
    process.exitCode = 2;
  }
} else if (leanGateway(process.argv.slice(2))) {
  // `agentcrate gateway` serves as the gateway's container does: this process holds the
  // gateway's lean entry, not the CLI, which reads the command line and the configuration in a
  // short-lived child (src/gateway/lean/cli.ts). The packed package's entry is the bundle that
  // `deploy --with-gateway` puts in the image; a checkout runs its per-file build.
  const checkout = join(__dirname, '../dist/gateway/entry.js');
  const entry = existsSync(checkout) ? checkout : join(__dirname, '../lib/gateway/gateway.cjs');
  process.argv = [process.argv[0], entry, '--cli', __filename, ...process.argv.slice(3)];
  if (entry === checkout) import(require('node:url').pathToFileURL(entry).href);
  else require(entry);
} else {
  // Node's compile cache (V8's code for each module, on disk, checked against the source): every
  // command after the first starts without compiling the CLI's modules again. Off with
  // NODE_DISABLE_COMPILE_CACHE=1; NODE_COMPILE_CACHE=dir picks the directory.
  require('node:module').enableCompileCache?.();
  // A checkout runs the per-file `tsc` output in dist/; the packed package ships a bundle in lib/.
  const checkout = join(__dirname, '../dist/cli/main.js');
  const cli = existsSync(checkout) ? checkout : join(__dirname, '../lib/cli/main.mjs');
  import(require('node:url').pathToFileURL(cli).href)
    .then(({ main }) => main(process.argv.slice(2)))
    .then((code) => {
      process.exitCode = code;
    });
}

/**
 * Whether the command line runs the gateway's server (not `gateway check|schema|keys`, not
 * help). Options before an action (`gateway --port 1 check`) are sorted out by the CLI the lean
 * path runs as its child, which then does what it was asked.
 */
function leanGateway(args) {
  if (args[0] !== 'gateway' || process.env.AGENTCRATE_GATEWAY_COMPILE === '1') return false;
  if (args.includes('-h') || args.includes('--help')) return false;
  return args[1] === undefined || args[1].startsWith('-') || args[1] === 'start' || args[1] === 'serve';
}

/**
 * Runs this script on `node` as a child, in the same process group (so a terminal's Ctrl-C
 * and its stdin reach it as usual). Signals sent to this process alone (`kill <pid>`, a
 * supervisor's SIGTERM, SIGHUP) are passed on, and the child's exit comes back: its code, or
 * death by the same signal. The CLI ignores a second copy of a signal that arrives at once
 * (the terminal's and the forwarded one).
 */
function rerun(node) {
  const child = spawn(node, ['--', __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    // Should this wrapper die unable to pass a signal on (SIGKILL), the child stops too.
    env: { ...process.env, AGENTCRATE_STOP_WITH_PARENT: '1' },
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (error) => {
    console.error(`agentcrate: cannot start ${node}: ${error.message}`);
    process.exitCode = 2;
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal !== null) {
      // End the same way, so a shell or supervisor sees what happened to the real process.
      process.kill(process.pid, signal);
      return;
    }
    process.exitCode = code ?? 1;
  });
}
