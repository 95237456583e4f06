/** Diagnostics as the CLI prints them: the compiler format, in colour on a terminal. */
import { relative } from 'node:path';
import { formatDiagnostic } from '../config/diagnostics.js';
import { loadValidWorkflow } from '../config/index.js';
import type { Diagnostic, Workflow } from '../config/types.js';
import type { Output } from '../terminal/output.js';

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The path as the user would type it from where they are. */
export function shownPath(file: string, cwd: string): string {
  return relative(cwd, file) || file;
}

/**
 * In the loader's order, not re-sorted by line: it puts causes (an unknown node) before the
 * graph problems that follow from them, wherever in the file each one sits.
 */
export function printDiagnostics(output: Output, diagnostics: readonly Diagnostic[], file: string): void {
  for (const d of diagnostics) output.err(formatDiagnostic(d, file, output.color));
}

/**
 * The workflow a command runs or deploys: loaded by the one helper the server uses too, its
 * warnings printed; an invalid one is an E_INVALID_WORKFLOW error (printed by `formatError`).
 */
export async function requireWorkflow(file: string, ctx: { output: Output; cwd: string }): Promise<Workflow> {
  return (await requireWorkflowWarned(file, ctx)).workflow;
}

/** {@link requireWorkflow}, with the warnings it printed (a one-shot image keeps them). */
export async function requireWorkflowWarned(
  file: string,
  ctx: { output: Output; cwd: string },
): Promise<{ workflow: Workflow; warnings: Diagnostic[] }> {
  const shown = shownPath(file, ctx.cwd);
  const { workflow, warnings } = await loadValidWorkflow(file, { shownAs: shown });
  printDiagnostics(ctx.output, warnings, shown);
  return { workflow, warnings };
}
