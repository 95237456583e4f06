/** Builds workflows for tests from YAML text through the real loader. */
import { loadWorkflowFromString } from '../../src/config/index.js';
import type { Workflow } from '../../src/config/types.js';

export function workflowFrom(yaml: string): Workflow {
  const result = loadWorkflowFromString(yaml, { file: 'test.yaml' });
  if (!result.workflow) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(`test workflow invalid:\n${errors.map((d) => `${d.path}: ${d.message}`).join('\n')}`);
  }
  return result.workflow;
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
