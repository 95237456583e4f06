/** A studio app over a temp folder of workflows and a real SQLite store, for app.request() tests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyContainerEnv, workflowEnvVars } from '../../src/cli/env-vars.js';
import type { ModelClient } from '../../src/models/types.js';
import { createSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createStudioApp, type StudioApp } from '../../src/studio/app.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const PORT = 4242;

/** Three nodes in a chain: `draft` writes from the topic, `polish` and `title` build on it. */
export const CHAIN = `schema_version: "1.0"
flow:
  name: chain
state:
  fields:
    topic: {type: str, required: true}
    tone: {type: str, default: plain}
    draft: {type: str, default: ""}
    polished: {type: str, default: ""}
    title: {type: str, default: ""}
nodes:
  - id: draft
    prompt: "Draft about {topic} in a {tone} tone"
    outputs: [draft]
    output_schema: {type: str}
  - id: polish
    prompt: "Polish {draft} ({tone})"
    outputs: [polished]
    output_schema: {type: str}
  - id: title
    prompt: "Title for {polished}"
    outputs: [title]
    output_schema: {type: str}
edges:
  - {from: START, to: draft}
  - {from: draft, to: polish}
  - {from: polish, to: title}
  - {from: title, to: END}
config:
  llm: {provider: openai, model: gpt-4o-mini}
`;

export interface Fixture {
  dir: string;
  store: Store;
  studio: StudioApp;
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export async function studioFixture(
  opts: { files?: Record<string, string>; models?: ModelClient; env?: Record<string, string> } = {},
): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'studio-test-'));
  for (const [name, text] of Object.entries(opts.files ?? { 'chain.yaml': CHAIN })) {
    writeFileSync(join(dir, name), text);
  }
  const store = await createSqliteStore(join(dir, 'agentcrate.db'));
  const studio = createStudioApp({
    dir,
    store,
    token: TOKEN,
    port: PORT,
    env: opts.env ?? {},
    deploy: { envVars: workflowEnvVars, verifyEnv: verifyContainerEnv },
    ...(opts.models ? { models: opts.models } : {}),
  });
  return {
    dir,
    store,
    studio,
    async request(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (!headers.has('host')) headers.set('host', `127.0.0.1:${PORT}`);
      if (!headers.has('authorization') && !headers.has('cookie'))
        headers.set('authorization', `Bearer ${TOKEN}`);
      if (json !== undefined) {
        headers.set('content-type', 'application/json');
        headers.set('origin', `http://127.0.0.1:${PORT}`);
      }
      return studio.app.request(`http://127.0.0.1:${PORT}${path}`, {
        ...rest,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json), method: rest.method ?? 'POST' } : {}),
      });
    },
    async close() {
      await studio.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the job is finished (polling the store through the API). */
export async function waitFinished(f: Fixture, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const job = (await (await f.request(`/api/jobs/${id}`)).json()) as Record<string, unknown>;
    if (['completed', 'failed', 'cancelled'].includes(String(job.status))) return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not finish`);
}
