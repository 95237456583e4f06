/**
 * Which job and node a call to the mock model was for, for tests serving THREE_STEPS_YAML
 * (its prompts read "two n=17"): what a replica test counts to prove a node ran once.
 */
import type { MockLlm, MockRequest } from './mock-llm.js';

/** The job input (n) and node a model call is for, from its prompt. */
export function callOf(request: MockRequest): { n: string; node: string } | undefined {
  const m = /\b(one|two|three) n=(\w+)/.exec(JSON.stringify(request.body.messages ?? []));
  return m ? { node: m[1]!, n: m[2]! } : undefined;
}

/** Answered calls per `n/node`. */
export function answeredPerNode(mock: MockLlm): Map<string, number> {
  const answered = new Map<string, number>();
  for (const r of mock.chatRequests()) {
    const call = callOf(r);
    if (call && r.answered)
      answered.set(`${call.n}/${call.node}`, (answered.get(`${call.n}/${call.node}`) ?? 0) + 1);
  }
  return answered;
}
