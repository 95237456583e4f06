// The benchmark workflows as LangGraph.js graphs: the same prompts as bench/workflows/*.yaml,
// one model call per node through @langchain/openai pointed at the loopback mock (MOCK_URL).
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { ChatOpenAI } from '@langchain/openai';

const model = new ChatOpenAI({
  model: 'mock-model',
  apiKey: 'bench-not-a-secret',
  maxRetries: 0,
  configuration: { baseURL: process.env.MOCK_URL },
});

const State = Annotation.Root({
  topic: Annotation(),
  a: Annotation(),
  b: Annotation(),
  c: Annotation(),
});

const ask = async (prompt) => {
  const message = await model.invoke([{ role: 'user', content: prompt }]);
  return String(message.content);
};

export const one = new StateGraph(State)
  .addNode('answer', async (s) => ({ a: await ask(`Write one sentence about ${s.topic}.`) }))
  .addEdge(START, 'answer')
  .addEdge('answer', END)
  .compile();

export const three = new StateGraph(State)
  .addNode('first', async (s) => ({ a: await ask(`Write one sentence about ${s.topic}.`) }))
  .addNode('second', async (s) => ({ b: await ask(`Improve this sentence: ${s.a}`) }))
  .addNode('third', async (s) => ({ c: await ask(`Shorten this sentence: ${s.b}`) }))
  .addEdge(START, 'first')
  .addEdge('first', 'second')
  .addEdge('second', 'third')
  .addEdge('third', END)
  .compile();
