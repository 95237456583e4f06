/** The workflow the `--api configurable-agents` socket tests serve: one field of each type upstream checks. */
import { workflowFrom } from '../../support/workflows.js';

export const WORKFLOW = workflowFrom(`schema_version: "1.0"
flow: {name: article_writer}
state:
  fields:
    topic: {type: str, required: true, description: What to write about}
    count: {type: int, default: 1}
    ratio: {type: float, default: 0.5}
    draft: {type: bool, default: false}
    tags: {type: "list[int]", default: []}
    article: {type: str, default: ""}
nodes:
  - id: write
    prompt: "write {state.count} on {state.topic} tags {state.tags} ratio {state.ratio} draft {state.draft}"
    outputs: [article]
    output_schema: {type: str}
edges:
  - {from: START, to: write}
  - {from: write, to: END}
`);
