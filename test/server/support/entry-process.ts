/** The server's real entry as a child process (what a container runs), for kill -9 tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const REGISTER = join(ROOT, 'test/server/support/register-ts.mjs');
const ENTRY = join(ROOT, 'src/server/entry.ts');

export interface EntryProcess {
  child: ChildProcess;
  url: string;
  /** Every JSON log line the process wrote so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

export function startEntry(options: {
  cwd: string;
  workflow: string;
  store: string;
  mockUrl: string;
  env?: Record<string, string>;
}): Promise<EntryProcess> {
  const child = spawn(NODE, ['--import', REGISTER, ENTRY], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH,
      AGENTCRATE_WORKFLOW: options.workflow,
      AGENTCRATE_STORE: options.store,
      PORT: '0',
      HOST: '127.0.0.1',
      OPENAI_API_KEY: 'test-key-not-secret',
      AGENTCRATE_LLM_PROVIDER: 'openai',
      AGENTCRATE_LLM_BASE_URL: options.mockUrl,
      AGENTCRATE_LLM_MODEL: 'mock-1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let out = '';
  let err = '';
  const logs = () =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`entry did not start:\n${out}\n${err}`)), 20_000);
    child.stderr!.on('data', (chunk) => {
      err += chunk;
    });
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolveStart({ child, url: match[1]!, logs, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`entry exited with ${code}:\n${out}\n${err}`));
    });
  });
}

export async function killHard(entry: EntryProcess): Promise<void> {
  entry.child.kill('SIGKILL');
  await entry.exited;
}
