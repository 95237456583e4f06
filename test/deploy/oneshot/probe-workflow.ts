/** A one-node echo workflow with the given model settings and tools, loaded and validated. */
import type { Workflow } from '../../../src/config/types.js';
import { workflowFrom } from '../../support/workflows.js';

export function probeWorkflow(llm: string, tools: string[] = []): Workflow {
  const source = `schema_version: "1.0"
flow: {name: kit-probe}
config:
  llm: {${llm}}
state:
  fields:
    message: {type: str, required: true}
    result: {type: str, default: ""}
nodes:
  - id: echo
    prompt: "Repeat: {state.message}"
    outputs: [result]
    output_schema: {type: object, fields: [{name: result, type: str}]}
${tools.length > 0 ? `    tools: [${tools.join(', ')}]\n` : ''}edges:
  - {from: START, to: echo}
  - {from: echo, to: END}
`;
  return workflowFrom(source);
}
