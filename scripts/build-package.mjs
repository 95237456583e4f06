// Makes what the packed package runs (npm's `prepack`; dist/ must be built first):
//   lib/cli/     the CLI as one ESM entry (main.mjs) and chunks loaded when a command needs them
//   lib/server/  the server bundle `deploy` copies into images (the same bundleServer as a checkout)
//   lib/gateway/ the model gateway's container entry (one CommonJS file, src/deploy/gateway/bundle.ts),
//                which `deploy --with-gateway` copies likewise
//   lib/oneshot/ the one-shot runner kit `build` copies parts of into images (the same buildKit)
//   lib/THIRD-PARTY-LICENSES.txt  the licences of the packages bundled into either
// Everything in `dependencies` stays an import resolved at run time; everything else is inlined,
// so an install fetches no package with install scripts and needs neither src/ nor esbuild.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildStudio } from './build-studio.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const lib = join(root, 'lib');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const { BUNDLE_BANNER, BUNDLE_EXTERNALS, bundleServer, DEFAULT_SERVER_ENTRY } = await import(
  new URL('../dist/deploy/bundle.js', import.meta.url).href
);
const { bundleGateway } = await import(new URL('../dist/deploy/gateway/bundle.js', import.meta.url).href);
const { buildKit } = await import(new URL('../dist/deploy/oneshot/kit/build.js', import.meta.url).href);
const { deferModulesPlugin } = await import(
  new URL('../dist/deploy/runtime/defer-plugin.js', import.meta.url).href
);

const started = performance.now();
rmSync(lib, { recursive: true, force: true });

// Every file of the CLI sits in lib/cli/ (no chunk subfolder), so paths the code makes from
// import.meta.url mean the same in each of them.
const cli = await build({
  absWorkingDir: root,
  entryPoints: { main: join(root, 'src/cli/main.ts') },
  outdir: join(lib, 'cli'),
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  banner: { js: BUNDLE_BANNER },
  // esbuild is only reached when bundling a server from source, which a package never does.
  external: [...BUNDLE_EXTERNALS, 'esbuild', ...Object.keys(pkg.dependencies ?? {})],
  define: {
    __AGENTCRATE_VERSION__: JSON.stringify(pkg.version),
    __AGENTCRATE_SERVER_BUNDLE__: JSON.stringify('../server/server.mjs'),
    __AGENTCRATE_GATEWAY_BUNDLE__: JSON.stringify('../gateway/gateway.cjs'),
    __AGENTCRATE_ONESHOT_KIT__: JSON.stringify('../oneshot/'),
    __AGENTCRATE_ONESHOT_BASE_SCRIPT__: JSON.stringify('../../scripts/docker/build-oneshot-base.sh'),
  },
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
  // dockerode's rarely used modules (its BuildKit session's gRPC, the SSH transport, tar-fs)
  // evaluated on first use, as in a checkout (src/deploy/runtime/deferred-modules.ts).
  plugins: [deferModulesPlugin()],
});

const server = await bundleServer({ outFile: join(lib, 'server/server.mjs'), entry: DEFAULT_SERVER_ENTRY });
const gateway = await bundleGateway({ outFile: join(lib, 'gateway/gateway.cjs') });
const { kit } = await buildKit(join(lib, 'oneshot'));
// The studio's page, beside the CLI chunks that serve it (they look for ./web/ next to themselves).
const studio = await buildStudio(root, { quiet: true, outDir: join(lib, 'cli', 'web') });

// The server bundle is cached by its inputs; the CLI's metafile lists a superset of them.
const packages = bundledPackages([...Object.keys(cli.metafile.inputs), ...studio.inputs]);
writeFileSync(join(lib, 'THIRD-PARTY-LICENSES.txt'), licenceText(packages));

const cliBytes = Object.values(cli.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(
  `build-package: lib/cli ${kb(cliBytes)} in ${readdirSync(join(lib, 'cli')).length} files, ` +
    `lib/server ${kb(server.bytes)} in ${server.files.length} files, ` +
    `lib/gateway ${kb(gateway.bytes)} in ${gateway.files.length} files, ` +
    `lib/oneshot ${kb(Object.values(kit.manifest.files).reduce((sum, f) => sum + f.bytes, 0))}, ${packages.length} bundled packages ` +
    `(${Math.round(performance.now() - started)} ms)`,
);

function kb(bytes) {
  return `${Math.round(bytes / 1024)} KB`;
}

/** The package directories (node_modules/<name> or node_modules/@scope/<name>) of bundled inputs. */
function bundledPackages(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const parts = input.split(/[\\/]/);
    const at = parts.lastIndexOf('node_modules');
    if (at < 0) continue;
    const depth = parts[at + 1]?.startsWith('@') ? 3 : 2;
    dirs.add(parts.slice(0, at + depth).join(sep));
  }
  return [...dirs]
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
      return {
        dir: join(root, dir),
        name: manifest.name,
        version: manifest.version,
        license: manifest.license,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

function licenceText(packages) {
  const out = [
    `agentcrate ${pkg.version} bundles the following packages into lib/cli (the studio page included) and lib/server.`,
    'Each is listed with its licence as its author published it.',
    '',
  ];
  for (const p of packages) {
    const file = readdirSync(p.dir).find((f) => /^(licen[cs]e|copying)(\..*)?$/i.test(f));
    out.push('='.repeat(78), `${p.name}@${p.version} — ${p.license ?? 'see the package'}`, '');
    out.push(
      file ? readFileSync(join(p.dir, file), 'utf8').trim() : `(no licence file in ${relative(root, p.dir)})`,
    );
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

if (!existsSync(join(lib, 'cli/main.mjs')) || !existsSync(dirname(server.outFile))) {
  throw new Error('build-package: lib/ is incomplete');
}
