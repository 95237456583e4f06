// The main thread's cost of handing the SQLite store's writes to a worker thread, without the
// store: each event-loop turn posts the writes of `runs` served 1-step runs (the job, its claim,
// its five events, its completion) as one message and awaits one message of their results
// (20-field jobs), as a writer worker answering a turn's group would. Prints the main thread's
// busy time per run (event-loop utilization) and the CPU per run of both threads.
//   node_modules/.bin/node bench/worker-messages.mjs [runs per turn=9] [turns=3000]
import { Worker } from 'node:worker_threads';
import { nodeEvents } from './lib/run-events.mjs';

const w = new Worker(
  `
const { parentPort } = require('node:worker_threads');
const job = (id) => ({ id, status: 'completed', workflow: 'bench_one', inputs: { topic: 'cats' }, outputs: { answer: 'mock answer text' }, error: null,
  createdAt: Date.now(), startedAt: Date.now(), completedAt: Date.now(), executionTimeMs: 5, attempts: 1, crashes: 0, blamedCrashes: 0, maxCrashes: 3,
  idempotencyKey: null, webhookUrl: null, progress: { step: 1, nodesDone: ['answer'] }, usage: { inputTokens: 60, outputTokens: 4 } });
parentPort.on('message', (ops) => {
  parentPort.postMessage(ops.map((op) => op.m === 'appendEvents' ? 1 : job(op.a[0])));
});`,
  { eval: true },
);
const ev = (id) => [
  {
    type: 'run-start',
    runId: id,
    at: Date.now(),
    workflow: 'bench_one',
    inputs: { topic: 'cats' },
    resumed: false,
    dryRun: false,
  },
  ...nodeEvents(id, 1, Date.now()),
  {
    type: 'run-end',
    runId: id,
    at: Date.now(),
    status: 'success',
    outputs: { answer: 'mock' },
    usage: { inputTokens: 60, outputTokens: 4 },
    durationMs: 6,
    steps: 1,
  },
];
const RUNS_PER_TURN = Number(process.argv[2] ?? 9);
const turns = Number(process.argv[3] ?? 3000);
let n = 0;
const turn = () =>
  new Promise((resolve) => {
    const ops = [];
    for (let r = 0; r < RUNS_PER_TURN; r++) {
      const id = `job-${n++}`;
      ops.push({
        m: 'createJob',
        a: [{ id, workflow: 'bench_one', inputs: { topic: 'cats' }, claim: true }],
      });
      ops.push({ m: 'claimJob', a: [id] });
      ops.push({ m: 'appendEvents', a: [id, ev(id)] });
      ops.push({
        m: 'completeJob',
        a: [
          id,
          {
            outputs: { answer: 'mock answer text' },
            executionTimeMs: 5,
            usage: { inputTokens: 60, outputTokens: 4 },
            progress: { step: 1, nodesDone: ['answer'] },
          },
        ],
      });
    }
    w.once('message', resolve);
    w.postMessage(ops);
  });
for (let i = 0; i < 300; i++) await turn();
const c0 = process.cpuUsage();
const e0 = performance.eventLoopUtilization();
for (let i = 0; i < turns; i++) await turn();
const elu = performance.eventLoopUtilization(e0);
const cpu = process.cpuUsage(c0);
console.log(
  `${RUNS_PER_TURN} runs per turn: main-thread busy ${((elu.active * 1000) / (turns * RUNS_PER_TURN)).toFixed(1)} µs per run (process CPU ${((cpu.user + cpu.system) / (turns * RUNS_PER_TURN)).toFixed(1)} µs per run, both threads)`,
);
await w.terminate();
