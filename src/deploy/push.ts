/**
 * `--push REGISTRY/REPO`: where the image goes, under which tags, with which credentials.
 * Everything here is checked before the deploy writes a file, so a typo in the repository
 * or an unreadable Docker config fails fast. Passwords never reach a message or a log.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AgentcrateError } from '../errors.js';
import { createRedactor } from '../secrets/index.js';
import type { RegistryAuth } from './runtime/types.js';

export interface PushTarget {
  /** Registry host (with port), e.g. `ghcr.io`, `127.0.0.1:5000`; `docker.io` for Docker Hub. */
  registry: string;
  /** The full repository reference as the engine names it, e.g. `127.0.0.1:5000/acme/echo`. */
  repository: string;
  /** The path below the registry, e.g. `acme/echo`. */
  path: string;
}

const DOCKER_HUB = 'docker.io';
/** The key Docker Hub credentials have in `~/.docker/config.json`. */
const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

/** Parses `--push`: a repository without a tag; the tags come from the content hash. */
export function parsePushTarget(value: string): PushTarget {
  const usage = `use REGISTRY/REPO, e.g. ghcr.io/acme/echo or 127.0.0.1:5000/acme/echo (tags are added for you)`;
  const raw = value.trim();
  if (raw === '') throw new AgentcrateError('E_USAGE', `--push needs a repository: ${usage}`);
  if (raw.includes('@') || /^[a-z]+:\/\//i.test(raw)) {
    throw new AgentcrateError('E_USAGE', `--push '${raw}' is not a repository: ${usage}`);
  }
  const parts = raw.split('/');
  const first = parts[0] ?? '';
  // Docker's rule: the first component is a registry when it looks like a host.
  const hasRegistry =
    parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : DOCKER_HUB;
  const pathParts = hasRegistry ? parts.slice(1) : parts;
  if (hasRegistry && !HOST.test(registry)) {
    throw new AgentcrateError(
      'E_USAGE',
      `--push '${raw}': '${registry}' is not a valid registry host; ${usage}`,
    );
  }
  const last = pathParts[pathParts.length - 1] ?? '';
  if (last.includes(':')) {
    throw new AgentcrateError(
      'E_USAGE',
      `--push '${raw}' has a tag; give the repository only (agentcrate tags it with the content hash and latest)`,
    );
  }
  const bad = pathParts.find((p) => !PATH_COMPONENT.test(p));
  if (bad !== undefined) {
    throw new AgentcrateError(
      'E_USAGE',
      `--push '${raw}': '${bad}' is not a valid repository name component (lowercase letters, digits and . _ - only); ${usage}`,
    );
  }
  const path = pathParts.join('/');
  return { registry, path, repository: hasRegistry ? `${registry}/${path}` : path };
}

/** The tags pushed: the first 12 characters of the content hash, and `latest`. */
export function pushTags(contentHash: string): string[] {
  return [contentHash.slice(0, 12), 'latest'];
}

export interface CredentialSources {
  /** Defaults to `process.env` (AGENTCRATE_REGISTRY_USER/PASSWORD, DOCKER_CONFIG, HOME). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Credentials for `registry`: `AGENTCRATE_REGISTRY_USER`/`AGENTCRATE_REGISTRY_PASSWORD` when
 * set (explicit beats ambient), else the `auths` entry of the Docker config (`$DOCKER_CONFIG`
 * or `~/.docker/config.json`). `undefined` means an anonymous push.
 */
export function registryCredentials(
  registry: string,
  sources: CredentialSources = {},
): RegistryAuth | undefined {
  const env = sources.env ?? process.env;
  const serveraddress = registry === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : registry;
  const user = env.AGENTCRATE_REGISTRY_USER;
  const password = env.AGENTCRATE_REGISTRY_PASSWORD;
  if (user !== undefined && user !== '') {
    if (password === undefined || password === '') {
      throw new AgentcrateError(
        'E_USAGE',
        'AGENTCRATE_REGISTRY_USER is set but AGENTCRATE_REGISTRY_PASSWORD is not: set both, or neither to use ~/.docker/config.json',
      );
    }
    return { username: user, password, serveraddress };
  }
  if (password !== undefined && password !== '') {
    throw new AgentcrateError(
      'E_USAGE',
      'AGENTCRATE_REGISTRY_PASSWORD is set but AGENTCRATE_REGISTRY_USER is not: set both',
    );
  }
  return fromDockerConfig(registry, serveraddress, env);
}

function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  if (env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '')
    return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir(), '.docker', 'config.json');
}

function fromDockerConfig(
  registry: string,
  serveraddress: string,
  env: NodeJS.ProcessEnv,
): RegistryAuth | undefined {
  const file = dockerConfigPath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentcrateError('E_IO', `cannot read the Docker config ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  let config: { auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown }> };
  try {
    config = JSON.parse(text) as typeof config;
  } catch {
    throw new AgentcrateError(
      'E_IO',
      `the Docker config ${file} is not valid JSON: fix it, or set AGENTCRATE_REGISTRY_USER and AGENTCRATE_REGISTRY_PASSWORD`,
    );
  }
  const auths = config.auths ?? {};
  const keys = registry === DOCKER_HUB ? [DOCKER_HUB_AUTH_KEY, DOCKER_HUB, 'index.docker.io'] : [registry];
  // Entries are often written as URLs (`https://ghcr.io`), so compare hosts.
  const entry = Object.entries(auths).find(([key]) => keys.includes(hostOf(key)) || keys.includes(key))?.[1];
  if (entry === undefined) return undefined;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new AgentcrateError(
        'E_IO',
        `the "auth" for ${registry} in ${file} is not base64 of "user:password": log in again (docker login ${registry})`,
      );
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password, serveraddress };
  }
  return undefined;
}

function hostOf(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** Hides the password wherever it might appear in text bound for the user. */
export function redact(text: string, auth: RegistryAuth | undefined): string {
  return createRedactor({ secrets: [auth?.password] })(text);
}
