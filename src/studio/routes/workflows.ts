/**
 * Workflow files: the list with validity, one file with its diagnostics and graph, saving,
 * creating (new, upload, paste), and validating the editor's text as the author types.
 */
import { formatSchemaJson } from '../../config/index.js';
import { inputsSchema } from '../../server/openapi.js';
import { jsonBody, type StudioApp, type StudioContext, stringField } from '../context.js';
import { workflowGraph } from '../graph.js';
import { validateText } from '../workspace.js';

/** Diagnostics, graph and input schema of a text: what the editor shows beside it. */
export function analyse(text: string, file?: string) {
  const result = validateText(text, file);
  const workflow = result.workflow;
  return {
    valid: workflow !== undefined,
    diagnostics: result.diagnostics.map(({ file: _file, ...d }) => d),
    flowName: workflow?.flow.name ?? null,
    graph: workflow ? workflowGraph(workflow) : null,
    inputs: workflow ? inputsSchema(workflow) : null,
    state: workflow
      ? workflow.state.map((f) => ({
          name: f.name,
          type: f.typeText,
          required: f.required,
          description: f.description ?? null,
        }))
      : null,
  };
}

export function registerWorkflowRoutes(api: StudioApp, ctx: StudioContext): void {
  const schema = JSON.stringify(formatSchemaJson());
  api.get('/schema', (c) => c.body(schema, 200, { 'content-type': 'application/json; charset=utf-8' }));

  api.get('/workflows', async (c) =>
    c.json({ dir: ctx.workspace.root, workflows: await ctx.workspace.list() }),
  );

  api.get('/workflows/file', async (c) => {
    const name = c.req.query('name') ?? '';
    const file = await ctx.workspace.read(name);
    return c.json({ ...file, ...analyse(file.text, ctx.workspace.confine(name)) });
  });

  api.put('/workflows/file', async (c) => {
    const body = await jsonBody(c, ctx);
    const name = stringField(body, 'name')!;
    const text = stringField(body, 'text')!;
    const saved = await ctx.workspace.write(name, text);
    return c.json({ ...saved, ...analyse(text, ctx.workspace.confine(name)) });
  });

  api.post('/workflows', async (c) => {
    const body = await jsonBody(c, ctx);
    const name = stringField(body, 'name')!;
    const text = stringField(body, 'text')!;
    const saved = await ctx.workspace.write(name, text, { create: true });
    return c.json({ ...saved, ...analyse(text, ctx.workspace.confine(name)) }, 201);
  });

  api.post('/validate', async (c) => {
    const body = await jsonBody(c, ctx);
    const text = stringField(body, 'text')!;
    const name = stringField(body, 'name', false);
    return c.json(analyse(text, name === undefined ? undefined : ctx.workspace.confine(name)));
  });
}
