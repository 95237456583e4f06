/**
 * `dataframe_to_csv` (configurable-agents' name): writes table-shaped data to a CSV file,
 * confined like `file_write`. The input shapes are the ones pandas' `DataFrame(data)` takes and
 * the output is what its `to_csv(path, index=…)` writes for them, so files stay the same for
 * workflows moving over: columns in first-seen order, `True`/`False`, empty cells for null,
 * minimal quoting, `\n` line ends, an unnamed index column when `index` is true. (One
 * difference: pandas turns an integer column with a missing value into floats, `1.0`; numbers
 * here are written as they came.)
 */
import { z } from 'zod';
import { AgentcrateError } from '../../errors.js';
import { parseArgs } from '../args.js';
import type { ToolDefinition } from '../types.js';
import { writeConfined } from './file-tools.js';

const csvInput = z.object({
  data: z
    .union([
      z.array(z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())])),
      z.record(z.string(), z.array(z.unknown())),
    ])
    .describe('The table: a list of row objects, a list of row lists, or an object of column lists.'),
  path: z
    .string()
    .min(1)
    .describe('CSV file to write, inside the allowed paths (parent folders are created).'),
  index: z.boolean().optional().describe('Write the row numbers as a first, unnamed column (default false).'),
});

interface Table {
  columns: string[];
  rows: unknown[][];
}

/** The input as columns and rows, as pandas would build the frame. */
export function toTable(data: z.output<typeof csvInput>['data']): Table {
  if (Array.isArray(data)) {
    if (data.every((row) => Array.isArray(row))) {
      const width = Math.max(0, ...data.map((row) => row.length));
      const columns = Array.from({ length: width }, (_, i) => String(i));
      return { columns, rows: data.map((row) => columns.map((_, i) => row[i] ?? null)) };
    }
    if (data.some((row) => Array.isArray(row))) {
      throw new AgentcrateError(
        'E_TOOL',
        'dataframe_to_csv: data mixes row lists and row objects; use one shape',
      );
    }
    const objects = data as Array<Record<string, unknown>>;
    const columns = [...new Set(objects.flatMap((row) => Object.keys(row)))];
    return { columns, rows: objects.map((row) => columns.map((column) => row[column] ?? null)) };
  }
  const columns = Object.keys(data);
  const lengths = new Set(columns.map((column) => data[column]!.length));
  if (lengths.size > 1) {
    const sizes = columns.map((column) => `${column}: ${data[column]!.length}`).join(', ');
    throw new AgentcrateError('E_TOOL', `dataframe_to_csv: all columns must have the same length (${sizes})`);
  }
  const height = columns.length === 0 ? 0 : data[columns[0]!]!.length;
  return {
    columns,
    rows: Array.from({ length: height }, (_, r) => columns.map((column) => data[column]![r] ?? null)),
  };
}

function field(value: unknown): string {
  const text =
    value === null || value === undefined
      ? ''
      : typeof value === 'boolean'
        ? value
          ? 'True'
          : 'False'
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line; a lone empty field is written `""` so the row does not read as a blank line. */
function line(fields: unknown[]): string {
  return fields.length === 1 && field(fields[0]) === '' ? '""' : fields.map(field).join(',');
}

export function toCsv(table: Table, index: boolean): string {
  if (table.columns.length === 0 && table.rows.length === 0) return '\n';
  const lines = [line([...(index ? [''] : []), ...table.columns])];
  table.rows.forEach((row, r) => {
    lines.push(line([...(index ? [r] : []), ...row]));
  });
  return `${lines.join('\n')}\n`;
}

export const dataframeToCsvTool: ToolDefinition = {
  name: 'dataframe_to_csv',
  aliases: [],
  description:
    'Write a table to a CSV file inside the allowed paths. data is a list of row objects (or row lists), or an object of equal-length column lists. Returns the path, rows written and columns.',
  inputSchema: csvInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('dataframe_to_csv', csvInput, args);
    let table: Table | undefined;
    const written = await writeConfined(
      'dataframe_to_csv',
      input.path,
      () => {
        table = toTable(input.data);
        return toCsv(table, input.index === true);
      },
      ctx,
    );
    return { path: written.path, rows_written: table!.rows.length, columns: table!.columns };
  },
};
