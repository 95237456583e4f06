import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, Output } from 'ai';
import { httpFetch } from './dist/models/http-fetch.js';
const provider = createOpenAICompatible({ name: 'openaiCompatible', baseURL: 'http://127.0.0.1:19600/v1', supportsStructuredOutputs: true, includeUsage: true, fetch: httpFetch });
const model = provider.chatModel('mock-model');
const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
const messages = [{ role: 'user', content: 'Write a brief about containers for engineers, three sentences.' }];
async function viaGenerateText() {
  const r = await generateText({ model, system: 'You are terse.', messages, output: Output.object({ schema: jsonSchema(schema) }), maxRetries: 0, providerOptions: { openaiCompatible: { strictJsonSchema: false } } });
  return r.output;
}
async function viaDoGenerate() {
  const r = await model.doGenerate({ prompt: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: [{ type: 'text', text: messages[0].content }] }], responseFormat: { type: 'json', schema }, providerOptions: { openaiCompatible: { strictJsonSchema: false } } });
  const text = r.content.filter((c) => c.type === 'text').map((c) => c.text).join('');
  return JSON.parse(text);
}
const N = Number(process.argv[2] ?? 2000);
for (const f of [viaGenerateText, viaDoGenerate]) for (let i = 0; i < 300; i++) await f();
for (let round = 0; round < 3; round++) for (const f of [viaGenerateText, viaDoGenerate]) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) await f();
  const c = process.cpuUsage(c0);
  console.log(f.name.padEnd(16), 'cpu µs/call', ((c.user + c.system) / N).toFixed(0), 'wall µs/call', ((performance.now() - t0) * 1000 / N).toFixed(0));
}
