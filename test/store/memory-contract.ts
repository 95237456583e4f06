/**
 * The memory part of the Store contract (called from runStoreContract, so every Store
 * implementation runs it): namespacing, exact-part queries, ordered atomic changes, paging,
 * deletes, limits, and durability across a reopen.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAgentcrateError } from '../../src/errors.js';
import type { MemoryChange, Store } from '../../src/store/index.js';
import { NOT_REOPENED, type StoreFixture } from './contract.js';

const set = (agent: string, workflow: string, node: string, key: string, value: unknown): MemoryChange => ({
  op: 'set',
  agent,
  workflow,
  node,
  key,
  value,
});

async function expectInvalid(promise: Promise<unknown>, text: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAgentcrateError(error), String(error)).toBe(true);
  expect(error).toMatchObject({ code: 'E_INVALID_INPUT', message: expect.stringContaining(text) });
}

export function runMemoryContract(makeStore: () => Promise<StoreFixture>): void {
  describe('memory', () => {
    let fixture: StoreFixture;
    let store: Store;
    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('stores JSON values under their namespace and reads them back', async () => {
      const before = Date.now();
      await store.memory.apply([
        {
          ...set('bot', '*', '*', 'prefs', { theme: 'dark', langs: ['en', 'fr'], n: 1.5, ok: null }),
          jobId: 'j1',
        },
        set('bot', 'daily', '*', 'last', 'AI news ✓'),
        set('bot', 'daily', 'fetch', 'count', 3),
      ]);
      const prefs = await store.memory.get('bot:*:*:prefs');
      expect(prefs).toEqual({
        namespace: 'bot:*:*:prefs',
        agent: 'bot',
        workflow: '*',
        node: '*',
        key: 'prefs',
        value: { theme: 'dark', langs: ['en', 'fr'], n: 1.5, ok: null },
        updatedAt: expect.any(Number),
        jobId: 'j1',
      });
      expect(prefs!.updatedAt).toBeGreaterThanOrEqual(before);
      expect((await store.memory.get('bot:daily:*:last'))?.value).toBe('AI news ✓');
      expect((await store.memory.get('bot:daily:fetch:count'))?.value).toBe(3);
      expect(await store.memory.get('bot:daily:*:missing')).toBeUndefined();
    });

    it('overwrites on set and applies a batch in order', async () => {
      await store.memory.apply([set('a', '*', '*', 'k', 1), set('a', '*', '*', 'k', 2)]);
      expect((await store.memory.get('a:*:*:k'))?.value).toBe(2);
      await store.memory.apply([
        { op: 'delete', agent: 'a', workflow: '*', node: '*', key: 'k' },
        set('a', '*', '*', 'k', 'again'),
      ]);
      expect((await store.memory.get('a:*:*:k'))?.value).toBe('again');
      await store.memory.apply([{ ...set('a', '*', '*', 'k', 3), jobId: 'j2' }]);
      expect(await store.memory.get('a:*:*:k')).toMatchObject({ value: 3, jobId: 'j2' });
    });

    it('lists by exact parts and key prefix, in namespace order, page by page', async () => {
      await store.memory.apply([
        set('bot', '*', '*', 'user:name', 'Ada'),
        set('bot', '*', '*', 'user:lang', 'en'),
        set('bot', 'daily', '*', 'user:x', 1),
        set('bot', 'daily', 'n1', 'k', 2),
        set('other', '*', '*', 'user:name', 'Bob'),
        set('bot', '*', '*', 'a%b', 'literal'),
      ]);
      const agentScope = await store.memory.list({ agent: 'bot', workflow: '*', node: '*' });
      expect(agentScope.entries.map((e) => e.key)).toEqual(['a%b', 'user:lang', 'user:name']);
      expect(agentScope.nextCursor).toBeNull();
      expect((await store.memory.list({ agent: 'bot' })).entries).toHaveLength(5);
      expect((await store.memory.list({ keyPrefix: 'user:' })).entries.map((e) => e.namespace)).toEqual([
        'bot:*:*:user:lang',
        'bot:*:*:user:name',
        'bot:daily:*:user:x',
        'other:*:*:user:name',
      ]);
      // % and _ in a prefix match themselves, not anything
      expect((await store.memory.list({ keyPrefix: 'a%' })).entries.map((e) => e.key)).toEqual(['a%b']);
      expect((await store.memory.list({ keyPrefix: 'u_er' })).entries).toEqual([]);
      const all: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await store.memory.list({ limit: 2, ...(cursor ? { cursor } : {}) });
        all.push(...result.entries.map((e) => e.namespace));
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
      expect(all).toEqual((await store.memory.list({ limit: 1000 })).entries.map((e) => e.namespace));
      expect(all).toHaveLength(6);
    });

    it('deletes one entry or every entry a query matches', async () => {
      await store.memory.apply([
        set('bot', '*', '*', 'a', 1),
        set('bot', 'w', '*', 'b', 2),
        set('bot', 'w', 'n', 'c', 3),
        set('keep', '*', '*', 'a', 4),
      ]);
      expect(await store.memory.delete('bot:*:*:a')).toBe(true);
      expect(await store.memory.delete('bot:*:*:a')).toBe(false);
      expect(await store.memory.deleteMatching({ agent: 'bot', workflow: 'w' })).toBe(2);
      expect((await store.memory.list()).entries.map((e) => e.namespace)).toEqual(['keep:*:*:a']);
      await expectInvalid(store.memory.deleteMatching({}), 'at least one of');
    });

    it('refuses bad changes whole: nothing of the batch is kept', async () => {
      await expectInvalid(store.memory.apply([set('a', '*', '*', '', 1)]), 'key must be a non-empty string');
      await expectInvalid(
        store.memory.apply([
          set('a', '*', '*', 'ok', 1),
          set('a', '*', '*', 'big', 'x'.repeat(1024 * 1024 + 1)),
        ]),
        'the limit is',
      );
      await expectInvalid(store.memory.apply([set('a', '*', '*', 'u', undefined)]), 'not JSON data');
      expect((await store.memory.list()).entries).toEqual([]);
      await expectInvalid(store.memory.list({ limit: 0 }), 'limit');
      await expectInvalid(store.memory.list({ cursor: 'nonsense' }), 'cursor');
    });

    it('outlives the jobs that wrote it', async () => {
      await store.createJob({ id: 'mem-job', workflow: 'wf', inputs: {} });
      await store.claimJob('mem-job');
      await store.memory.apply([{ ...set('wf', 'wf', '*', 'k', 1), jobId: 'mem-job' }]);
      await store.completeJob('mem-job', {
        outputs: {},
        executionTimeMs: 1,
        usage: { inputTokens: 0, outputTokens: 0 },
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await store.deleteFinishedBefore(Date.now() + 1000)).toBe(1);
      expect((await store.memory.get('wf:wf:*:k'))?.value).toBe(1);
    });

    it('is durable across a reopen', async (ctx) => {
      if (fixture.reopen === undefined) return ctx.skip(NOT_REOPENED);
      await store.memory.apply([set('d', '*', '*', 'k', { v: [1] })]);
      await store.close();
      const reopened = await fixture.reopen();
      try {
        expect((await reopened.memory.get('d:*:*:k'))?.value).toEqual({ v: [1] });
      } finally {
        await reopened.close();
      }
    });
  });
}
