/**
 * The bypasses an attack run found in `http_client` and `web_scrape`, each now refused by the
 * guarded client (src/net/). Only loopback servers are involved; names resolve through an
 * injected resolver, and blocked addresses are refused before any connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentcrateError } from '../../src/errors.js';
import type { HostLookup } from '../../src/net/index.js';
import { createToolRegistry } from '../../src/tools/index.js';
import type { ToolContext } from '../../src/tools/types.js';
import { loopbackServer, makeCtx } from './helpers.js';

const tools = createToolRegistry();
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
});

async function secretServer() {
  const server = await loopbackServer((_req, res) => res.end('internal secret'));
  servers.push(server);
  return server;
}

const lookup: HostLookup = async (hostname) => {
  const answers: Record<string, string> = {
    'evil.127.0.0.1.nip.test': '127.0.0.1',
    'db.corp.test': '10.0.0.7',
    localhost: '127.0.0.1',
  };
  const address = answers[hostname];
  if (address === undefined) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

async function denied(tool: string, url: string, ctx: ToolContext = makeCtx({ network: { lookup } })) {
  const error = (await tools
    .get(tool)!
    .run({ url }, ctx)
    .then(
      (r) => r,
      (e: unknown) => e,
    )) as AgentcrateError;
  expect(error, `${tool} ${url} was not refused`).toBeInstanceOf(AgentcrateError);
  expect(error.code).toBe('E_TOOL_DENIED');
  expect(error.message).toMatch(/refused by the outbound guard/);
  return error.message;
}

describe.each(['http_client', 'web_scrape'])('%s and the outbound guard', (tool) => {
  it('refuses [::ffff:169.254.169.254], 169.254.170.2 and metadata.google.internal. even with the private network open', async () => {
    const open = makeCtx({ network: { lookup, allowPrivateNetwork: true } });
    expect(await denied(tool, 'http://[::ffff:169.254.169.254]/latest/meta-data/', open)).toMatch(/metadata/);
    expect(await denied(tool, 'http://169.254.170.2/v2/credentials', open)).toMatch(/metadata/);
    expect(await denied(tool, 'http://metadata.google.internal./computeMetadata/v1/', open)).toMatch(
      /metadata/,
    );
  });

  it('refuses loopback however it is spelled, and names that resolve to private addresses', async () => {
    const server = await secretServer();
    const port = new URL(server.url).port;
    expect(await denied(tool, `http://127.0.0.1:${port}/`)).toMatch(/loopback/);
    expect(await denied(tool, `http://[::ffff:127.0.0.1]:${port}/`)).toMatch(/IPv4-mapped 127\.0\.0\.1/);
    expect(await denied(tool, `http://localhost:${port}/`)).toMatch(/loopback/);
    expect(await denied(tool, `http://evil.127.0.0.1.nip.test:${port}/`)).toMatch(/loopback/);
    expect(await denied(tool, 'http://db.corp.test/')).toMatch(/10\.0\.0\.7.*private/);
    expect(await denied(tool, 'http://[fe80::1]/')).toMatch(/link-local/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a redirect from one loopback port to another', async () => {
    const target = await secretServer();
    const hop = await loopbackServer((_req, res) => {
      res.writeHead(302, { location: `${target.url}/admin` });
      res.end();
    });
    servers.push(hop);
    const ctx = makeCtx({
      network: { lookup },
      config: { allowed_hosts: ['localhost'] },
    });
    const message = await denied(tool, `http://localhost:${new URL(hop.url).port}/`, ctx);
    expect(message).toMatch(/'127\.0\.0\.1' is a loopback/);
    expect(hop.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  it('reaches a listed host, and says which entry of allowed_hosts is malformed', async () => {
    const server = await secretServer();
    const ok = (await tools
      .get(tool)!
      .run({ url: server.url }, makeCtx({ config: { allowed_hosts: ['127.0.0.1'] } }))) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(ok)).toContain('internal secret');
    const bad = (await tools
      .get(tool)!
      .run({ url: server.url }, makeCtx({ config: { allowed_hosts: ['https://127.0.0.1/'] } }))
      .catch((e: unknown) => e)) as AgentcrateError;
    expect(bad.code).toBe('E_TOOL');
    expect(bad.message).toContain("tool_config.allowed_hosts entry 'https://127.0.0.1/' is not a host name");
  });
});
