// Starts the LangGraph.js API server (the open-source in-memory server behind `langgraph dev`,
// without the file watcher) on PORT with both benchmark graphs. Its state persists to
// .langgraph_api/ under STATE_DIR, which the durability suite reuses across a kill -9.
import { startServer } from '@langchain/langgraph-api/server';

const here = new URL('.', import.meta.url).pathname;
const { host } = await startServer({
  port: Number(process.env.PORT),
  host: '127.0.0.1',
  // `langgraph dev` runs 10 jobs per worker by default; the same here.
  nWorkers: Number(process.env.N_WORKERS ?? 10),
  cwd: process.env.STATE_DIR ?? here,
  graphs: { one: `${here}graph.mjs:one`, three: `${here}graph.mjs:three` },
});
process.stdout.write(`${JSON.stringify({ ready: host })}\n`);
