// The model gateways under test, behind one small interface: availability, start as a process
// on its own port in front of the shared mock(s), and the request for a route ('bench': one
// upstream; 'failover': upstream a, then b). agentcrate's gateway runs with the same Node
// flags and allocator settings as agentcrate's containers; Portkey's open-source gateway
// (@portkey-ai/gateway, bench/peers) runs its published Node server.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleOnce } from './bundles.mjs';
import { NODE, PEERS, ROOT, SCRATCH } from './paths.mjs';
import { spawnTracked, waitUntil } from './proc.mjs';

const { GATEWAY_NODE_FLAGS, SERVER_ALLOCATOR_ENV } = await import(
  new URL('../../dist/deploy/types.js', import.meta.url).href
).catch(() => ({ GATEWAY_NODE_FLAGS: [], SERVER_ALLOCATOR_ENV: {} }));

const CHAT = '/v1/chat/completions';
const MESSAGES = [{ role: 'user', content: 'Say something about gateways.' }];

async function chatOk(base, headers, body) {
  const res = await fetch(base + CHAT, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return res.status === 200 && text.includes('choices');
}

/** The gateway bundled as its container runs it (src/deploy/gateway/bundle.ts). */
const gatewayBundle = bundleOnce({
  what: 'the agentcrate gateway',
  outFile: join(SCRATCH, 'gateway', 'gateway.cjs'),
  module: 'dist/deploy/gateway/bundle.js',
  fn: 'bundleGateway',
});

export const agentcrateGateway = {
  name: 'agentcrate',
  // Bundled before any clock starts.
  available: () => gatewayBundle.available(),
  version: () => JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
  async start({ port, mockA, mockB, stateDir, logFile, logLevel = 'info' }) {
    const config = join(stateDir, 'gateway.yaml');
    writeFileSync(
      config,
      [
        'upstreams:',
        `  a: {provider: openai-compatible, base_url: ${mockA}}`,
        `  b: {provider: openai-compatible, base_url: ${mockB ?? mockA}}`,
        'routes:',
        '  bench: {targets: [a/mock-model]}',
        '  fallback-b: {targets: [b/mock-model]}',
        '  failover: {targets: [a/mock-model, b/mock-model]}',
        // The failover measure breaks upstream a on purpose, again and again.
        'breaker: {failures: 1000}',
        'keys: {require: never}',
        '',
      ].join('\n'),
    );
    const child = spawnTracked(NODE, [...GATEWAY_NODE_FLAGS, gatewayBundle.ensure()], {
      cwd: stateDir,
      logFile,
      env: {
        ...SERVER_ALLOCATOR_ENV,
        GATEWAY_CONFIG: config,
        GATEWAY_PORT: String(port),
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_KEYS_DB: join(stateDir, 'gateway.db'),
        // One JSON log line per request is part of the product: measured with it on.
        GATEWAY_LOG_LEVEL: logLevel,
      },
    });
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(() => fetch(`${base}/health`).then((r) => r.ok), {
      timeoutMs: 30000,
      what: 'agentcrate gateway',
      child,
    });
    return { child, base };
  },
  request(route, { stream = false } = {}) {
    return {
      path: CHAT,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: route === 'bench' ? 'bench' : route,
        messages: MESSAGES,
        ...(stream ? { stream: true } : {}),
      }),
    };
  },
};

/**
 * Portkey 1.15.2 as published fails every streaming chat request on Node with
 * `TypeError: immutable` (Portkey-AI/gateway#1389, #1550: it appends headers to the upstream
 * fetch Response). The harness runs a copy of its server with the maintainers' own fix
 * (PR #1551: the response is re-created before its headers are changed), one expression.
 */
const PORTKEY_DIR = join(PEERS, 'node_modules/@portkey-ai/gateway/build');
const PORTKEY_FIX_FROM = 'this.updateHeaders(i,n.cacheStatus,o)';
const PORTKEY_FIX_TO =
  '(i=new Response(i.body,{status:i.status,statusText:i.statusText,headers:new Headers(i.headers)}),this.updateHeaders(i,n.cacheStatus,o))';

