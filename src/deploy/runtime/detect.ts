/**
 * Where the engine lives: `DOCKER_HOST` when set, else the Docker socket, else Podman's
 * Docker-compatible sockets (rootless, then rootful). Errors say exactly what to install or
 * start, because "connect ENOENT" helps nobody.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AgentcrateError } from '../../errors.js';

export interface Endpoint {
  kind: 'docker' | 'podman';
  /** For display and errors. */
  endpoint: string;
  /** Set for unix sockets. */
  socketPath?: string;
  /** Set for tcp endpoints. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  fromEnv: boolean;
}

export const DOCKER_SOCKET = '/var/run/docker.sock';
export const ROOTFUL_PODMAN_SOCKET = '/run/podman/podman.sock';

export const INSTALL_HINT =
  "install Docker (apt-get install docker.io) and start it (systemctl start docker, or dockerd &), or start Podman's socket (systemctl --user start podman.socket) and set DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock";

export function candidateSockets(
  env: NodeJS.ProcessEnv = process.env,
): Array<{ kind: 'docker' | 'podman'; path: string }> {
  const out: Array<{ kind: 'docker' | 'podman'; path: string }> = [{ kind: 'docker', path: DOCKER_SOCKET }];
  if (env.XDG_RUNTIME_DIR)
    out.push({ kind: 'podman', path: join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') });
  out.push({ kind: 'podman', path: ROOTFUL_PODMAN_SOCKET });
  return out;
}

export function resolveEndpoint(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): Endpoint {
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) return parseDockerHost(dockerHost);
  for (const candidate of candidateSockets(env)) {
    if (exists(candidate.path)) {
      return {
        kind: candidate.kind,
        endpoint: `unix://${candidate.path}`,
        socketPath: candidate.path,
        fromEnv: false,
      };
    }
  }
  const looked = candidateSockets(env)
    .map((c) => c.path)
    .join(', ');
  throw new AgentcrateError(
    'E_RUNTIME',
    `no container runtime found (looked for ${looked}): ${INSTALL_HINT}`,
    {
      details: { looked: candidateSockets(env).map((c) => c.path) },
    },
  );
}

export function parseDockerHost(value: string): Endpoint {
  const kind = value.includes('podman') ? 'podman' : 'docker';
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length) || DOCKER_SOCKET;
    return { kind, endpoint: value, socketPath, fromEnv: true };
  }
  const m = /^(tcp|http|https):\/\/([^:/]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(value);
  if (m) {
    const protocol = m[1] === 'https' ? 'https' : 'http';
    const port = m[3] === undefined ? (protocol === 'https' ? 2376 : 2375) : Number(m[3]);
    return {
      kind,
      endpoint: value,
      host: (m[2] as string).replace(/^\[|\]$/g, ''),
      port,
      protocol,
      fromEnv: true,
    };
  }
  throw new AgentcrateError(
    'E_RUNTIME',
    `DOCKER_HOST="${value}" is not understood: use unix:///path/to/docker.sock or tcp://host:port (ssh:// is not supported; use a Docker context over a unix socket instead)`,
  );
}

/** Turns a failed ping into an error that says what to do. */
export function unreachableError(endpoint: Endpoint, cause: unknown): AgentcrateError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const where = endpoint.fromEnv ? `${endpoint.endpoint} (from DOCKER_HOST)` : endpoint.endpoint;
  const what = endpoint.kind === 'podman' ? 'Podman' : 'Docker';
  let message: string;
  if (code === 'EACCES') {
    message = `permission denied on the ${what} socket ${where}: add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or run as root`;
  } else if (code === 'ENOENT' && endpoint.socketPath !== undefined) {
    message = `no ${what} socket at ${where}: ${endpoint.fromEnv ? 'fix or unset DOCKER_HOST, or ' : ''}${INSTALL_HINT}`;
  } else {
    const reason = code ?? (cause instanceof Error ? cause.message : String(cause));
    message = `the ${what} daemon at ${where} does not answer (${reason}): start it (systemctl start ${endpoint.kind === 'podman' ? 'podman.socket' : 'docker'}, or dockerd &)${endpoint.fromEnv ? ' or fix DOCKER_HOST' : ''}; if it is not installed, ${INSTALL_HINT}`;
  }
  return new AgentcrateError('E_RUNTIME', message, { cause, details: { endpoint: endpoint.endpoint, code } });
}
