/**
 * `agentcrate ps / logs / stop / rm`: the engine's own operations, scoped to containers that
 * carry the `io.agentcrate.managed=true` label so a typo cannot stop someone else's database.
 */
import { AgentcrateError } from '../errors.js';
import { LABEL_MANAGED, LABEL_WORKFLOW } from './labels.js';
import { DockerRuntime } from './runtime/docker.js';
import type { ContainerRuntime, ContainerSummary, LogLine } from './runtime/types.js';

export interface ManageOptions {
  runtime?: ContainerRuntime;
}

export interface ManagedContainer extends ContainerSummary {
  workflow: string | undefined;
}

export async function listManaged(opts: ManageOptions = {}): Promise<ManagedContainer[]> {
  const runtime = opts.runtime ?? new DockerRuntime();
  const list = await runtime.ps({ all: true, labels: { [LABEL_MANAGED]: 'true' } });
  return list.map((c) => ({ ...c, workflow: c.labels[LABEL_WORKFLOW] }));
}

async function requireManaged(runtime: ContainerRuntime, name: string): Promise<void> {
  const details = await runtime.inspect(name);
  if (details === undefined) {
    throw new AgentcrateError(
      'E_NOT_FOUND',
      `no container named ${name}; \`agentcrate ps\` lists the deployed ones`,
      {
        details: { name },
      },
    );
  }
  if (details.labels[LABEL_MANAGED] !== 'true') {
    throw new AgentcrateError(
      'E_CONFLICT',
      `${name} was not deployed by agentcrate (no ${LABEL_MANAGED}=true label); manage it with docker directly`,
      { details: { name } },
    );
  }
}

export async function logs(
  name: string,
  follow = false,
  opts: ManageOptions & { tail?: number } = {},
): Promise<AsyncIterable<LogLine>> {
  const runtime = opts.runtime ?? new DockerRuntime();
  await requireManaged(runtime, name);
  return runtime.logs(name, { follow, ...(opts.tail !== undefined ? { tail: opts.tail } : {}) });
}

export async function stop(
  name: string,
  opts: ManageOptions & { timeoutSeconds?: number } = {},
): Promise<void> {
  const runtime = opts.runtime ?? new DockerRuntime();
  await requireManaged(runtime, name);
  await runtime.stop(name, opts.timeoutSeconds);
}

export async function start(name: string, opts: ManageOptions = {}): Promise<void> {
  const runtime = opts.runtime ?? new DockerRuntime();
  await requireManaged(runtime, name);
  await runtime.start(name);
}

export async function restart(
  name: string,
  opts: ManageOptions & { timeoutSeconds?: number } = {},
): Promise<void> {
  const runtime = opts.runtime ?? new DockerRuntime();
  await requireManaged(runtime, name);
  await runtime.restart(name, opts.timeoutSeconds);
}

/**
 * Removes the container (forcefully, so a running one is stopped first). The job-store volume
 * is kept unless `volumes` is set: it holds the run history and survives redeploys.
 */
export async function remove(name: string, opts: ManageOptions & { volumes?: boolean } = {}): Promise<void> {
  const runtime = opts.runtime ?? new DockerRuntime();
  await requireManaged(runtime, name);
  const details = await runtime.inspect(name);
  await runtime.rm(name, { force: true });
  const volume = details?.labels['io.agentcrate.volume'];
  if (opts.volumes && volume !== undefined) await runtime.removeVolume(volume);
}
