/** `agentcrate schema`: the JSON Schema of the workflow format, for editors. */
import { formatSchemaJson } from '../../config/index.js';
import type { SchemaContext } from '../commands/schema.js';

export default async function schema(ctx: SchemaContext): Promise<number> {
  ctx.output.out(JSON.stringify(formatSchemaJson(), null, 2));
  return 0;
}
