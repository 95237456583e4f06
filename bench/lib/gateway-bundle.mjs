// One gateway bundle (a gateway.cjs built with bundleGateway) started as its container runs it,
// in front of a mock, with the one route the A/B scripts ask for ('bench' → the mock's model):
// the container's Node flags and allocator settings, its log on, its own directory and port.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE } from './paths.mjs';
import { freePort, spawnTracked, waitUntil } from './proc.mjs';

const { GATEWAY_NODE_FLAGS, SERVER_ALLOCATOR_ENV } = await import(
  new URL('../../dist/deploy/types.js', import.meta.url).href
).catch(() => ({ GATEWAY_NODE_FLAGS: [], SERVER_ALLOCATOR_ENV: {} }));

/** Starts `bundle`; `flags` are extra Node flags, `env` extra environment. Resolves once /health answers. */
export async function startGatewayBundle(name, bundle, mock, { flags = [], env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bundle-'));
  const port = await freePort();
  const config = join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    `upstreams:\n  a: {provider: openai-compatible, base_url: ${mock.url}}\nroutes:\n  bench: {targets: [a/mock-model]}\nkeys: {require: never}\n`,
  );
  const child = spawnTracked(NODE, [...GATEWAY_NODE_FLAGS, ...flags, bundle], {
    cwd: dir,
    logFile: join(dir, 'out.log'),
    env: {
      ...SERVER_ALLOCATOR_ENV,
      GATEWAY_CONFIG: config,
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_KEYS_DB: join(dir, 'gateway.db'),
      GATEWAY_LOG_LEVEL: 'info',
      ...env,
    },
  });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(() => fetch(`${base}/health`).then((r) => r.ok), { timeoutMs: 90000, what: name, child });
  return { name, child, base, dir };
}