function portkeyServer() {
  const patched = join(PORTKEY_DIR, 'start-server.bench.js');
  const source = readFileSync(join(PORTKEY_DIR, 'start-server.js'), 'utf8');
  if (!source.includes(PORTKEY_FIX_FROM)) {
    throw new Error(
      'Portkey server: the code the bench patches (Portkey-AI/gateway#1551) is not there; update bench/lib/gateways.mjs',
    );
  }
  writeFileSync(patched, source.replace(PORTKEY_FIX_FROM, PORTKEY_FIX_TO));
  return patched;
}

export const portkey = {
  name: 'portkey',
  available() {
    return existsSync(join(PORTKEY_DIR, 'start-server.js'))
      ? { ok: true }
      : { ok: false, why: 'not installed (npm install --prefix bench/peers)' };
  },
  version: () => {
    try {
      return JSON.parse(readFileSync(join(PEERS, 'node_modules/@portkey-ai/gateway/package.json'), 'utf8'))
        .version;
    } catch {
      return null;
    }
  },
  mocks: {},
  async start({ port, mockA, mockB, stateDir, logFile }) {
    this.mocks = { a: mockA, b: mockB ?? mockA };
    const child = spawnTracked(NODE, [portkeyServer(), `--port=${port}`, '--headless'], {
      cwd: stateDir,
      logFile,
      env: { NODE_ENV: 'production', NO_UPDATE_NOTIFIER: '1' },
    });
    const base = `http://127.0.0.1:${port}`;
    const probe = this.request('bench');
    await waitUntil(() => chatOk(base, probe.headers, probe.body), {
      timeoutMs: 30000,
      what: 'portkey',
      child,
    });
    return { child, base };
  },
  request(route, { stream = false } = {}) {
    const target = (url) => ({ provider: 'openai', api_key: 'unused', custom_host: url });
    const headers =
      route === 'failover'
        ? {
            'x-portkey-config': JSON.stringify({
              strategy: { mode: 'fallback' },
              targets: [target(this.mocks.a), target(this.mocks.b)],
            }),
          }
        : {
            authorization: 'Bearer unused',
            'x-portkey-provider': 'openai',
            'x-portkey-custom-host': route === 'fallback-b' ? this.mocks.b : this.mocks.a,
          };
    return {
      path: CHAT,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'mock-model', messages: MESSAGES, ...(stream ? { stream: true } : {}) }),
    };
  },
};

/**
 * The least a Node gateway can cost: bench/lib/node-floor-proxy.mjs (node:http in, an undici
 * Pool out, the body passed through), bundled by the gateway's own bundler (one CommonJS file,
 * undici without its index, node:http2 loaded only if used: a floor built any heavier would
 * not be a floor), with agentcrate's Node flags and allocator settings. Latency and memory
 * only; it has no routes, so no failover.
 */
const floorBundle = bundleOnce({
  what: 'the bare Node proxy',
  outFile: join(SCRATCH, 'gateway', 'node-floor-proxy.cjs'),
  module: 'dist/deploy/gateway/bundle.js',
  fn: 'bundleGateway',
  options: { entry: join(ROOT, 'bench/lib/node-floor-proxy.mjs') },
});

export const nodeFloor = {
  name: 'node-floor',
  floor: true,
  available: () => floorBundle.available(),
  version: () => process.versions.node,
  upstream: '',
  async start({ port, mockA, stateDir, logFile }) {
    this.upstream = `${mockA}/chat/completions`;
    const child = spawnTracked(
      NODE,
      [...GATEWAY_NODE_FLAGS, floorBundle.ensure(), String(port), this.upstream],
      {
        cwd: stateDir,
        logFile,
        env: { ...SERVER_ALLOCATOR_ENV },
      },
    );
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(() => fetch(`${base}/health`).then((r) => r.ok), {
      timeoutMs: 30000,
      what: 'node floor',
      child,
    });
    return { child, base };
  },
  request(_route, { stream = false } = {}) {
    return {
      path: CHAT,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-model', messages: MESSAGES, ...(stream ? { stream: true } : {}) }),
    };
  },
};

/** The mock itself: the floor every gateway adds to. */
export function direct(mockUrl) {
  const url = new URL(mockUrl);
  return {
    name: 'direct',
    base: url.origin,
    request(_route, { stream = false } = {}) {
      return {
        path: `${url.pathname}/chat/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'mock-model',
          messages: MESSAGES,
          ...(stream ? { stream: true } : {}),
        }),
      };
    },
  };
}
