/**
 * The compose command line: Debian's `docker-compose` (v1, or a v2 standalone binary) when
 * installed, else the `docker compose` plugin. Output lines go to a callback as they come; a
 * failure keeps the last lines in its message.
 */
import { execFile, spawn } from 'node:child_process';
import { AgentcrateError } from '../../errors.js';

export interface ComposeCli {
  command: string;
  prefix: string[];
  version: string;
}

function version(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, [...args, 'version', '--short'], { timeout: 15_000 }, (error, stdout) =>
      resolve(error === null ? stdout.trim() : undefined),
    );
  });
}

export async function detectCompose(): Promise<ComposeCli> {
  const v1 = await version('docker-compose', []);
  if (v1 !== undefined) return { command: 'docker-compose', prefix: [], version: v1 };
  const plugin = await version('docker', ['compose']);
  if (plugin !== undefined) return { command: 'docker', prefix: ['compose'], version: plugin };
  throw new AgentcrateError(
    'E_RUNTIME',
    'deploy --with-gateway starts the stack with compose, and neither docker-compose nor the docker compose plugin answers: install one (Debian: apt-get install docker-compose), or use --generate and start it yourself',
  );
}

export function runCompose(
  cli: ComposeCli,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; onLine?: (line: string) => void },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli.command, [...cli.prefix, ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    let partial = '';
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.trimEnd();
        if (line === '') continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        opts.onLine?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (cause) =>
      reject(new AgentcrateError('E_RUNTIME', `cannot run ${cli.command}: ${cause.message}`, { cause })),
    );
    child.on('close', (code) => {
      if (partial.trim() !== '') tail.push(partial.trim());
      if (code === 0) resolve();
      else
        reject(
          new AgentcrateError(
            'E_RUNTIME',
            `${[cli.command, ...cli.prefix, ...args].join(' ')} failed (exit ${code}):\n${tail.join('\n')}`,
            { details: { exitCode: code, lastLines: tail } },
          ),
        );
    });
  });
}
