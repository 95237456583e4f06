// The floor: the least a durable server of LLM workflows does per run, as a yardstick for
// agentcrate's own per-run cost (BENCHMARKS.md, "agentcrate / floor"). node:http; parse the JSON
// body; insert a job row into SQLite (WAL) before the model call; one keep-alive request per
// step to the model with a json_schema response format, each step reading the previous answer;
// parse the answer; update the job row; answer JSON. No API, traces, events or resume: what
// agentcrate does beyond this is what its features cost.
//   PORT=… MOCK_URL=http://127.0.0.1:…/v1 FLOOR_DB=floor.db FLOOR_STEPS=1|3 node bench/floor/server.mjs
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import { DatabaseSync } from 'node:sqlite';

const steps = Number(process.env.FLOOR_STEPS ?? 1);
const model = new URL(`${process.env.MOCK_URL}/chat/completions`);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const db = new DatabaseSync(process.env.FLOOR_DB ?? 'floor.db');
// The same durability settings as agentcrate's SQLite store (src/store/sqlite/schema.ts).
db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
  CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, input TEXT NOT NULL,
    output TEXT, created_at INTEGER NOT NULL, updated_at INTEGER)`);
const insert = db.prepare("INSERT INTO jobs (id, status, input, created_at) VALUES (?, 'running', ?, ?)");
const finish = db.prepare('UPDATE jobs SET status = ?, output = ?, updated_at = ? WHERE id = ?');
const PROMPTS = ['Write one sentence about ', 'Improve this sentence: ', 'Shorten this sentence: '];
const FORMAT = {
  type: 'json_schema',
  json_schema: {
    name: 'response',
    schema: {
      type: 'object',
      properties: { answer: { type: 'string' } },
      required: ['answer'],
      additionalProperties: false,
    },
  },
};

function readJson(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (error) {
        reject(error);
      }
    });
    stream.on('error', reject);
  });
}

function callModel(prompt) {
  const body = JSON.stringify({
    model: 'mock-model',
    response_format: FORMAT,
    messages: [{ role: 'user', content: prompt }],
  });
  return new Promise((resolve, reject) => {
    const req = request(model, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) =>
      readJson(res)
        .then((r) => {
          if (res.statusCode !== 200) throw new Error(`model answered ${res.statusCode}`);
          return JSON.parse(r.choices[0].message.content).answer;
        })
        .then(resolve, reject),
    );
    req.on('error', reject);
    req.end(body);
  });
}

createServer(async (req, res) => {
  const send = (status, value) => {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  if (req.method === 'GET' && req.url === '/health') return send(200, { status: 'ok' });
  if (req.method !== 'POST' || req.url !== '/run') return send(404, { error: 'not found' });
  let input;
  try {
    input = await readJson(req);
    if (typeof input?.topic !== 'string') throw new Error('topic must be a string');
  } catch (error) {
    return send(400, { error: error.message });
  }
  const id = randomUUID();
  insert.run(id, JSON.stringify(input), Date.now());
  try {
    const outputs = { topic: input.topic };
    let previous = input.topic;
    for (let i = 0; i < steps; i++) {
      previous = await callModel(PROMPTS[i % PROMPTS.length] + previous);
      outputs[steps === 1 ? 'answer' : 'abc'[i]] = previous;
    }
    finish.run('success', JSON.stringify(outputs), Date.now(), id);
    send(200, { status: 'success', job_id: id, outputs });
  } catch (error) {
    finish.run('failed', JSON.stringify({ error: error.message }), Date.now(), id);
    send(502, { status: 'failed', job_id: id, error: error.message });
  }
}).listen(Number(process.env.PORT ?? 0), '127.0.0.1', function announce() {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${this.address().port}` }));
});
