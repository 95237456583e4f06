/**
 * A long chain workflow, for the tests and the bench that need a large file: START → n0 → … →
 * n(N-1) → END, each node reading the previous node's output (n0 the required input `topic`).
 * One flow-style line per field, node and edge keeps 40,000 nodes under the loader's 5 MB limit.
 * Erasable TypeScript: bench/chain-serve.mjs imports it straight on Node 24.
 */
export function chainWorkflow(nodes: number): string {
  const lines = ['schema_version: "1.0"', 'flow:', `  name: chain_${nodes}`, 'state:', '  fields:'];
  lines.push('    topic: {type: str, required: true}');
  for (let i = 0; i < nodes; i++) lines.push(`    f${i}: str`);
  lines.push('nodes:');
  for (let i = 0; i < nodes; i++) {
    const prev = i === 0 ? 'topic' : `f${i - 1}`;
    lines.push(`- {id: n${i}, prompt: "{${prev}}", outputs: [f${i}], output_schema: {type: str}}`);
  }
  lines.push('edges:', '- {from: START, to: n0}');
  for (let i = 0; i + 1 < nodes; i++) lines.push(`- {from: n${i}, to: n${i + 1}}`);
  lines.push(`- {from: n${nodes - 1}, to: END}`);
  return `${lines.join('\n')}\n`;
}
