/**
 * One live owner per SQLite store: the lease row, its heartbeat, the lock file that proves a
 * holder alive, and the fencing that keeps a stalled owner from writing after a takeover.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAgentcrateError } from '../../src/errors.js';
import { createSqliteStore } from '../../src/store/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const REGISTER = join(ROOT, 'test/server/support/register-ts.mjs');
const root = mkdtempSync(join(tmpdir(), 'agentcrate-lease-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case-${++n}`, 'jobs.db');

async function refusal(
  promise: Promise<unknown>,
): Promise<Error & { code: string; details?: Record<string, unknown> }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAgentcrateError(error), String(error)).toBe(true);
  return error as Error & { code: string; details?: Record<string, unknown> };
}

describe('the store lease (SQLite)', () => {
  it('refuses a second owner, naming pid, host and expiry; readers are not affected', async () => {
    const path = fresh();
    const owner = await createSqliteStore(path);
    const other = await createSqliteStore(path);
    try {
      const lease = await owner.acquireLease({ ttlMs: 5000 });
      expect(lease.holder).toMatchObject({ pid: process.pid, host: hostname() });
      expect(lease.tookOver).toBeUndefined();
      await owner.createJob({ id: 'j1', workflow: 'wf', inputs: {} });
      const error = await refusal(other.acquireLease());
      expect(error.code).toBe('E_STORE_LOCKED');
      expect(error.message).toContain(`pid ${process.pid} on host ${hostname()}`);
      expect(error.message).toMatch(/that process is alive\. Its lease expires in \d+\.\d s/);
      expect(error.message).toContain(path);
      expect(error.details?.owner).toMatchObject({ pid: process.pid });
      // Reading needs no lease.
      expect((await other.getJob('j1'))?.status).toBe('pending');
      // Released: the next owner takes it without suspecting anyone.
      await lease.release();
      const next = await other.acquireLease();
      expect(next.tookOver).toBeUndefined();
    } finally {
      await owner.close();
      await other.close();
    }
  });

  it('an expired lease is taken over; the stalled owner is fenced off and told why', async () => {
    const path = fresh();
    let aNow = 1_000_000;
    let bNow = 1_000_000;
    const a = await createSqliteStore(path, { now: () => aNow });
    const b = await createSqliteStore(path, { now: () => bNow });
    try {
      const lease = await a.acquireLease({ ttlMs: 1000 });
      await a.createJob({ id: 'j1', workflow: 'wf', inputs: {} });
      // a's clock stands still (a stalled process renews nothing new); b's moves on.
      bNow += 600;
      expect((await refusal(b.acquireLease({ ttlMs: 1000 }))).message).toMatch(/expires in 0\.4 s/);
      bNow += 500;
      const taken = await b.acquireLease({ ttlMs: 1000 });
      expect(taken.tookOver).toMatchObject({ reason: 'expired', holder: { id: lease.holder.id } });
      // a wakes up: its first write is refused, its lease settles as lost, it reports unready.
      aNow += 1200;
      const fenced = await refusal(a.createJob({ id: 'j2', workflow: 'wf', inputs: {} }));
      expect(fenced.code).toBe('E_STORE_LOCKED');
      expect(fenced.message).toMatch(/no longer owns the job store .* took it over/);
      expect((await lease.lost).message).toBe(fenced.message);
      expect(await a.health()).toMatchObject({ ok: false });
      expect(await b.getJob('j2')).toBeUndefined();
      await b.createJob({ id: 'j3', workflow: 'wf', inputs: {} });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('an owner killed with -9 is taken over at once, long before its lease expires', async () => {
    const path = fresh();
    const script = `
      const { createSqliteStore } = await import(${JSON.stringify(join(ROOT, 'src/store/index.ts'))});
      const store = await createSqliteStore(${JSON.stringify(path)});
      await store.acquireLease({ ttlMs: 60000 });
      console.log('owned');
      setInterval(() => {}, 1000);`;
    const child = spawn(NODE, ['--import', REGISTER, '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolveOwned, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('owned')) resolveOwned();
        });
        child.once('exit', (code) => reject(new Error(`owner exited with ${code}`)));
      });
      const store = await createSqliteStore(path);
      try {
        const alive = await refusal(store.acquireLease());
        expect(alive.message).toContain(`pid ${child.pid}`);
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        const started = Date.now();
        const lease = await store.acquireLease();
        expect(lease.tookOver).toMatchObject({ reason: 'died', holder: { pid: child.pid } });
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await store.close();
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});
