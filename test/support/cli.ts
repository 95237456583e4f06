/** Runs the built CLI as a user would: a child process on the pinned Node. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${ROOT}bin/agentcrate.js`;
/** `run` records in the job store: in the checkout's folder, tests point it at a temp file. */
const CHECKOUT_STORE = join(mkdtempSync(join(tmpdir(), 'agentcrate-cli-store-')), 'agentcrate.db');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      NO_COLOR: '1',
      ...(opts.cwd === undefined ? { AGENTCRATE_STORE: CHECKOUT_STORE } : {}),
      ...opts.env,
    };
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    const child = spawn(process.execPath, ['--', BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: env as NodeJS.ProcessEnv,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Environment without any provider keys, so tests never depend on the developer's shell. */
export const CLEAN_ENV: Record<string, undefined> = {
  GOOGLE_API_KEY: undefined,
  GOOGLE_GENERATIVE_AI_API_KEY: undefined,
  OPENAI_API_KEY: undefined,
  ANTHROPIC_API_KEY: undefined,
  SERPER_API_KEY: undefined,
  TAVILY_API_KEY: undefined,
  AGENTCRATE_LLM_PROVIDER: undefined,
  AGENTCRATE_LLM_MODEL: undefined,
  AGENTCRATE_LLM_BASE_URL: undefined,
};
