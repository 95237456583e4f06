import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KNOWN_TOOLS } from '../../src/config/known-tools.js';
import { AgentcrateError } from '../../src/errors.js';
import { createToolRegistry, missingToolCredentials, toolResultText } from '../../src/tools/index.js';
import type { ToolDefinition } from '../../src/tools/types.js';

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

describe('missingToolCredentials', () => {
  it('names SERPER_API_KEY for serper_search and groups nodes', () => {
    const missing = missingToolCredentials(
      [
        { nodeId: 'research', canonical: 'serper_search', config: {} },
        { nodeId: 'more', canonical: 'serper_search', config: {} },
        { nodeId: 'save', canonical: 'file_write', config: {} },
      ],
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
    const uses = [{ nodeId: 'search_web', canonical: 'web_search', config: {} }];
    const missing = missingToolCredentials(uses, { SERPER_API_KEY: '  ' });
    expect(missing[0]!.message).toContain('SERPER_API_KEY or TAVILY_API_KEY');
    expect(missing[0]!.variables).toEqual(['SERPER_API_KEY', 'TAVILY_API_KEY']);
    expect(missingToolCredentials(uses, { TAVILY_API_KEY: 'tvly-x' })).toEqual([]);
    expect(missingToolCredentials(uses, { SERPER_API_KEY: 'k' })).toEqual([]);
  });

  it('follows web_search config.provider', () => {
    const uses = [{ nodeId: 'n', canonical: 'web_search', config: { provider: 'tavily' } }];
    const missing = missingToolCredentials(uses, { SERPER_API_KEY: 'k' });
    expect(missing[0]!.variables).toEqual(['TAVILY_API_KEY']);
  });

  it('reports nothing for tools without credentials', () => {
    const names = ['web_scrape', 'http_client', 'file_read', 'sql_query', 'json_parse', 'env_vars', 'shell'];
    expect(
      missingToolCredentials(
        names.map((canonical) => ({ nodeId: 'n', canonical, config: {} })),
        {},
      ),
    ).toEqual([]);
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
