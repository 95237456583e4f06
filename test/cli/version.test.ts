/** One version, from package.json: the CLI, the server's and the gateway's `GET /` all say it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGatewayApp } from '../../src/gateway/http/app.js';
import { VERSION } from '../../src/version.js';
import { configFrom } from '../gateway/helpers.js';
import { ROOT, runCli } from '../support/cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('one version source', () => {
  it('src/version.ts reads package.json', () => {
    expect(VERSION).toBe(pkg.version);
  });

  it('the CLI prints it', async () => {
    const r = await runCli(['--version']);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("the gateway's root says it, whatever AGENTCRATE_VERSION holds", async () => {
    const before = process.env.AGENTCRATE_VERSION;
    process.env.AGENTCRATE_VERSION = '9.9.9-elsewhere';
    try {
      const gateway = createGatewayApp({
        config: configFrom('upstreams:\n  a: {provider: openai-compatible, base_url: http://127.0.0.1:1}\n'),
        env: {},
        idleTrimMs: 0,
      });
      const body = (await (await gateway.app.request('/')).json()) as { version: string };
      await gateway.close();
      expect(body.version).toBe(pkg.version);
    } finally {
      if (before === undefined) delete process.env.AGENTCRATE_VERSION;
      else process.env.AGENTCRATE_VERSION = before;
    }
  });
});
