/**
 * The runner kit's stand-ins that keep work off a one-shot start (kit/builtins.ts,
 * kit/plugin.ts), each evaluated in a fresh Node process: what they load at import, and that
 * they still work on first use.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinModuleText } from '../../../src/deploy/oneshot/kit/builtins.js';
import { lazyEventSourceStream } from '../../../src/deploy/oneshot/kit/plugin.js';

const tmp = mkdtempSync(join(tmpdir(), 'agentcrate-kit-shims-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs an ES module in a fresh node; returns its stdout lines. */
function runModule(name: string, text: string): string[] {
  const file = join(tmp, name);
  writeFileSync(file, text);
  const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30_000 });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.trim().split('\n');
}

const LOADED = `const loaded = (id) => process.moduleLoadList.includes('NativeModule ' + id);`;

describe('the kit shims of Node built-ins', () => {
  it("node:fs's promises getter is read on first use, not at import", () => {
    writeFileSync(join(tmp, 'fs-shim.mjs'), builtinModuleText('fs') as string);
    const lines = runModule(
      'fs-check.mjs',
      [
        "import { promises, readFileSync } from './fs-shim.mjs';",
        LOADED,
        "console.log(loaded('internal/fs/promises'));",
        `console.log((await promises.readFile(${JSON.stringify(join(tmp, 'fs-shim.mjs'))}, 'utf8')).length > 0);`,
        "console.log(loaded('internal/fs/promises'), typeof promises, typeof readFileSync);",
      ].join('\n'),
    );
    expect(lines).toEqual(['false', 'true', 'true object function']);
  });

  it('node:crypto, node:zlib and node:fs/promises load on first use: functions, classes and instanceof work', () => {
    for (const name of ['crypto', 'zlib', 'fs/promises']) {
      writeFileSync(join(tmp, `${name.replace('/', '-')}-shim.mjs`), builtinModuleText(name) as string);
    }
    const lines = runModule(
      'first-use-check.mjs',
      [
        "import { randomUUID, Hash, createHash } from './crypto-shim.mjs';",
        "import zlib, { gzipSync, gunzipSync } from './zlib-shim.mjs';",
        "import { readFile } from './fs-promises-shim.mjs';",
        LOADED,
        "console.log(loaded('crypto'), loaded('zlib'), loaded('fs/promises'));",
        'console.log(/^[0-9a-f-]{36}$/.test(randomUUID()), createHash("sha256") instanceof Hash);',
        "console.log(gunzipSync(gzipSync('hi')).toString(), typeof zlib.createGunzip);",
        `console.log((await readFile(${JSON.stringify(join(tmp, 'crypto-shim.mjs'))}, 'utf8')).length > 0);`,
        "console.log(loaded('crypto'), loaded('zlib'), loaded('fs/promises'));",
      ].join('\n'),
    );
    expect(lines).toEqual(['false false false', 'true true', 'hi function', 'true', 'true true true']);
  });
});

describe("eventsource-parser's stream in the kit", () => {
  const require = createRequire(import.meta.url);
  const streamFile = join(dirname(require.resolve('eventsource-parser')), 'stream.js');

  it('is defined on first construction (no web streams at import) and parses events as before', () => {
    const text = lazyEventSourceStream(readFileSync(streamFile, 'utf8'), streamFile).replaceAll(
      '"./index.js"',
      JSON.stringify(pathToFileURL(join(dirname(streamFile), 'index.js')).href),
    );
    writeFileSync(join(tmp, 'sse-shim.mjs'), text);
    const lines = runModule(
      'sse-check.mjs',
      [
        "import { EventSourceParserStream, ParseError } from './sse-shim.mjs';",
        LOADED,
        "console.log(loaded('internal/webstreams/readablestream'), typeof ParseError);",
        'const events = [];',
        "const source = new Response('data: one\\n\\nevent: x\\ndata: two\\n\\n').body.pipeThrough(new TextDecoderStream());",
        'for await (const e of source.pipeThrough(new EventSourceParserStream())) events.push(`${e.event ?? ""}:${e.data}`);',
        "console.log(events.join(','), new EventSourceParserStream() instanceof TransformStream);",
      ].join('\n'),
    );
    expect(lines).toEqual(['false function', ':one,x:two true']);
  });

  it('refuses a version of the module with another shape, at the kit build', () => {
    expect(() => lazyEventSourceStream('export class EventSourceParserStream {}', 'stream.js')).toThrow(
      /does not have the shape the one-shot kit plugin expects/,
    );
  });
});
