/**
 * Deploy: the deployment's environment (masked), Deploy with its progress streamed, and the
 * deployed containers — status, health, ports, start/stop/restart/remove, a live log tail.
 */
import { join } from 'node:path';
import { streamSSE } from 'hono/streaming';
import { listManaged, logs, remove, restart, start, stop } from '../../deploy/manage.js';
import { deployNames } from '../../deploy/names.js';
import { AgentcrateError } from '../../errors.js';
import { jsonBody, requireWorkflow, type StudioApp, type StudioContext, stringField } from '../context.js';
import { deployFolder, envRedactor, envReport, parseIncoming, readEnv, writeEnv } from '../deploy-env.js';
import { type DeploymentItem, Deployments } from '../deployments.js';

const ACTIONS = { start, stop, restart, remove } as const;

/** `127.0.0.1:8080->8000/tcp` → the URL the container's API answers on. */
function baseUrl(ports: string[]): string | null {
  const m = /^(.*):(\d+)->/.exec(ports[0] ?? '');
  if (!m) return null;
  const host = m[1] === '' || m[1] === '0.0.0.0' ? '127.0.0.1' : m[1] === '::' ? '[::1]' : m[1]!;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${m[2]}`;
}

function health(status: string): string | null {
  return /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1]?.replace('health: ', '') ?? null;
}

export function registerDeployRoutes(api: StudioApp, ctx: StudioContext): void {
  const deployments = new Deployments();

  api.get('/deploy/env', async (c) => {
    const workflow = await requireWorkflow(ctx, c.req.query('name') ?? '', undefined);
    return c.json(await envReport(ctx, workflow, deployFolder(ctx, workflow)));
  });

  // Paste or upload: the variables of `text` are added (replacing same-named ones), or
  // replace the whole file with `replace: true`. The answer never contains a value.
  api.post('/deploy/env', async (c) => {
    const body = await jsonBody(c, ctx);
    const workflow = await requireWorkflow(ctx, stringField(body, 'name')!, undefined);
    const folder = deployFolder(ctx, workflow);
    const incoming = parseIncoming(stringField(body, 'text')!);
    const current = body.replace === true ? [] : await readEnv(folder);
    await writeEnv(folder, [...current, ...incoming]);
    ctx.logger.info(
      { workflow: workflow.flow.name, variables: incoming.map((e) => e.name) },
      'deploy env updated',
    );
    return c.json({ added: incoming.map((e) => e.name), ...(await envReport(ctx, workflow, folder)) });
  });

  api.post('/deploy/env/remove', async (c) => {
    const body = await jsonBody(c, ctx);
    const workflow = await requireWorkflow(ctx, stringField(body, 'name')!, undefined);
    const variable = stringField(body, 'variable')!;
    const folder = deployFolder(ctx, workflow);
    await writeEnv(
      folder,
      (await readEnv(folder)).filter((e) => e.name !== variable),
    );
    return c.json(await envReport(ctx, workflow, folder));
  });

  api.post('/deploy', async (c) => {
    const body = await jsonBody(c, ctx);
    const workflow = await requireWorkflow(ctx, stringField(body, 'name')!, undefined);
    const port = Number(body.port ?? 8000);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new AgentcrateError(
        'E_BAD_REQUEST',
        `'port' must be a port from 1 to 65535, got '${String(body.port)}'`,
      );
    }
    const container = stringField(body, 'container', false) || undefined;
    const baseImage = stringField(body, 'baseImage', false) || undefined;
    const folder = deployFolder(ctx, workflow);
    const busy = deployments.running(deployNames(workflow.flow.name, container).container);
    if (busy) throw new AgentcrateError('E_CONFLICT', `a deployment of ${busy.container} is already running`);
    const d = deployments.start(ctx, workflow, folder, {
      port,
      ...(container !== undefined ? { name: container } : {}),
      ...(baseImage !== undefined ? { baseImage } : {}),
    });
    return c.json({ id: d.id, container: d.container }, 202);
  });

  api.get('/deployments/:id/events', (c) => {
    const d = deployments.get(c.req.param('id'));
    if (d === undefined)
      throw new AgentcrateError('E_NOT_FOUND', `no deployment '${c.req.param('id')}' in this studio`);
    return streamSSE(c, async (stream) => {
      const queue: DeploymentItem[] = [...d.items];
      let wake: (() => void) | undefined;
      const listener = (item: DeploymentItem) => {
        queue.push(item);
        wake?.();
      };
      d.listeners.add(listener);
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      try {
        while (!closed) {
          const item = queue.shift();
          if (item === undefined) {
            await new Promise<void>((r) => {
              wake = r;
            });
            wake = undefined;
            continue;
          }
          await stream.writeSSE({ event: item.kind, data: JSON.stringify(item) });
          if (item.kind !== 'progress') break;
        }
      } finally {
        d.listeners.delete(listener);
      }
    });
  });

  api.get('/containers', async (c) => {
    const runtime = ctx.runtime();
    let engine: { ok: boolean; message: string };
    try {
      const info = await runtime.detect();
      engine = { ok: true, message: `${info.kind} ${info.version}` };
    } catch (error) {
      return c.json({ engine: { ok: false, message: (error as Error).message }, containers: [] });
    }
    const list = await listManaged({ runtime });
    return c.json({
      engine,
      containers: list.map((x) => {
        const base = x.state === 'running' ? baseUrl(x.ports) : null;
        return {
          name: x.name,
          workflow: x.workflow ?? null,
          image: x.image,
          state: x.state,
          status: x.status,
          health: health(x.status),
          ports: x.ports,
          created_at: x.createdAt.toISOString(),
          links: base ? { api: `${base}/run`, docs: `${base}/docs`, traces: `${base}/ui` } : null,
        };
      }),
    });
  });

  api.post('/containers/:name/:action', async (c) => {
    const action = c.req.param('action');
    if (!Object.hasOwn(ACTIONS, action)) {
      throw new AgentcrateError(
        'E_NOT_FOUND',
        `unknown action '${action}'; use start, stop, restart or remove`,
      );
    }
    await ACTIONS[action as keyof typeof ACTIONS](c.req.param('name'), { runtime: ctx.runtime() });
    return c.json({ ok: true });
  });

  api.get('/containers/:name/logs', async (c) => {
    const name = c.req.param('name');
    const lines = await logs(name, true, { runtime: ctx.runtime(), tail: 200 });
    // Mask the values of the deployment's env (if it was deployed from this folder).
    const workflow = (await listManaged({ runtime: ctx.runtime() })).find((x) => x.name === name)?.workflow;
    const redact = await envRedactor(
      join(ctx.deployDir, workflow !== undefined ? deployNames(workflow).container : name),
    );
    return streamSSE(c, async (stream) => {
      const iterator = lines[Symbol.asyncIterator]();
      stream.onAbort(() => {
        void iterator.return?.();
      });
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        await stream.writeSSE({ event: next.value.stream, data: redact(next.value.line) });
      }
      await stream.writeSSE({ event: 'end', data: workflow ?? '' });
    });
  });
}
