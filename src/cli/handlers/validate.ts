/** `agentcrate validate <file...> [--json] [--strict]`: exit 0 valid, 1 invalid, 2 usage/I-O. */
import { loadWorkflowFile } from '../../config/index.js';
import type { Diagnostic } from '../../config/types.js';
import { isAgentcrateError } from '../../errors.js';
import type { ValidateContext } from '../commands/validate.js';
import { plural, printDiagnostics, shownPath } from '../diagnostics.js';

interface FileReport {
  file: string;
  valid: boolean;
  workflow?: { name: string; nodes: number; edges: number };
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export default async function validate(ctx: ValidateContext): Promise<number> {
  const reports: FileReport[] = [];
  let ioFailure = false;
  for (const file of ctx.args.files) {
    const shown = shownPath(file, ctx.cwd);
    try {
      const result = await loadWorkflowFile(file, { strict: ctx.options.strict });
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
      reports.push({
        file: shown,
        valid: errors.length === 0,
        ...(result.workflow
          ? {
              workflow: {
                name: result.workflow.flow.name,
                nodes: result.workflow.nodes.length,
                edges: result.workflow.edges.length,
              },
            }
          : {}),
        errors,
        warnings,
      });
    } catch (error) {
      if (!isAgentcrateError(error)) throw error;
      ioFailure = true;
      reports.push({
        file: shown,
        valid: false,
        errors: [{ severity: 'error', code: error.code, path: '', message: error.message }],
        warnings: [],
      });
    }
  }

  if (ctx.options.json) {
    ctx.output.out(JSON.stringify({ valid: reports.every((r) => r.valid), files: reports }, null, 2));
  } else {
    const c = ctx.output.color;
    for (const r of reports) {
      printDiagnostics(ctx.output, [...r.errors, ...r.warnings], r.file);
      if (r.valid) {
        const extra = r.warnings.length ? ` (${plural(r.warnings.length, 'warning')})` : '';
        const edges = ctx.verbose ? `, ${plural(r.workflow?.edges ?? 0, 'edge')}` : '';
        ctx.output.err(
          `${c.green('✓')} ${r.file} is valid: '${r.workflow?.name}', ${plural(r.workflow?.nodes ?? 0, 'node')}${edges}${extra}`,
        );
      } else {
        ctx.output.err(
          `${c.red('✗')} ${r.file}: ${plural(r.errors.length, 'error')}${r.warnings.length ? `, ${plural(r.warnings.length, 'warning')}` : ''}`,
        );
      }
    }
  }
  if (ioFailure) return 2;
  return reports.every((r) => r.valid) ? 0 : 1;
}
