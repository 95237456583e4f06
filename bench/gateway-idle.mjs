// Idle memory of gateway bundles, on this host and in the gateway's container, interleaved:
// each round starts every variant once (A, B, … on the host, then the same in the base image),
// probes /health, waits 2 s and reads VmRSS, RssAnon and RssFile from /proc (a container's
// process too, by its host pid), then stops it.
//   node_modules/.bin/node bench/gateway-idle.mjs A/gateway.cjs[,flags] B/gateway.cjs[,flags] … [rounds=3]
// A variant's flags (after a comma, space-separated) replace the gateway's Node flags
// (GATEWAY_NODE_FLAGS, dist/deploy/types.js), so an old build runs with the flags it shipped with.
// HOST=0 / DOCKER=0 skip a side; IMAGE=tag (default agentcrate-test-base:24) is the base image.
//
// Most of an idle gateway's RSS is the Node binary's file pages, and how many of them a start
// maps depends on the page cache: the kernel maps a whole large folio on a fault, and a binary
// last read with read() (a copy, a checksum, `docker build`'s layer) sits in the cache in folios
// of up to 2 MB, where exec's own faults leave 4–16 KB ones (BENCHMARKS.md, gateway). EVICT=1
// drops the unmapped pages of each binary (and of the image's libraries) from the cache before every start (dd iflag=nocache), so
// every start fills it as the first start after a boot or a pull does; without it, the figures
// are those of whatever state the cache is in.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NODE } from './lib/paths.mjs';
import { freePort } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

const { GATEWAY_NODE_FLAGS, SERVER_ALLOCATOR_ENV } = await import(
  new URL('../dist/deploy/types.js', import.meta.url).href
);
const args = process.argv.slice(2);
const rounds = /^\d+$/.test(args.at(-1) ?? '') ? Number(args.pop()) : 3;
const variants = args.map((arg, i) => {
  const [bundle, flags] = arg.split(',');
  if (!existsSync(bundle)) throw new Error(`no bundle at ${bundle}`);
  return {
    name: String.fromCharCode(65 + i),
    bundle,
    flags: flags === undefined ? [...GATEWAY_NODE_FLAGS] : flags.split(' ').filter(Boolean),
  };
});
if (variants.length === 0) {
  console.error('usage: bench/gateway-idle.mjs A/gateway.cjs[,flags] [B/gateway.cjs[,flags] …] [rounds]');
  process.exit(2);
}
const IMAGE = process.env.IMAGE ?? 'agentcrate-test-base:24';
const EVICT = process.env.EVICT === '1';
const sides = [
  ...(process.env.HOST === '0' ? [] : ['host']),
  ...(process.env.DOCKER === '0' ? [] : ['container']),
];

const dir = mkdtempSync(join(tmpdir(), 'gateway-idle-'));
const config = join(dir, 'gateway.yaml');
// The suite's configuration; no upstream is called while idle.
writeFileSync(
  config,
  'upstreams:\n  a: {provider: openai-compatible, base_url: http://127.0.0.1:9}\nroutes:\n  bench: {targets: [a/mock-model]}\nkeys: {require: never}\n',
);

/**
 * The image's node binary and the shared libraries it loads, as host paths (overlay2's layer
 * directories), for EVICT: the image's copies of the libraries are files of their own, read
 * when the image was built. The host's libraries are mapped by every process here: left alone.
 */
function imageFiles() {
  try {
    const data = JSON.parse(
      execFileSync('docker', ['image', 'inspect', '--format', '{{json .GraphDriver.Data}}', IMAGE], {
        encoding: 'utf8',
      }),
    );
    const layers = [data.UpperDir, ...(data.LowerDir ?? '').split(':')].filter(Boolean);
    const libs = execFileSync('ldd', [NODE], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
    return ['/usr/local/bin/node', ...libs].flatMap((f) => {
      const found = layers.map((l) => join(l, f)).find((p) => existsSync(p));
      return found === undefined ? [] : [found];
    });
  } catch {
    return [];
  }
}
const cached = { host: [NODE], container: sides.includes('container') ? imageFiles() : [] };
if (EVICT && sides.includes('container') && cached.container.length === 0)
  console.error(`EVICT: the files of ${IMAGE} are not reachable on this host; their cache is left as it is`);

const evict = (files) => {
  if (EVICT)
    for (const f of files) execFileSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
};

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
}

async function healthy(port) {
  for (let i = 0; i < 400; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the gateway did not answer /health within 10 s');
}

async function once(side, v) {
  const port = await freePort();
  const env = {
    ...SERVER_ALLOCATOR_ENV,
    NODE_ENV: 'production',
    GATEWAY_PORT: String(port),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_CONFIG: side === 'host' ? config : '/cfg/gateway.yaml',
    GATEWAY_KEYS_DB: side === 'host' ? join(dir, `keys-${port}.db`) : '/tmp/keys.db',
  };
  evict(cached[side]);
  let pid;
  let stop;
  if (side === 'host') {
    const child = spawn(NODE, [...v.flags, v.bundle], {
      env: { PATH: process.env.PATH, ...env },
      stdio: 'ignore',
    });
    pid = child.pid;
    stop = () => child.kill('SIGKILL');
  } else {
    const name = `gateway-idle-${process.pid}-${port}`;
    const envArgs = Object.entries(env).flatMap(([k, val]) => ['-e', `${k}=${val}`]);
    execFileSync('docker', [
      'run',
      '-d',
      '--rm',
      '--name',
      name,
      '--network',
      'host',
      ...envArgs,
      '-v',
      `${dirname(v.bundle)}:/app:ro`,
      '-v',
      `${dir}:/cfg:ro`,
      IMAGE,
      'node',
      ...v.flags,
      '/app/gateway.cjs',
    ]);
    pid = Number(
      execFileSync('docker', ['inspect', '-f', '{{.State.Pid}}', name], { encoding: 'utf8' }).trim(),
    );
    stop = () => execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  }
  try {
    await healthy(port);
    await new Promise((r) => setTimeout(r, 2000));
    return memory(pid);
  } finally {
    stop();
  }
}

const results = new Map();
for (let r = 0; r < rounds; r++) {
  for (const side of sides) {
    // Every other round in reverse, so drift falls on all variants alike.
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      const m = await once(side, v);
      const key = `${side} ${v.name}`;
      results.set(key, [...(results.get(key) ?? []), m]);
    }
  }
}
rmSync(dir, { recursive: true, force: true });

const mb = (xs) => xs.map((x) => x.toFixed(2)).join(' ');
console.log(`page cache: ${EVICT ? 'each binary evicted before every start' : 'as found'}; ${rounds} rounds`);
for (const v of variants) console.log(`${v.name}: ${v.bundle} ${v.flags.join(' ')}`);
for (const [key, ms] of results) {
  const med = (k) => median(ms.map((m) => m[k])).toFixed(2);
  console.log(
    `${key}: RSS ${med('rss')} MB (anon ${med('anon')}, file ${med('file')}) starts=[${mb(ms.map((m) => m.rss))}]`,
  );
}
