/**
 * The studio in a real browser (Debian's Chromium through playwright-core) against a real
 * server on loopback, a real SQLite store and, for Deploy, the real Docker engine. Each page
 * is screenshotted into test/artifacts/studio-*.png and checked with axe-core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyContainerEnv, workflowEnvVars } from '../../src/cli/env-vars.js';
import { DockerRuntime } from '../../src/deploy/runtime/docker.js';
import type { Logger } from '../../src/server/logger.js';
import { type RunningStudio, startStudio } from '../../src/studio/serve.js';
import { resolveStudioSettings } from '../../src/studio/settings.js';
import { TEST_BASE_IMAGE } from '../deploy/helpers.js';
import { freePort } from '../deploy/ports.js';
import { CHAIN } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;
const chromiumMissing = existsSync(CHROMIUM) ? '' : ` — skipped: no Chromium at ${CHROMIUM}`;
const SECRET = `sk-browser-${process.pid}-SECRETVALUE-${Date.now().toString(36)}`;
const id = `${process.pid}-${Date.now().toString(36)}`;
const CONTAINER = `studiotest-${id}`;

const engine = await new DockerRuntime().detect().then(
  () => '',
  (e: Error) => e.message,
);
const baseImage = (() => {
  if (engine) return false;
  try {
    execFileSync('docker', ['image', 'inspect', TEST_BASE_IMAGE], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const dockerSkip = engine
  ? ` — skipped: ${engine}`
  : baseImage
    ? ''
    : ` — skipped: base image ${TEST_BASE_IMAGE} absent (scripts/docker/build-base-image.sh)`;

const logLines: string[] = [];
const captureLogger: Logger = (() => {
  const log = (level: string) => (obj: unknown, msg?: string) => {
    logLines.push(`${level} ${JSON.stringify(obj)} ${msg ?? ''}`);
  };
  const l = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return { ...l, child: () => captureLogger } as unknown as Logger;
})();

let dir: string;
let studio: RunningStudio;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const responses: Array<Promise<string>> = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `studio-${name}.png`), fullPage: true });
}

/** axe-core on the current page: no serious or critical violation. */
async function axe(): Promise<void> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
  };
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    ),
  ).toEqual([]);
}

