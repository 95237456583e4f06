/** Builds workflows for tests from YAML text through the real loader. */
import { loadWorkflowFromString } from '../../src/config/index.js';
import type { Workflow } from '../../src/config/types.js';

/** The smallest valid workflow: one node writing one field from a required input. */
export const ONE_NODE = `schema_version: "1.0"
flow: {name: demo}
state:
  fields:
    topic: {type: str, required: true}
    out: {type: str, default: ""}
nodes:
  - id: write
    prompt: "Write about {state.topic}"
    outputs: [out]
    output_schema: {type: str}
edges:
  - {from: START, to: write}
  - {from: write, to: END}
`;

export function workflowFrom(yaml: string): Workflow {
  const result = loadWorkflowFromString(yaml, { file: 'test.yaml' });
  if (!result.workflow) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(`test workflow invalid:\n${errors.map((d) => `${d.path}: ${d.message}`).join('\n')}`);
  }
  return result.workflow;
}

/** One node `id` asked `prompt`, from a required str input to a str output, with `tools`. */
export function oneToolNode(o: {
  name: string;
  input: string;
  output: string;
  id: string;
  prompt: string;
  tools: string[];
}): Workflow {
  return workflowFrom(`schema_version: "1.0"
flow: {name: ${o.name}}
state:
  fields:
    ${o.input}: {type: str, required: true}
    ${o.output}: {type: str, default: ""}
nodes:
  - id: ${o.id}
    prompt: "${o.prompt}"
    outputs: [${o.output}]
    output_schema: {type: str}
    tools: [${o.tools.join(', ')}]
edges:
  - {from: START, to: ${o.id}}
  - {from: ${o.id}, to: END}
`);
}

/** A workflow from its parts: `fields`, `nodes` and `edges` are YAML blocks, already indented. */
export function workflowOf(
  name: string,
  fields: string,
  nodes: string,
  edges: string,
  config = '',
): Workflow {
  return workflowFrom(`schema_version: "1.0"
flow: {name: ${name}}
state:
  fields:
${fields}
nodes:
${nodes}
edges:
${edges}
${config}`);
}

/** A node with one str output and a prompt. */
export function strNode(id: string, output: string, prompt = `do ${id}`, extra = ''): string {
  return `  - id: ${id}
    prompt: "${prompt}"
    outputs: [${output}]
    output_schema: {type: str}
${extra}`;
}

export function strFields(names: string[], extra = ''): string {
  return `state:
  fields:
${names.map((n) => `    ${n}: {type: str, default: ""}`).join('\n')}
${extra}`;
}
