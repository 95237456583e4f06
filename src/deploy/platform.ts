/**
 * `--platform`: one platform goes to the Engine API build as is; several need BuildKit through
 * `docker buildx`, whose result cannot be loaded into the local engine, so it must be pushed.
 * The plan is checked before anything is written; the CLI is run with argument arrays only.
 */
import { execFile, spawn } from 'node:child_process';
import { AgentcrateError } from '../errors.js';

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;

/** Splits and validates `linux/amd64,linux/arm64`; duplicates are dropped. */
export function parsePlatforms(value: string): string[] {
  const list = value
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '');
  if (list.length === 0) {
    throw new AgentcrateError('E_USAGE', '--platform needs at least one platform, e.g. linux/amd64');
  }
  for (const p of list) {
    if (!PLATFORM.test(p)) {
      throw new AgentcrateError(
        'E_USAGE',
        `--platform '${p}' is not a platform: use OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64,linux/arm/v7`,
      );
    }
  }
  return [...new Set(list)];
}

export type PlatformPlan =
  | { kind: 'native' }
  | { kind: 'engine'; platform: string }
  | { kind: 'buildx'; platforms: string[] };

/**
 * Decides how to build, failing with what to do when it cannot be done: several platforms
 * need `--push` (a multi-platform image cannot be loaded locally) and a working buildx.
 */
export async function planPlatforms(
  platforms: string[] | undefined,
  opts: { push: boolean; buildxAvailable?: () => Promise<boolean> },
): Promise<PlatformPlan> {
  if (platforms === undefined || platforms.length === 0) return { kind: 'native' };
  if (platforms.length === 1) return { kind: 'engine', platform: platforms[0] as string };
  if (!opts.push) {
    throw new AgentcrateError(
      'E_USAGE',
      `a multi-platform build (${platforms.join(',')}) cannot be loaded into the local engine: add --push REGISTRY/REPO, or pass a single --platform`,
    );
  }
  if (!(await (opts.buildxAvailable ?? buildxAvailable)())) {
    throw new AgentcrateError(
      'E_RUNTIME',
      `multi-platform builds need docker buildx (install docker-buildx-plugin / the buildx plugin) — \`docker buildx version\` did not work; nothing was written. Build one platform at a time with --platform linux/amd64, or install buildx and retry`,
      { details: { platforms } },
    );
  }
  return { kind: 'buildx', platforms };
}

/** True when `docker buildx version` runs successfully. */
export function buildxAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['buildx', 'version'], { timeout: 10_000 }, (error) => resolve(error === null));
  });
}

export interface BuildxOptions {
  contextDir: string;
  platforms: string[];
  /** Full references, e.g. `ghcr.io/acme/echo:latest`. */
  tags: string[];
  push: boolean;
  onLine?: (line: string) => void;
}

/**
 * Runs `docker buildx build`. Credentials come from the Docker config buildx reads itself;
 * the output is streamed line by line and its tail is kept for the error message.
 */
export function buildxBuild(opts: BuildxOptions): Promise<void> {
  const args = ['buildx', 'build', '--platform', opts.platforms.join(','), '--progress', 'plain'];
  for (const t of opts.tags) args.push('--tag', t);
  if (opts.push) args.push('--push');
  args.push(opts.contextDir);
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let carry = '';
    const onData = (chunk: Buffer) => {
      const lines = (carry + chunk.toString('utf8')).split('\n');
      carry = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.trimEnd();
        if (line === '') continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        opts.onLine?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (cause) =>
      reject(new AgentcrateError('E_RUNTIME', `could not run docker buildx: ${cause.message}`, { cause })),
    );
    child.on('close', (code) => {
      if (carry.trim() !== '') tail.push(carry.trim());
      if (code === 0) resolve();
      else
        reject(
          new AgentcrateError(
            'E_RUNTIME',
            `docker buildx build exited with code ${code}:\n${tail.join('\n') || '(no output)'}`,
            { details: { platforms: opts.platforms, output: tail } },
          ),
        );
    });
  });
}
