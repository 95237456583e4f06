/**
 * Preflight: what the engine learns from its injected tool registry before the first model
 * call — tool settings that cannot work, missing tool credentials — stops the run at once.
 */
import { describe, expect, it } from 'vitest';
import { execute, preflightProblems } from '../../src/engine/index.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { scriptedModel } from '../support/scripted-model.js';
import { flow } from './helpers.js';

function withTool(tool: string, config: Record<string, unknown>) {
  return flow(
    'pre',
    '    out: {type: str, default: ""}',
    `  - id: act
    prompt: "go"
    outputs: [out]
    output_schema: {type: str}
    tools: [{name: ${tool}, config: ${JSON.stringify(config)}}]`,
    `  - {from: START, to: act}
  - {from: act, to: END}`,
  );
}

describe('preflight through the tool registry', () => {
  it('fails a run with a malformed tool setting before any model call, naming node and setting', async () => {
    const model = scriptedModel(() => ({ out: 'x' }));
    const plan = withTool('shell', { allowed_commands: ['ls', { command: 'git', args: 'status' }] });
    const result = await execute(plan, {}, { models: model, tools: createToolRegistry(), env: {}, cwd: '/' });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('E_INVALID_WORKFLOW');
    expect(result.error?.message).toMatch(/node 'act', tool 'shell': .*allowed_commands\[1\]\.args/);
    expect(model.calls).toHaveLength(0);
  });

  it('reports a missing tool credential, but not under dry-run', () => {
    const plan = withTool('serper_search', {});
    const tools = createToolRegistry();
    const problems = preflightProblems(plan, { models: scriptedModel(() => ({})), tools, env: {} });
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'credentials', variables: ['SERPER_API_KEY'] }),
    ]);
    const dry = { ...scriptedModel(() => ({})), dryRun: true };
    expect(preflightProblems(plan, { models: dry, tools, env: {} })).toEqual([]);
  });

  it('asks the registry it is given: a host replacing a built-in with one that needs a key', () => {
    const scrape = createToolRegistry().get('web_scrape')!;
    const tools = createToolRegistry([{ ...scrape, requiredEnv: () => [['SCRAPER_TOKEN']] }]);
    const problems = preflightProblems(withTool('web_scrape', {}), {
      models: scriptedModel(() => ({})),
      tools,
      env: {},
    });
    expect(problems.map((p) => p.variables)).toEqual([['SCRAPER_TOKEN']]);
  });
});
