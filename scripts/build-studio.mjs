// Bundles the studio's page (src/studio/web) with esbuild into dist/studio/web/app.js and
// app.css: no CDN, nothing fetched at run time. Called by build.mjs; prints the sizes.
import { mkdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** `outDir`: where app.js and app.css go (default dist/studio/web/). Returns their sizes and the bundled inputs. */
export async function buildStudio(rootPath, { quiet = false, outDir } = {}) {
  const root = pathToFileURL(rootPath.endsWith('/') ? rootPath : `${rootPath}/`);
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined; // installed without devDependencies: dist/ ships prebuilt
  }
  const out = outDir
    ? pathToFileURL(outDir.endsWith('/') ? outDir : `${outDir}/`)
    : new URL('dist/studio/web/', root);
  mkdirSync(out, { recursive: true });
  const result = await esbuild.build({
    metafile: true,
    entryPoints: [new URL('src/studio/web/main.tsx', root).pathname],
    outfile: new URL('app.js', out).pathname,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'error',
    tsconfig: new URL('src/studio/web/tsconfig.json', root).pathname,
  });
  const sizes = {};
  for (const f of ['app.js', 'app.css']) {
    const buf = readFileSync(new URL(f, out));
    sizes[f] = { bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
  }
  if (!quiet) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    console.error(
      `studio: app.js ${kb(sizes['app.js'].bytes)} (${kb(sizes['app.js'].gzip)} gzipped), app.css ${kb(sizes['app.css'].bytes)}`,
    );
  }
  return { sizes, inputs: Object.keys(result.metafile.inputs) };
}
