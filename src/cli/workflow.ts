/** Loads a workflow for commands that need a valid one; invalid → printed like `validate`. */
import { relative } from 'node:path';
import { loadWorkflowFile } from '../config/index.js';
import type { Workflow } from '../config/types.js';
import { AgentcrateError } from '../errors.js';
import { formatDiagnostic } from './diagnostics.js';
import type { Output } from './output.js';

export async function loadValidWorkflow(file: string, output: Output, cwd: string): Promise<Workflow> {
  const result = await loadWorkflowFile(file);
  const shown = relative(cwd, file) || file;
  for (const d of result.diagnostics) output.err(formatDiagnostic(d, shown, output.color));
  if (!result.workflow) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    throw new AgentcrateError(
      'E_INVALID_WORKFLOW',
      `${shown} is not a valid workflow (${errors} error${errors === 1 ? '' : 's'} above); fix them and try again`,
    );
  }
  return result.workflow;
}
