/** `agentcrate ps | logs | stop | rm`: containers carrying agentcrate's labels only. */
import { listManaged, logs, remove, stop } from '../../deploy/index.js';
import type { CommandContext } from '../commands.js';

export async function ps(ctx: CommandContext): Promise<number> {
  const containers = await listManaged();
  if (ctx.options.json === true) {
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

export async function logsCommand(ctx: CommandContext): Promise<number> {
  const follow = ctx.options.follow === true;
  const tail = ctx.options.tail === undefined ? 200 : Number(ctx.options.tail);
  for await (const line of await logs(ctx.args[0]!, follow, { tail })) {
    if (ctx.signal.aborted) break;
    (line.stream === 'stderr' ? process.stderr : process.stdout).write(`${line.line}\n`);
  }
  return 0;
}

export async function stopCommand(ctx: CommandContext): Promise<number> {
  await stop(ctx.args[0]!);
  ctx.output.err(`stopped ${ctx.args[0]}`);
  return 0;
}

export async function rmCommand(ctx: CommandContext): Promise<number> {
  await remove(ctx.args[0]!, { volumes: ctx.options.volumes === true });
  ctx.output.err(`removed ${ctx.args[0]}${ctx.options.volumes === true ? ' and its job store volume' : ''}`);
  return 0;
}
