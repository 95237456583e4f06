/**
 * Deployments started from the page: `deploy()` — the very pipeline of `agentcrate deploy` —
 * run in the background with its progress kept as a list the page streams (and can re-read
 * after a reload). Each message is masked with the deployment's env values before it is kept.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Workflow } from '../config/types.js';
import { type DeployEvent, deploy } from '../deploy/deploy.js';
import { deployNames } from '../deploy/names.js';
import { compile } from '../engine/index.js';
import { toAgentcrateError } from '../errors.js';
import { exampleInput, inputsSchema, outputsSchema } from '../server/openapi.js';
import type { StudioContext } from './context.js';
import { envRedactor } from './deploy-env.js';

export type DeploymentItem =
  | { kind: 'progress'; event: DeployEvent }
  | { kind: 'done'; result: Record<string, unknown> }
  | { kind: 'error'; error: { code: string; message: string } };

export interface Deployment {
  id: string;
  workflow: string;
  container: string;
  startedAt: number;
  status: 'running' | 'done' | 'failed';
  items: DeploymentItem[];
  listeners: Set<(item: DeploymentItem) => void>;
}

export interface DeployRequest {
  port: number;
  name?: string;
  baseImage?: string;
}

export class Deployments {
  readonly #all = new Map<string, Deployment>();

  get(id: string): Deployment | undefined {
    return this.#all.get(id);
  }

  /** Running deployment of the same container, if any (one at a time per name). */
  running(container: string): Deployment | undefined {
    return [...this.#all.values()].find((d) => d.container === container && d.status === 'running');
  }

  start(ctx: StudioContext, workflow: Workflow, folder: string, request: DeployRequest): Deployment {
    const names = deployNames(workflow.flow.name, request.name);
    const d: Deployment = {
      id: randomUUID(),
      workflow: workflow.flow.name,
      container: names.container,
      startedAt: Date.now(),
      status: 'running',
      items: [],
      listeners: new Set(),
    };
    this.#all.set(d.id, d);
    void this.#run(ctx, d, workflow, folder, request);
    return d;
  }

  async #run(ctx: StudioContext, d: Deployment, workflow: Workflow, folder: string, request: DeployRequest) {
    const redact = await envRedactor(folder);
    const push = (item: DeploymentItem) => {
      d.items.push(item);
      for (const l of d.listeners) l(item);
    };
    const plan = compile(workflow);
    try {
      const result = await deploy({
        workflow,
        ...(workflow.file !== undefined ? { workflowFile: workflow.file } : {}),
        output: folder,
        port: request.port,
        ...(request.name !== undefined ? { name: request.name } : {}),
        ...(request.baseImage !== undefined ? { baseImage: request.baseImage } : {}),
        timeoutSeconds: 30,
        traces: true,
        envFile: join(folder, '.env'),
        envVars: ctx.deploy.envVars(workflow),
        exampleInput: exampleInput(workflow),
        inputSchema: inputsSchema(workflow),
        outputSchema: outputsSchema(workflow),
        cwd: folder,
        runtime: ctx.runtime(),
        verifyEnv: (env) => ctx.deploy.verifyEnv(plan, env),
        onProgress: (event) =>
          push({ kind: 'progress', event: { ...event, message: redact(event.message) } }),
      });
      d.status = 'done';
      push({ kind: 'done', result: JSON.parse(redact(JSON.stringify(result))) as Record<string, unknown> });
    } catch (error) {
      const err = toAgentcrateError(error);
      d.status = 'failed';
      ctx.logger.warn({ deployment: d.id, code: err.code }, 'studio deploy failed');
      push({ kind: 'error', error: { code: err.code, message: redact(err.message) } });
    }
  }
}
