/**
 * `agentcrate gateway` on the lean path: the CLI's bin hands the command line to the gateway's
 * container entry (`gateway.cjs --cli <bin> [args]`, bin/agentcrate.js), so the process that
 * serves holds what the container's does, not the whole CLI.
 *
 * The command line and the configuration are read by the CLI itself, run once more as a
 * short-lived child (GATEWAY_COMPILE_ENV): the same options, errors, diagnostics, warnings and
 * exit codes as every command, its messages straight on this terminal. It answers the settings
 * given by flags, the compiled configuration and the start message as JSON; this process binds
 * the port, prints the message with the URL, serves, and stops on SIGINT, SIGTERM or SIGHUP as
 * every server of the CLI does (../../cli/stop-signals.ts), letting streams in flight finish.
 */
import { spawnSync } from 'node:child_process';
import { AgentcrateError } from '../../errors.js';
import { exitCodeFor, formatError } from '../../terminal/errors.js';
import { processOutput } from '../../terminal/output.js';
import { handleStopSignals } from '../../terminal/stop-signals.js';
import { fromPlainConfig } from '../config/plain.js';
import { type GatewaySettings, settingsWithConfig } from '../settings.js';
import type { CompiledConfig } from './part.js';
import { listenLean } from './serve-lean.js';
import { gatewaySecrets, startLogger } from './start-log.js';

type Env = Record<string, string | undefined>;

/** Set for the CLI run as the child: read, compile, answer; serve nothing (cli/handlers/gateway.ts). */
export const GATEWAY_COMPILE_ENV = 'AGENTCRATE_GATEWAY_COMPILE';
/** Where the child's start message names the URL, known once the port is bound. */
export const GATEWAY_URL_MARK = '<url>';

export interface GatewayCliAnswer {
  lean: true;
  flags: Partial<Record<keyof GatewaySettings, unknown>>;
  compiled: Extract<CompiledConfig, { ok: true }>;
  message: string;
}

export async function serveFromCli(bin: string, args: string[], env: Env): Promise<void> {
  const output = processOutput();
  const fail = (error: unknown): never => {
    output.err(formatError(error, output.color));
    process.exit(exitCodeFor(error));
  };
  const child = spawnSync(process.execPath, [bin, 'gateway', ...args], {
    env: { ...env, [GATEWAY_COMPILE_ENV]: '1' },
    encoding: 'utf8',
    // Its errors and warnings reach the terminal as the CLI writes them (colour included).
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.error !== undefined)
    fail(
      new AgentcrateError(
        'E_INTERNAL',
        `the gateway could not read its configuration: ${child.error.message}`,
      ),
    );
  // The CLI has said why; a signal (Ctrl-C while reading) ends this process too.
  if (child.signal !== null) process.kill(process.pid, child.signal);
  // Whatever the CLI wrote to stdout (`gateway --json check`, help) goes on, with its exit code.
  const relay = (code: number): void => {
    process.stdout.write(child.stdout, () => process.exit(code));
  };
  if (child.status !== 0) return relay(child.status ?? 1);
  let answer: GatewayCliAnswer | undefined;
  try {
    answer = JSON.parse(child.stdout) as GatewayCliAnswer;
  } catch {
    answer = undefined;
  }
  // Not the server after all (options before `check`, `schema` or `keys`): the CLI did it.
  if (answer?.lean !== true) return relay(0);
  const { flags, compiled } = answer;
  const { settings, keysPath } = settingsWithConfig(flags, env, fromPlainConfig(compiled.config, env));
  const secrets = gatewaySecrets(env);
  const logger = startLogger({ level: settings.logLevel, env, secrets, file: settings.logFile });
  const controller = new AbortController();
  handleStopSignals(controller, env as NodeJS.ProcessEnv);
  let gateway: Awaited<ReturnType<typeof listenLean>>;
  try {
    gateway = await listenLean({
      config: compiled.config,
      env,
      cwd: process.cwd(),
      settings,
      keysPath,
      secrets,
      logger,
    });
  } catch (error) {
    return fail(error);
  }
  output.err(answer.message.replaceAll(GATEWAY_URL_MARK, gateway.listening.url));
  if (!controller.signal.aborted)
    await new Promise((done) => controller.signal.addEventListener('abort', done, { once: true }));
  output.err('shutting down: finishing streams in flight');
  await gateway.close();
  process.exit(0);
}
