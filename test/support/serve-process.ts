/**
 * `agentcrate serve` (or `studio`) as a child process for tests that kill it (-9) or run
 * several: the CLI with a clean environment, the URL it prints once it serves, its exit code
 * and output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, CLEAN_ENV, ROOT } from './cli.js';

export interface ServeProcess {
  child: ChildProcess;
  /** The base URL it prints once it serves; rejects if it exits first. */
  url: Promise<string>;
  exited: Promise<number>;
  stderr(): string;
  stdout(): string;
}

export interface SpawnOptions {
  /** Added to a clean environment; `undefined` removes a variable the test runner has. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  track?: ChildProcess[];
}

/** Starts `agentcrate serve <args…>`; `env` adds to a clean environment (no provider keys). */
export function spawnServe(args: readonly string[], options: SpawnOptions = {}): ServeProcess {
  return spawnCli('serve', args, options, /serving '.*' at (http:\/\/\S+)/);
}

/** The example workflow served `--dry-run` on a random port, its jobs in `store`; `extra` args after. */
export function spawnServeExample(
  store: string,
  extra: readonly string[] = [],
  options: SpawnOptions = {},
): ServeProcess {
  const example = join(ROOT, 'examples/research-brief.yaml');
  return spawnServe([example, '--dry-run', '--port', '0', '--store', store, ...extra], options);
}

/** `serve <workflow> --store <store>` on a random port, its model the mock at `mockUrl`. */
export function spawnServeOnMock(
  workflow: string,
  store: string,
  mockUrl: string,
  options: SpawnOptions = {},
): ServeProcess {
  const model = ['--provider', 'openai', '--base-url', mockUrl, '--model', 'mock-1'];
  return spawnServe([workflow, '--port', '0', '--store', store, ...model], options);
}

/** `POST /run` answered at once (Prefer: respond-async): the new job's id. */
export async function submitAsync(base: string, inputs: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', Prefer: 'respond-async' },
    body: JSON.stringify(inputs),
  });
  if (res.status !== 202) throw new Error(`POST /run answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { job_id: string }).job_id;
}

/**
 * `agentcrate serve …` resolved once it prints the URL it serves at; `stop()` sends SIGINT and
 * waits for the exit code.
 */
export async function startServe(
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<{ url: string; stderr: () => string; stop: () => Promise<number> }> {
  const s = spawnServe(args, options);
  const url = await s.url;
  return {
    url,
    stderr: s.stderr,
    stop: () => {
      s.child.kill('SIGINT');
      return s.exited;
    },
  };
}

/** Starts `agentcrate studio <args…>`; `url` is the address with its access token. */
export function spawnStudio(args: readonly string[], options: SpawnOptions = {}): ServeProcess {
  return spawnCli('studio', args, options, /(http:\/\/\S+\?token=\S+)/);
}

function spawnCli(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  printed: RegExp,
): ServeProcess {
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...CLEAN_ENV,
    NO_COLOR: '1',
    OPENAI_API_KEY: 'test-key-not-secret',
    ...options.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const child = spawn(process.execPath, ['--', BIN, command, ...args], {
    cwd: options.cwd ?? ROOT,
    env: env as NodeJS.ProcessEnv,
  });
  options.track?.push(child);
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = printed.exec(stderr);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`${command} exited ${code}: ${stderr}`)));
  });
  url.catch(() => undefined);
  return { child, url, exited, stderr: () => stderr, stdout: () => stdout };
}
