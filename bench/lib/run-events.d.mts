/** Types of run-events.mjs for the benches written in TypeScript. */
export function nodeEvents(runId: string, i: number, at: number): Array<Record<string, unknown>>;
