import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KNOWN_TOOLS } from '../../src/config/known-tools.js';
import type { Workflow } from '../../src/config/types.js';
import { AgentcrateError } from '../../src/errors.js';
import { createToolRegistry, toolResultText } from '../../src/tools/index.js';
import type { ToolDefinition } from '../../src/tools/types.js';
import { workflowOf } from '../support/workflows.js';

describe('tool registry', () => {
  const registry = createToolRegistry();

  it('knows exactly the names and aliases the config room accepts', () => {
    for (const [name, canonical] of KNOWN_TOOLS) {
      expect(registry.canonical(name), name).toBe(canonical);
      expect(registry.get(name)?.name, name).toBe(canonical);
    }
    const ours = registry.names().flatMap((name) => [name, ...(registry.get(name)?.aliases ?? [])]);
    expect(new Set(ours)).toEqual(new Set(KNOWN_TOOLS.keys()));
  });

  it('resolves the documented aliases', () => {
    expect(registry.canonical('http_get')).toBe('http_client');
    expect(registry.canonical('http_post')).toBe('http_client');
    expect(registry.canonical('read_file')).toBe('file_read');
    expect(registry.canonical('write_file')).toBe('file_write');
    expect(registry.canonical('list_directory')).toBe('file_glob');
    expect(registry.canonical('json_read')).toBe('json_parse');
    expect(registry.canonical('json_write')).toBe('json_parse');
    expect(registry.canonical('no_such_tool')).toBeUndefined();
    expect(registry.get('no_such_tool')).toBeUndefined();
  });

  it('gives every tool a description and described input fields', () => {
    for (const name of registry.names()) {
      const tool = registry.get(name)!;
      expect(tool.description.length, name).toBeGreaterThan(20);
      const schema = z.toJSONSchema(tool.inputSchema) as {
        properties?: Record<string, { description?: string }>;
      };
      for (const [field, prop] of Object.entries(schema.properties ?? {})) {
        expect(prop.description, `${name}.${field}`).toBeTruthy();
      }
    }
  });

  it('lets extra tools add to and replace built-ins', async () => {
    const custom: ToolDefinition = {
      name: 'web_scrape',
      aliases: ['scrape'],
      description: 'stand-in scraper for tests',
      inputSchema: z.object({}),
      requiredEnv: () => [],
      run: async () => 'stubbed',
    };
    const withExtra = createToolRegistry([custom]);
    expect(withExtra.canonical('scrape')).toBe('web_scrape');
    expect(await withExtra.get('web_scrape')!.run({}, undefined as never)).toBe('stubbed');
    expect(withExtra.names()).toContain('shell');
  });

  it('refuses an extra tool whose alias clashes with another tool', () => {
    const clash: ToolDefinition = {
      name: 'mine',
      aliases: ['shell'],
      description: 'clashing alias',
      inputSchema: z.object({}),
      requiredEnv: () => [],
      run: async () => null,
    };
    expect(() => createToolRegistry([clash])).toThrow(/clashes/);
  });
});

/** A workflow whose nodes use the given tools (`node: [tool, {tool config}]`). */
function usingTools(uses: Array<[string, string, Record<string, unknown>?]>): Workflow {
  const nodes = uses
    .map(
      ([node, tool, config], index) => `  - id: ${node}
    prompt: "p"
    outputs: [out${index}]
    output_schema: {type: str}
    tools: [{name: ${tool}, config: ${JSON.stringify(config ?? {})}}]`,
    )
    .join('\n');
  const fields = uses.map((_, index) => `    out${index}: {type: str, default: ""}`).join('\n');
  const edges = uses
    .map(([node]) => `  - {from: START, to: ${node}}\n  - {from: ${node}, to: END}`)
    .join('\n');
  return workflowOf('t', fields, nodes, edges);
}

describe('registry.missingCredentials', () => {
  const registry = createToolRegistry();

  it('names SERPER_API_KEY for serper_search and groups nodes', () => {
    const missing = registry.missingCredentials(
      usingTools([
        ['research', 'serper_search'],
        ['more', 'serper_search'],
        ['save', 'file_write'],
      ]),
      {},
    );
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({
      tool: 'serper_search',
      nodes: ['research', 'more'],
      variables: ['SERPER_API_KEY'],
    });
    expect(missing[0]!.message).toContain('SERPER_API_KEY');
    expect(missing[0]!.message).toContain('research');
  });

  it('asks for either search key for web_search, and is satisfied by either', () => {
    const workflow = usingTools([['search_web', 'web_search']]);
    const missing = registry.missingCredentials(workflow, { SERPER_API_KEY: '  ' });
    expect(missing[0]!.message).toContain('SERPER_API_KEY or TAVILY_API_KEY');
    expect(missing[0]!.variables).toEqual(['SERPER_API_KEY', 'TAVILY_API_KEY']);
    expect(registry.missingCredentials(workflow, { TAVILY_API_KEY: 'tvly-x' })).toEqual([]);
    expect(registry.missingCredentials(workflow, { SERPER_API_KEY: 'k' })).toEqual([]);
  });

  it('follows web_search config.provider', () => {
    const workflow = usingTools([['n', 'web_search', { provider: 'tavily' }]]);
    expect(registry.missingCredentials(workflow, { SERPER_API_KEY: 'k' })[0]!.variables).toEqual([
      'TAVILY_API_KEY',
    ]);
  });

  it('reports nothing for tools without credentials', () => {
    const names = ['web_scrape', 'http_client', 'file_read', 'sql_query', 'json_parse', 'env_vars', 'shell'];
    expect(registry.missingCredentials(usingTools(names.map((tool, i) => [`n${i}`, tool])), {})).toEqual([]);
  });
});

describe('registry.configProblems and allowedPaths', () => {
  const registry = createToolRegistry();

  it('names the node, the tool and the setting of a malformed tool config', () => {
    const workflow = usingTools([
      ['fine', 'shell', { allowed_commands: ['ls'] }],
      ['broken', 'shell', { allowed_commands: [{ command: 'git', args: [] }] }],
    ]);
    expect(registry.configProblems(workflow)).toEqual([
      { node: 'broken', tool: 'shell', message: expect.stringContaining('allowed_commands[0].args') },
    ]);
  });

  it('resolves allowed_paths against the working directory', () => {
    expect(registry.allowedPaths({ allowed_paths: ['/'] }, '/tmp', {})).toEqual(['/']);
    expect(registry.allowedPaths({}, '/', { ALLOWED_PATHS: '/' })).toEqual(['/']);
  });
});

describe('toolResultText', () => {
  it('passes strings through and compacts objects to JSON', () => {
    expect(toolResultText('hello')).toBe('hello');
    expect(toolResultText({ a: 1, b: [true, null] })).toBe('{"a":1,"b":[true,null]}');
    expect(toolResultText(undefined)).toBe('');
    expect(toolResultText(10n)).toBe('"10"');
  });

  it('caps long results and says so', () => {
    const text = toolResultText('x'.repeat(100_000));
    expect(text.length).toBeLessThan(25_000);
    expect(text).toMatch(/truncated 76000 characters/);
    expect(toolResultText('abcdef', 3)).toBe('abc… [truncated 3 characters]');
  });

  it('survives circular structures and errors', () => {
    const loop: Record<string, unknown> = { name: 'a' };
    loop.self = loop;
    expect(toolResultText(loop)).toBe('{"name":"a","self":"[circular]"}');
    expect(toolResultText(new AgentcrateError('E_TOOL', 'boom'))).toContain('boom');
  });
});
