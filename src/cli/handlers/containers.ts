/** `agentcrate ps | logs | stop | rm`: containers carrying agentcrate's labels only. */
import { logs as containerLogs, listManaged, remove, stop as stopContainer } from '../../deploy/index.js';
import type { LogsContext, PsContext, RmContext, StopContext } from '../commands/containers.js';

export async function ps(ctx: PsContext): Promise<number> {
  const containers = await listManaged();
  if (ctx.options.json) {
    ctx.output.out(JSON.stringify(containers));
    return 0;
  }
  if (containers.length === 0) {
    ctx.output.err('no agentcrate containers (deploy one with: agentcrate deploy <workflow.yaml>)');
    return 0;
  }
  const rows = containers.map((c) => [
    c.name,
    c.workflow ?? '',
    c.state,
    c.status,
    c.ports.join(', '),
    c.image,
  ]);
  const head = ['NAME', 'WORKFLOW', 'STATE', 'STATUS', 'PORTS', 'IMAGE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [head, ...rows])
    ctx.output.out(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  return 0;
}

export async function logs(ctx: LogsContext): Promise<number> {
  for await (const line of await containerLogs(ctx.args.name, ctx.options.follow, {
    tail: ctx.options.tail,
  })) {
    if (ctx.signal.aborted) break;
    (line.stream === 'stderr' ? process.stderr : process.stdout).write(`${line.line}\n`);
  }
  return 0;
}

export async function stop(ctx: StopContext): Promise<number> {
  await stopContainer(ctx.args.name);
  ctx.output.err(`stopped ${ctx.args.name}`);
  return 0;
}

export async function rm(ctx: RmContext): Promise<number> {
  await remove(ctx.args.name, { volumes: ctx.options.volumes });
  ctx.output.err(`removed ${ctx.args.name}${ctx.options.volumes ? ' and its job store volume' : ''}`);
  return 0;
}
