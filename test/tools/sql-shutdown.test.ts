/**
 * The server process (the container entry) stops within its grace period while a model has a
 * runaway `sql_query` running, and leaves no query process behind. Real process, real socket,
 * a scripted OpenAI-compatible model on loopback asking for the query.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQL_PROCESS_TITLE } from '../../src/tools/builtin/sql-process.js';
import { startEntry } from '../server/support/entry-process.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { cpuTicks, HAS_PROC, processesMatching, waitUntil } from '../support/proc.js';

const GRACE_SECONDS = 2;

const WORKFLOW = `schema_version: "1.0"
flow: {name: counter}
state:
  fields:
    question: {type: str, required: true}
    answer: {type: str, default: ""}
nodes:
  - id: ask
    prompt: "{state.question}"
    outputs: [answer]
    output_schema: {type: str}
    tools: [sql_query]
    tool_config: {timeout_seconds: 600}
edges:
  - {from: START, to: ask}
  - {from: ask, to: END}
`;

let dir: string;
let mock: MockLlm;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-sql-shutdown-'));
  writeFileSync(join(dir, 'workflow.yaml'), WORKFLOW);
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAS_PROC)('serve with a runaway sql_query (needs Linux /proc)', () => {
  it('exits within the grace period on SIGTERM and the query process is gone', async () => {
    mock.script([
      {
        toolCalls: [
          {
            name: 'sql_query',
            args: {
              query: 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n',
            },
          },
        ],
      },
    ]);
    const server = await startEntry({
      cwd: dir,
      workflow: join(dir, 'workflow.yaml'),
      store: join(dir, 'jobs.db'),
      mockUrl: mock.url,
      env: { AGENTCRATE_SHUTDOWN_GRACE: String(GRACE_SECONDS) },
    });
    const pid = server.child.pid!;
    const res = await fetch(`${server.url}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ question: 'how many numbers are there?' }),
    });
    expect(res.status).toBe(202);
    await waitUntil(
      () => processesMatching(SQL_PROCESS_TITLE, pid).length === 1,
      20_000,
      'the query to start',
    );
    const [query] = processesMatching(SQL_PROCESS_TITLE, pid);
    // It is really running: the query process burns CPU.
    const ticks = cpuTicks(query!.pid) ?? 0;
    await waitUntil(() => (cpuTicks(query!.pid) ?? 0) > ticks + 5, 10_000, 'the query to use CPU');

    server.child.kill('SIGTERM');
    const code = await Promise.race([
      server.exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), (GRACE_SECONDS + 8) * 1000)),
    ]);
    if (code === 'hung') server.child.kill('SIGKILL');
    // Exit 0 within the grace period plus time to park the job and close the store (generous:
    // the machine may be busy); before the fix the process never exited.
    expect(code).toBe(0);
    expect(cpuTicks(query!.pid)).toBeUndefined();
  });
});
