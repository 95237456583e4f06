// Client CPU per model call by transport: the real model client (direct path, the
// openai-compatible provider) against the loopback mock in its own process, with the default
// transport (src/models/transport.ts) and, in the same run, Node's global fetch and undici's
// fetch on a keep-alive Agent as peers. Rounds alternate the order; medians are reported.
//   node_modules/.bin/node --expose-gc bench/model-transport.mjs [module.js:export ...]
// Extra arguments add transports to compare (a module exporting a fetch, e.g. an older build).
// Env: ROUNDS (default 6), CALLS per round (default 2000), C concurrent calls (default 8),
//      PIN=1 (this process on the last CPU, the mock on the first).
// CLIENTS=old/dist,new/dist compares whole model clients (client, provider, transport) of two
// builds instead, each with its own default transport: `node_modules/.bin/node --expose-gc
// bench/model-transport.mjs` with CLIENTS set, e.g. a copy of dist/ from before a change.
// Needs dist/ (npm run build).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';
import { startMock } from './lib/mock.mjs';
import { ROOT } from './lib/paths.mjs';
import { comparisonCpus, pinToCpus } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 6);
const CALLS = Number(process.env.CALLS ?? 2000);
const C = Number(process.env.C ?? 8);
const cpus = process.env.PIN === '1' ? comparisonCpus() : undefined;

const builds = process.env.CLIENTS?.split(',') ?? [];
const { createModelClient } = await import(pathToFileURL(join(ROOT, 'dist/models/index.js')).href);
const { createModelTransport } = await import(pathToFileURL(join(ROOT, 'dist/models/transport.js')).href);

const agent = new Agent({ keepAliveTimeout: 4000, connections: 256 });
const transports =
  builds.length > 0
    ? {}
    : {
        'transport.ts (undici request)': createModelTransport(),
        'undici fetch + Agent': (input, init) => undiciFetch(input, { ...init, dispatcher: agent }),
        'global fetch': globalThis.fetch,
      };
for (const spec of process.argv.slice(2)) {
  const [file, name = 'default'] = spec.split(':');
  const module = await import(pathToFileURL(file).href);
  transports[`${file.split('/').pop()}:${name}`] = module[name];
}

const mock = await startMock(0);
if (cpus) {
  pinToCpus(mock.child.pid, cpus.load);
  pinToCpus(process.pid, cpus.servers);
}
const schema = {
  type: 'object',
  properties: { answer: { type: 'string' } },
  required: ['answer'],
  additionalProperties: false,
};
const llmSettings = { provider: 'openai-compatible', model: 'mock-model', api_base: mock.url };
const clients = Object.entries(transports).map(([name, fetch]) => {
  const client = createModelClient({ env: {}, fetch });
  return { name, client, llm: client.resolve(llmSettings, {}), cpuUs: [], perS: [] };
});
for (const dir of builds) {
  const build = await import(pathToFileURL(join(dir, 'models/index.js')).href);
  const client = build.createModelClient({ env: {} });
  clients.push({ name: dir, client, llm: client.resolve(llmSettings, {}), cpuUs: [], perS: [] });
}

async function burst({ client, llm }, count) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const r = await client.generate({
        nodeId: 'answer',
        llm,
        system: 'Answer in one sentence.',
        messages: [{ role: 'user', content: 'Write one sentence about containers.' }],
        outputSchema: schema,
        tools: {},
        maxToolSteps: 1,
        maxRetries: 0,
        signal: new AbortController().signal,
      });
      if (r.output === undefined) throw new Error('the mock gave no output');
    }
  };
  await Promise.all(Array.from({ length: C }, worker));
}

for (const c of clients) await burst(c, 500); // warm-up: JIT, connections, the AI SDK
for (let round = 0; round < ROUNDS; round++) {
  for (const c of round % 2 === 0 ? clients : [...clients].reverse()) {
    await mock.reset();
    globalThis.gc?.();
    const cpu = process.cpuUsage();
    const started = performance.now();
    await burst(c, CALLS);
    const used = process.cpuUsage(cpu);
    c.cpuUs.push((used.user + used.system) / CALLS);
    c.perS.push(CALLS / ((performance.now() - started) / 1000));
  }
}
const base = median(clients[0].cpuUs);
console.log(
  `model-transport: ${ROUNDS} rounds × ${CALLS} calls, c=${C}${cpus ? ', pinned' : ''}; client CPU per call (median)`,
);
for (const c of clients) {
  const cpu = median(c.cpuUs);
  console.log(
    `  ${c.name.padEnd(34)} ${cpu.toFixed(0).padStart(5)} µs  ×${(cpu / base).toFixed(2)}  ${median(c.perS).toFixed(0)} calls/s  [${c.cpuUs.map((x) => x.toFixed(0)).join(' ')}]`,
  );
}
await mock.close();
await agent.close();
