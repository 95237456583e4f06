/**
 * `agentcrate clean [<file>] [--all] [--yes]`: removes the one-shot images agentcrate built —
 * the workflow's, or with `--all` every one — after asking, unless `--yes`. Images agentcrate
 * did not build are never touched (they lack its one-shot label).
 */
import { createInterface } from 'node:readline/promises';
import {
  findLeftoverContainers,
  findOneshotImages,
  removeContainers,
  removeOneshotImages,
} from '../../deploy/oneshot/clean.js';
import { DockerRuntime } from '../../deploy/runtime/docker.js';
import { AgentcrateError } from '../../errors.js';
import type { CleanContext } from '../commands/clean.js';
import { plural, requireWorkflow } from '../diagnostics.js';

export default async function cleanCommand(ctx: CleanContext): Promise<number> {
  const o = ctx.options;
  const file = ctx.args.file;
  if ((file === undefined) === !o.all) {
    throw new AgentcrateError(
      'E_USAGE',
      'name a workflow file (its images), or pass --all (every one-shot image), not both',
    );
  }
  const workflow = file !== undefined ? await requireWorkflow(file, ctx) : undefined;
  const runtime = new DockerRuntime();
  const targets = await findOneshotImages(runtime, workflow?.flow.name);
  const leftovers = await findLeftoverContainers(runtime, workflow?.flow.name);
  const what = workflow !== undefined ? `of '${workflow.flow.name}'` : 'of any workflow';
  if (targets.length === 0 && leftovers.length === 0) {
    ctx.output.err(`no one-shot images ${what} to remove`);
    return 0;
  }
  const list = [
    ...targets.map((t) => `  ${t.tags.join(', ') || t.id.slice(0, 19)}  (${(t.size / 1e6).toFixed(1)} MB)`),
    ...leftovers.map((c) => `  container ${c.name} (${c.state}, never removed by exec)`),
  ];
  ctx.output.err(`one-shot images ${what}:\n${list.join('\n')}`);
  const count = [
    plural(targets.length, 'image'),
    ...(leftovers.length > 0 ? [plural(leftovers.length, 'leftover container')] : []),
  ].join(' and ');
  if (!o.yes) {
    if (process.stdin.isTTY !== true) {
      throw new AgentcrateError('E_USAGE', 'not removing without a terminal to ask on: pass --yes');
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`remove ${count}? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      ctx.output.err('nothing removed');
      return 1;
    }
  }
  // The containers first: an image a stopped container still uses cannot be removed.
  await removeContainers(runtime, leftovers);
  await removeOneshotImages(runtime, targets);
  ctx.output.out(`removed ${count.replace('image', 'one-shot image')} ${what}`);
  return 0;
}
