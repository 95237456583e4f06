/// <reference lib="dom" />
/**
 * The `/ui` page in a real browser (Debian's chromium through playwright-core) against a real
 * socket server whose store holds real traced runs. Skipped, saying why, without chromium.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApp } from '../../src/server/index.js';
import { createSqliteStore, type Store } from '../../src/store/index.js';
import { scriptedModel } from '../support/scripted-model.js';
import { strFields, strNode } from '../support/workflows.js';
import { runJobs } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`skipping the /ui browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);
}
const ARTIFACT = resolve('test/artifacts/ui-waterfall.png');
const KEY = 'ui-test-key-123456';

describe.skipIf(!hasChromium)('/ui trace page in chromium', () => {
  let store: Store;
  let server: ReturnType<typeof serve>;
  let base: string;
  const apps: CreatedApp[] = [];

  beforeAll(async () => {
    store = await createSqliteStore(join(mkdtempSync(join(tmpdir(), 'agentcrate-ui-')), 'ui.db'));
    // Runs made as the server makes them; the page reads them back from the store.
    const ok = await runJobs(store, { jobIds: ['job-ui-ok'], app: { apiKeys: [KEY] } });
    apps.push(ok.created);
    // A failing run of another workflow in the same store, for the red error highlighting.
    const failed = await runJobs(store, {
      jobIds: ['job-ui-failed'],
      yaml: `schema_version: "1.0"\nflow: {name: flaky}\n${strFields(['a', 'b'])}
nodes:
${strNode('fetch', 'a')}
${strNode('summarise', 'b')}
edges:
  - {from: START, to: fetch}
  - {from: fetch, to: summarise}
  - {from: summarise, to: END}
config:
  execution: {max_retries: 0}
`,
      inputs: {},
      model: scriptedModel((node) => {
        if (node === 'summarise') throw new Error('upstream 503 from provider');
        return { delayMs: 15, output: { a: 'ok' } };
      }),
    });
    apps.push(failed.created);
    expect(failed.jobs[0]!.status).toBe('failed');

    await new Promise<void>((ready) => {
      server = serve({ fetch: ok.created.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    for (const app of apps) await app.close();
    await store?.close();
  });

  it('lists the runs, draws the waterfall with the right nodes, and shows attributes on click', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${base}/ui`);

      // Without a key the data routes refuse, and the page says what to do.
      await page.waitForFunction(() =>
        (document.getElementById('error')?.textContent ?? '').includes('API key'),
      );
      await page.fill('#key', KEY);
      await page.click('#key-form button[type=submit]');
      await page.waitForSelector('tr.run');
      const rows = await page.$$eval('tr.run', (trs) => trs.map((tr) => tr.textContent ?? ''));
      expect(rows).toHaveLength(2);
      expect(rows[0]).toContain('job-ui-failed');
      expect(rows[0]).toContain('failed');
      expect(rows[1]).toContain('job-ui-ok');
      expect(rows[1]).toContain('success');
      expect(rows[1]).toContain('110'); // input tokens of the 11 model calls

      // The failed run: its failing node and call are red.
      await page.click('tr.run[data-id="job-ui-failed"]');
      await page.waitForSelector('.wf-row');
      const failedNames = await page.$$eval('.wf-row.error .wf-name', (els) =>
        els.map((e) => e.textContent ?? ''),
      );
      expect(failedNames.some((n) => n.includes('node summarise'))).toBe(true);
      expect(failedNames.some((n) => n.includes('run flaky'))).toBe(true);
      expect(
        await page.$$eval('.wf-row:not(.error) .wf-name', (els) => els.map((e) => e.textContent ?? '')),
      ).toContain('node fetch');
      const red = await page.$eval('.wf-row.error .wf-bar', (e) => getComputedStyle(e).backgroundColor);
      expect(red).toMatch(/^rgb\((207|248), (34|81), (46|73)\)$/);

      // The successful run: every node, nested by parent, in a waterfall.
      await page.click('tr.run[data-id="job-ui-ok"]');
      await page.waitForFunction(() =>
        document.getElementById('detail-title')?.textContent?.includes('job-ui-ok'),
      );
      const names = await page.$$eval('.wf-row .wf-name', (els) =>
        els.map((e) => (e.textContent ?? '').trim()),
      );
      for (const expected of [
        'run traced',
        'node plan',
        'node left',
        'node right',
        'node write',
        'node write #2',
        'node review #2',
        'node fin',
        'node each',
        'item each[0]',
        'item each[2]',
        'execute_tool file_read',
        'chat gpt-4o-mini',
        'chat mystery-model-9000',
      ]) {
        expect(names).toContain(expected);
      }
      expect(names[0]).toBe('run traced');
      // Nesting: a model call is indented deeper than its node, an item's call deeper still.
      const indent = async (text: string) =>
        page.$$eval(
          '.wf-row .wf-name',
          (els, t) =>
            els
              .filter((e) => (e.textContent ?? '').trim() === t)
              .map((e) => Number.parseFloat((e as HTMLElement).style.paddingLeft)),
          text,
        );
      expect((await indent('node left'))[0]).toBeGreaterThan((await indent('run traced'))[0]!);
      expect(Math.max(...(await indent('chat gpt-4o-mini')))).toBeGreaterThan(
        (await indent('item each[0]'))[0]!,
      );
      // Bars sit on a shared timeline: the run spans the whole width.
      const runBar = await page.$eval('.wf-row .wf-bar.run', (e) => (e as HTMLElement).style.width);
      expect(Number.parseFloat(runBar)).toBeGreaterThan(99);
      // The denied tool call is red.
      expect(
        await page.$$eval('.wf-row.error .wf-name', (els) => els.map((e) => e.textContent ?? '')),
      ).toEqual(['✖ execute_tool file_read']);

      // Clicking a span shows its attributes.
      await page.click('.wf-row:has(.wf-name:text-is("node each"))');
      await page.click('.wf-row:has(.wf-name:text-is("item each[1]")) + .wf-row');
      const attrs = await page.$eval('#attrs', (e) => e.textContent ?? '');
      expect(attrs).toContain('gen_ai.request.model');
      expect(attrs).toContain('gpt-4o-mini');
      expect(attrs).toContain('agentcrate.node.parallel_index');
      expect(attrs).toContain('agentcrate.cost.usd');

      mkdirSync(resolve('test/artifacts'), { recursive: true });
      await page.screenshot({ path: ARTIFACT, fullPage: true });
      expect(existsSync(ARTIFACT)).toBe(true);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
