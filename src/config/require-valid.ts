/**
 * For every caller that needs a workflow it can run (the CLI's run and deploy, the server):
 * load it, and on any error throw one `E_INVALID_WORKFLOW` whose message lists the errors in
 * the compiler format `validate` prints. Warnings come back with the workflow.
 */
import { AgentcrateError } from '../errors.js';
import { formatDiagnostic } from './diagnostics.js';
import { type LoadOptions, loadWorkflowFile } from './load.js';
import type { Diagnostic, LoadResult, Workflow } from './types.js';

export { type DiagnosticStyle, formatDiagnostic } from './diagnostics.js';

export interface ValidWorkflow {
  workflow: Workflow;
  warnings: Diagnostic[];
}

/**
 * `shownAs` names the file in messages (default: the path as given). The error's details
 * carry the diagnostics and the name, so a caller may print them in colour instead.
 */
export async function loadValidWorkflow(
  path: string,
  options: LoadOptions & { shownAs?: string } = {},
): Promise<ValidWorkflow> {
  const result = await loadWorkflowFile(path, options.strict === undefined ? {} : { strict: options.strict });
  return requireValid(result, options.shownAs ?? path);
}

/**
 * The same for a workflow already loaded (the studio's editor text): its workflow and warnings,
 * or the one E_INVALID_WORKFLOW error naming `shown`.
 */
export function requireValid(result: LoadResult, shown: string): ValidWorkflow {
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
  if (result.workflow) return { workflow: result.workflow, warnings };
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  throw new AgentcrateError(
    'E_INVALID_WORKFLOW',
    `${shown} is not a valid workflow (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors.map((d) => `  ${formatDiagnostic(d, shown)}`).join('\n')}`,
    { details: { file: shown, diagnostics: result.diagnostics } },
  );
}
