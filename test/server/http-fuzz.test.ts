/**
 * Fuzzing the HTTP API: 100,000 generated requests in process (`app.request()`, for volume)
 * against a server with and one without API keys, then a share over real sockets, raw bytes
 * included (malformed request lines, header injection, smuggling shapes, cut-off bodies). No
 * case may crash the server, hang, or answer a 5xx other than a deliberate 503 (shutting
 * down, store unavailable). Seeded: a failure names its case and reproduces.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CreatedApp, createApp, startServer } from '../../src/server/index.js';
import { createSqliteStore } from '../../src/store/index.js';
import {
  createCaseGenerator,
  DELIBERATE_503,
  type FuzzWorkflowShape,
  type HttpCase,
} from '../support/http-fuzz.js';
import { scriptedModel } from '../support/scripted-model.js';
import { workflowFrom } from '../support/workflows.js';

const IN_PROCESS_CASES = 100_000;
const SOCKET_CASES = 2_000;
const SEED = Number(process.env.AGENTCRATE_FUZZ_SEED ?? 20_261_206);
const API_KEY = 'fuzz-api-key-0001';

const WORKFLOW = workflowFrom(`schema_version: "1.0"
flow: {name: fuzzed, description: The API under fuzz}
state:
  fields:
    name: {type: str, required: true}
    count: {type: int, default: 1}
    flag: {type: bool, default: false}
    tags: {type: "list[str]", default: []}
    meta: {type: object, schema: {a: int}}
    greeting: {type: str, default: ""}
nodes:
  - id: greet
    prompt: "greet {state.name} x{state.count}"
    outputs: [greeting]
    output_schema: {type: str}
edges:
  - {from: START, to: greet}
  - {from: greet, to: END}
`);

const SHAPE: FuzzWorkflowShape = {
  validInputs(rand) {
    const inputs: Record<string, unknown> = { name: rand() < 0.5 ? 'Ada' : `n${Math.floor(rand() * 1e6)}` };
    if (rand() < 0.5) inputs.count = Math.floor(rand() * 100);
    if (rand() < 0.3) inputs.flag = rand() < 0.5;
    if (rand() < 0.3) inputs.tags = ['a', 'b'].slice(0, Math.floor(rand() * 3));
    if (rand() < 0.3) inputs.meta = { a: Math.floor(rand() * 10) };
    return inputs;
  },
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Failure {
  case: string;
  status: number | string;
  body: string;
}

function describeCase(c: HttpCase): string {
  return JSON.stringify({ ...c, body: c.body === undefined ? undefined : c.body.slice(0, 200) }).slice(
    0,
    600,
  );
}

/** A 5xx is a failure unless it is a 503 the server answers on purpose. */
function unexpected(status: number, body: string): boolean {
  if (status < 500) return false;
  if (status !== 503) return true;
  const code = /"code":"(E_[A-Z_]+)"/.exec(body)?.[1];
  return code === undefined || !DELIBERATE_503.has(code);
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hang: ${what} took over ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function makeServerApp(apiKeys: string[]): Promise<CreatedApp> {
  const created = await createApp({
    workflow: WORKFLOW,
    store: await createSqliteStore(':memory:'),
    models: scriptedModel(() => ({ output: { greeting: 'hello' } })),
    env: {},
    idleTrimMs: 0,
    timeoutSeconds: 5,
    queueSize: 200,
    apiKeys,
  });
  await created.start();
  return created;
}

describe('HTTP API fuzz', () => {
  it(`${IN_PROCESS_CASES.toLocaleString('en')} generated requests in process: no crash, no hang, no unexpected 5xx`, async () => {
    const apps = [await makeServerApp([]), await makeServerApp([API_KEY])];
    const generator = createCaseGenerator(SEED, SHAPE);
    const failures: Failure[] = [];
    const statuses = new Map<number, number>();
    const started = performance.now();
    const cpu = process.cpuUsage();
    let done = 0;
    try {
      const one = async (index: number): Promise<void> => {
        const c = generator.next();
        // Every other case goes to the server with an API key, most of them carrying it, so
        // they reach the routes behind it.
        const keyed = index % 2 === 1;
        const app = apps[keyed ? 1 : 0]!;
        if (keyed && index % 10 < 7 && c.headers.authorization === undefined)
          c.headers.authorization = `Bearer ${API_KEY}`;
        let init: RequestInit;
        try {
          init = { method: c.method, headers: c.headers, ...(c.body !== undefined ? { body: c.body } : {}) };
        } catch (error) {
          throw new Error(
            `the generator made an unsendable case ${describeCase(c)}: ${(error as Error).message}`,
          );
        }
        let res: Response;
        try {
          res = await within(Promise.resolve(app.app.request(c.target, init)), 15_000, describeCase(c));
        } catch (error) {
          failures.push({
            case: describeCase(c),
            status: 'threw',
            body: String((error as Error).stack ?? error).slice(0, 400),
          });
          return;
        }
        const body = await within(res.text(), 15_000, `body of ${describeCase(c)}`);

        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (unexpected(res.status, body) && failures.length < 20) {
          failures.push({ case: describeCase(c), status: res.status, body: body.slice(0, 400) });
        }
        const jobId = /"job_id":"([^"]+)"/.exec(body)?.[1];
        if (jobId !== undefined) generator.saw(jobId);
      };
      // Batches of concurrent requests: runs overlap, queues fill, jobs get cancelled mid-run.
      const BATCH = 64;
      for (let i = 0; i < IN_PROCESS_CASES; i += BATCH) {
        await Promise.all(
          Array.from({ length: Math.min(BATCH, IN_PROCESS_CASES - i) }, (_, k) => one(i + k)),
        );
        done += Math.min(BATCH, IN_PROCESS_CASES - i);
      }
      // Still serving after all of it.
      for (const app of apps) expect((await app.app.request('/health')).status).toBe(200);
    } finally {
      for (const app of apps) await app.close(1000);
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    console.info(
      `http fuzz: ${done} cases in ${seconds.toFixed(1)} s, ${((used.user + used.system) / 1e6).toFixed(1)} s of CPU (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
    );
    expect(failures).toEqual([]);
    expect(done).toBe(IN_PROCESS_CASES);
    // The mix reaches the work behind the checks, not only the refusals.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(1000);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(1000);
  }, 300_000);

  it(`${SOCKET_CASES.toLocaleString('en')} cases over real sockets, raw bytes included: the server answers or hangs up, never fails`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-fuzz-'));
    dirs.push(dir);
    const server = await startServer({
      workflow: WORKFLOW,
      port: 0,
      host: '127.0.0.1',
      storePath: join(dir, 'jobs.db'),
      models: scriptedModel(() => ({ output: { greeting: 'hello' } })),
      env: {},
      idleTrimMs: 0,
      timeoutSeconds: 5,
    });
    const generator = createCaseGenerator(SEED + 1, SHAPE);
    const rand = (() => {
      let x = SEED;
      return () => {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        return x / 0x7fffffff;
      };
    })();
    const failures: Failure[] = [];
    const statuses = new Map<string, number>();
    try {
      const one = async (): Promise<void> => {
        const c = generator.next();
        const { bytes, complete } = rawRequest(c, server.port, rand);
        const answer = await exchange(server.port, bytes, complete);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
        statuses.set(
          status ?? (complete ? 'closed' : 'cut'),
          (statuses.get(status ?? (complete ? 'closed' : 'cut')) ?? 0) + 1,
        );
        if (status !== undefined && unexpected(Number(status), answer) && failures.length < 20) {
          failures.push({ case: describeCase(c), status: Number(status), body: answer.slice(0, 400) });
        }
        const jobId = /"job_id":"([^"]+)"/.exec(answer)?.[1];
        if (jobId !== undefined) generator.saw(jobId);
      };
      for (let i = 0; i < SOCKET_CASES; i += 16) {
        await Promise.all(Array.from({ length: Math.min(16, SOCKET_CASES - i) }, one));
      }
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    } finally {
      await server.close(1000);
    }
    console.info(
      `http fuzz over sockets: ${SOCKET_CASES} cases; ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(failures).toEqual([]);
    expect(statuses.get('200') ?? 0).toBeGreaterThan(50);
  }, 300_000);
});

/**
 * The case as HTTP/1.1 bytes, sometimes corrupted. `complete` is false for requests cut off
 * on purpose (the server waits for the rest; the client hangs up instead).
 */
function rawRequest(c: HttpCase, port: number, rand: () => number): { bytes: Buffer; complete: boolean } {
  const body = Buffer.from(c.body ?? '', 'utf8');
  const headers: Array<[string, string]> = [
    ['host', `127.0.0.1:${port}`],
    ['connection', 'close'],
  ];
  for (const [name, value] of Object.entries(c.headers)) if (name !== 'host') headers.push([name, value]);
  if (c.body !== undefined) headers.push(['content-length', String(body.length)]);
  let line = `${c.method} ${c.target} HTTP/1.1`;
  let complete = true;
  let tail = body;
  const r = rand();
  if (r < 0.04) line = `${c.method}  ${c.target}  HTTP/1.1`;
  else if (r < 0.07) line = `${c.method} ${c.target} HTTP/9.9`;
  else if (r < 0.1) line = `G\u0000T ${c.target} HTTP/1.1`;
  else if (r < 0.13) headers.push(['x-injected', 'a\r\nx-evil: 1']);
  else if (r < 0.16) headers.push(['bad header', 'v']);
  else if (r < 0.2)
    headers.push(['transfer-encoding', 'chunked']); // with a content-length: smuggling shape
  else if (r < 0.24)
    headers.push(['content-length', '5']); // a second, conflicting length
  else if (r < 0.28) {
    const chunked = headers.filter(([n]) => n !== 'content-length');
    headers.length = 0;
    headers.push(...chunked, ['transfer-encoding', 'chunked']);
    tail = Buffer.from(
      rand() < 0.5
        ? `zz\r\n${body.toString()}\r\n0\r\n\r\n`
        : `${body.length.toString(16)}\r\n${body.toString()}\r\n0\r\n\r\n`,
    );
  } else if (r < 0.31) {
    complete = false; // announced more than is sent
    const kept = headers.filter(([n]) => n !== 'content-length');
    headers.length = 0;
    headers.push(...kept, ['content-length', String(body.length + 100)]);
  } else if (r < 0.33) {
    complete = false; // headers never end
    return {
      bytes: Buffer.from(`${line}\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n`),
      complete,
    };
  } else if (r < 0.35) headers.push(['x-big', 'x'.repeat(20_000)]);
  const head = `${line}\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n`;
  return { bytes: Buffer.concat([Buffer.from(head, 'latin1'), tail]), complete };
}

/** Sends the bytes; reads until the server closes (complete requests) or hangs up after a moment. */
function exchange(port: number, bytes: Buffer, complete: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const limit = setTimeout(
      () => {
        socket.destroy();
        if (complete) reject(new Error(`hang: no answer to ${bytes.toString('latin1').slice(0, 200)}`));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      },
      complete ? 15_000 : 200,
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset is an answer too
    socket.on('close', () => {
      clearTimeout(limit);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(bytes);
  });
}
