/** The gateway's log file (GATEWAY_LOG_FILE, on the container's volume): scrubbed lines, rotation by size. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createGatewayLogger } from '../../src/gateway/ops/log.js';
import { ROOT } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'agentcrate-gw-logfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'sk-log-file-secret-0123456789abcdef';
const sink = () =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

describe('gateway log file', () => {
  it('appends every line, scrubbed, in a directory it creates', async () => {
    const file = join(dir, 'logs', 'gateway.log');
    const logger = createGatewayLogger({ env: {}, secrets: [SECRET], destination: sink(), file });
    logger.info({ upstream: 'a', note: `key ${SECRET}` }, 'request');
    logger.warn({ n: 2 }, 'second');
    logger.flush?.();
    // Writes are asynchronous: wait for both lines to land.
    const deadline = Date.now() + 2000;
    while (readFileSync(file, 'utf8').trim().split('\n').length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg).sort()).toEqual(['request', 'second']);
    expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
  });

  it('rotates past its size limit, keeping one previous file', () => {
    const file = join(dir, 'rotating.log');
    const logger = createGatewayLogger({
      env: {},
      secrets: [],
      destination: sink(),
      file,
      fileMaxBytes: 2000,
    });
    for (let i = 0; i < 60; i++) logger.info({ i, pad: 'x'.repeat(50) }, 'line');
    logger.flush?.();
    expect(existsSync(`${file}.1`)).toBe(true);
    const current = readFileSync(file, 'utf8');
    const previous = readFileSync(`${file}.1`, 'utf8');
    expect(current.length).toBeLessThan(2200);
    expect(previous.length).toBeGreaterThanOrEqual(2000);
    // Nothing lost across the rotation that just happened: the last line is in the current file
    // or, if it triggered the rotation, at the end of the previous one.
    expect(`${previous}${current}`).toContain('"i":59');
  });

  it('writes the lines of a process that exits at once, to stdout and the file, scrubbed', () => {
    // Lines are gathered and written once per turn of the event loop; an exit in the same turn
    // (a gateway that cannot start logs why and exits) must still write them.
    const file = join(dir, 'exit.log');
    const log = join(ROOT, 'dist/gateway/ops/log.js');
    const script = `const { createGatewayLogger } = await import(${JSON.stringify(log)});
      const logger = createGatewayLogger({ env: {}, secrets: [${JSON.stringify(SECRET)}], file: ${JSON.stringify(file)} });
      logger.info({ n: 1, note: 'key ${SECRET}' }, 'first');
      logger.error({ n: 2 }, 'could not start');
      process.exit(1);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    for (const text of [r.stdout, readFileSync(file, 'utf8')]) {
      const lines = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.msg)).toEqual(['first', 'could not start']);
      expect(text).not.toContain(SECRET);
    }
  });
});