describe.skipIf(chromiumMissing !== '')(`studio in a browser${chromiumMissing}`, () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'studio-browser-'));
    const settings = resolveStudioSettings({ port: '0', store: join(dir, 'agentcrate.db') }, {});
    studio = await startStudio({
      dir,
      settings,
      env: {},
      logger: captureLogger,
      deploy: { envVars: workflowEnvVars, verifyEnv: verifyContainerEnv },
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    // bypassCSP only lets the test inject axe-core; the page's own CSP is checked by the route tests.
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    page = await context.newPage();
    page.on('response', (r) => responses.push(r.text().catch(() => '')));
    page.on('dialog', (d) => void d.accept());
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await studio?.close();
    if (!dockerSkip) {
      for (const args of [
        ['rm', '-f', CONTAINER],
        ['volume', 'rm', '-f', `${CONTAINER}-data`],
        ['image', 'rm', '-f', `${CONTAINER}:latest`],
      ]) {
        try {
          execFileSync('docker', args, { stdio: 'ignore' });
        } catch {
          // already gone
        }
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('is locked without the token and opens with it', async () => {
    const locked = await page.goto(studio.url);
    expect(locked?.status()).toBe(401);
    expect(await page.textContent('h1')).toContain('locked');
    await page.goto(studio.openUrl);
    expect(page.url()).not.toContain('token=');
    await page.getByRole('heading', { name: 'Workflows', exact: true }).waitFor();
    await shot('workflows-empty');
  });

  it('paste a workflow with a misspelt node id → marker on its line → fix → the graph updates', async () => {
    await page.getByRole('button', { name: 'Paste YAML' }).click();
    await page.fill('#new-name', 'chain.yaml');
    await page.fill('#new-text', CHAIN.replace('{from: draft, to: polish}', '{from: draft, to: polsh}'));
    await page.getByRole('button', { name: 'Create and open' }).click();
    await page.waitForURL(/#\/edit\/chain\.yaml/);
    // The misspelt id is marked where it is written (its consequences — unreachable nodes — too).
    const marked = page.locator('.cm-lintRange-error', { hasText: 'polsh' });
    await marked.waitFor();
    expect(await marked.locator('xpath=ancestor::div[contains(@class,"cm-line")]').textContent()).toBe(
      '  - {from: draft, to: polsh}',
    );
    const line = CHAIN.split('\n').findIndex((l) => l.includes('{from: draft, to: polish}')) + 1;
    const problem = page.locator('.problems li.error', { hasText: "unknown node 'polsh'" });
    expect(await problem.locator('.pos').textContent()).toBe(`${line}:23`);
    expect(await page.locator('.cm-gutter-lint .cm-lint-marker-error').count()).toBeGreaterThan(0);
    expect(await page.locator('.graph g[data-node="polish"]').count()).toBe(0);
    await shot('editor-error');

    // Fix it by typing, as an author would.
    await marked.dblclick();
    await page.keyboard.insertText('polish');
    await page.locator('.graph g[data-node="polish"]').waitFor();
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBe(0);
    expect(await page.locator('.graph g.edge.next').count()).toBe(4);
    await page.getByRole('button', { name: /^Save/ }).click();
    await page.getByText('Saved.').waitFor();
    expect(readFileSync(join(dir, 'chain.yaml'), 'utf8')).toContain('to: polish}');
    // Clicking a node moves the editor to its YAML.
    await page.locator('.graph g[data-node="title"]').click();
    const active = await page.locator('.cm-activeLine').textContent();
    expect(active).toContain('- id: title');
    await shot('editor');
    await axe();
  });

  it('dry-runs with the generated form → outputs and the trace', async () => {
    await page.getByRole('tab', { name: 'Run' }).click();
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.locator('#in-topic[aria-invalid="true"]').waitFor();
    expect(await page.locator('#in-topic-help').textContent()).toContain('required');
    await page.fill('#in-topic', 'bees');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.waitForURL(/#\/jobs\//);
    await page.locator('.badge.status-completed').waitFor({ timeout: 20_000 });
    await page.locator('.output dt', { hasText: 'polished' }).waitFor();
    await page.locator('.trace .wf-row').first().waitFor();
    expect(await page.locator('.trace .wf-row').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('.trace .wf-usage').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('tok')]),
    );
    await shot('run');
    await axe();
  });

  it('replays the finished job from its second node with an edited field → the diff shows the change', async () => {
    await page.locator('.step').nth(1).getByRole('button', { name: 'Replay from here' }).click();
    await page.locator('#rp-tone').waitFor();
    expect(await page.inputValue('#rp-tone')).toBe('"plain"');
    await page.fill('#rp-tone', '"formal"');
    await page.getByRole('button', { name: 'Replay from polish' }).click();
    await page.getByRole('heading', { name: 'Replay vs original' }).waitFor({ timeout: 20_000 });
    const changed = page.locator('.diff-table').first().locator('tr.changed', { hasText: 'tone' });
    await changed.waitFor();
    expect(await changed.locator('td.old').textContent()).toBe('plain');
    expect(await changed.locator('td.new').textContent()).toBe('formal');
    // In the final state too, only the edited field differs (the replay starts from its checkpoint).
    expect(await page.locator('.diff-table').nth(1).locator('tr.changed').allTextContents()).toEqual([
      expect.stringContaining('tone'),
    ]);
    await shot('replay');
    await axe();
  });

  it('history lists both runs and the replay; costs show a chart page', async () => {
    await page.goto(`${studio.url}/#/history`);
    await page.locator('table.table tbody tr').nth(1).waitFor();
    expect(await page.locator('.badge', { hasText: 'replay' }).count()).toBe(1);
    await shot('history');
    await axe();
    await page.goto(`${studio.url}/#/costs`);
    await page.getByRole('heading', { name: 'Costs' }).waitFor();
    await page.waitForTimeout(300);
    await shot('costs');
    await axe();
  });

  it('a pasted secret never reaches the DOM, the network responses or the logs', async () => {
    await page.goto(`${studio.url}/#/deploy/chain.yaml`);
    await page.getByRole('heading', { name: 'Environment' }).waitFor();
    const zone = page.locator('.paste-zone');
    await zone.focus();
    await zone.evaluate((el, text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, `OPENAI_API_KEY=${SECRET}\nAGENTCRATE_DRY_RUN=1\n`);
    await page.getByText(/Pasted: 2 variable/).waitFor();
    await page.locator('tr', { hasText: 'OPENAI_API_KEY' }).locator('.masked').waitFor();
    expect(await page.content()).not.toContain(SECRET);
    const inputs = await page.$$eval('input, textarea', (els) =>
      els.map((e) => (e as HTMLInputElement).value),
    );
    expect(inputs.join('\n')).not.toContain(SECRET);
    const bodies = await Promise.all(responses);
    expect(bodies.some((b) => b.includes('OPENAI_API_KEY'))).toBe(true);
    expect(bodies.filter((b) => b.includes(SECRET))).toEqual([]);
    expect(logLines.join('\n')).not.toContain(SECRET);
    expect(readFileSync(join(dir, 'deploy', 'chain', '.env'), 'utf8')).toContain(SECRET);
    await shot('deploy-env');
    await axe();
  });

  it.skipIf(dockerSkip !== '')(
    `deploys to the real engine → live build log → healthy container → logs → stop → remove${dockerSkip}`,
    async () => {
      const port = await freePort();
      await page.fill('input[placeholder="(the flow name)"]', CONTAINER);
      await page.fill('input[placeholder="node:24-slim"]', TEST_BASE_IMAGE);
      await page.locator('.deploy-form input[type="number"]').fill(String(port));
      await page.getByRole('button', { name: 'Deploy', exact: true }).click();
      await page.locator('.build-log li .phase.build').first().waitFor({ timeout: 60_000 });
      await page.locator('.banner.ok', { hasText: `${CONTAINER} is healthy` }).waitFor({ timeout: 180_000 });
      const row = page.locator(`tr[data-container="${CONTAINER}"]`);
      await row.locator('.badge.health-healthy').waitFor({ timeout: 30_000 });
      expect(await row.textContent()).toContain(`${port}->`);
      await shot('deploy');
      await row.getByRole('button', { name: 'Logs' }).click();
      await page.locator('.log-tail div').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('.log-tail').textContent()).not.toContain(SECRET);
      await shot('containers-logs');
      await axe();
      await row.getByRole('button', { name: 'Stop' }).click();
      await row.locator('.badge.state-exited').waitFor({ timeout: 30_000 });
      await row.getByRole('button', { name: 'Remove' }).click();
      await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(0);
      expect((await Promise.all(responses)).filter((b) => b.includes(SECRET))).toEqual([]);
      expect(logLines.join('\n')).not.toContain(SECRET);
    },
    300_000,
  );
});

describe('studio bundle', () => {
  it('keeps the page’s JavaScript within 300 KB gzipped', async () => {
    const { gzipSync } = await import('node:zlib');
    const { WATERFALL_SCRIPT } = await import('../../src/server/traces/waterfall.js');
    const app = readFileSync(new URL('../../dist/studio/web/app.js', import.meta.url));
    const total = gzipSync(app, { level: 9 }).length + gzipSync(WATERFALL_SCRIPT, { level: 9 }).length;
    expect(total).toBeLessThanOrEqual(300 * 1024);
    writeFileSync(join(ARTIFACTS, 'studio-bundle-size.txt'), `${total}\n`);
  });
});
