/** `agentcrate validate <file...> [--json] [--strict]`: exit 0 valid, 1 invalid, 2 usage/I-O. */
import { relative } from 'node:path';
import { loadWorkflowFile } from '../../config/index.js';
import type { Diagnostic } from '../../config/types.js';
import { isAgentcrateError } from '../../errors.js';
import type { CommandContext } from '../commands.js';
import { formatDiagnostic, plural } from '../diagnostics.js';

interface FileReport {
  file: string;
  valid: boolean;
  workflow?: { name: string; nodes: number; edges: number };
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export default async function validate(ctx: CommandContext): Promise<number> {
  const strict = ctx.options.strict === true;
  const reports: FileReport[] = [];
  let ioFailure = false;
  for (const file of ctx.args) {
    const shown = relative(ctx.cwd, file) || file;
    try {
      const result = await loadWorkflowFile(file, { strict });
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

  if (ctx.options.json === true) {
    ctx.output.out(JSON.stringify({ valid: reports.every((r) => r.valid), files: reports }, null, 2));
  } else {
    const c = ctx.output.color;
    for (const r of reports) {
      for (const d of [...r.errors, ...r.warnings].sort(byPosition))
        ctx.output.err(formatDiagnostic(d, r.file, c));
      if (r.valid) {
        const extra = r.warnings.length ? ` (${plural(r.warnings.length, 'warning')})` : '';
        ctx.output.err(
          `${c.green('✓')} ${r.file} is valid: '${r.workflow?.name}', ${plural(r.workflow?.nodes ?? 0, 'node')}${extra}`,
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

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}
