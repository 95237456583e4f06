/**
 * The studio's read-only banner in a real browser (Debian's Chromium through playwright-core):
 * a studio opened on a store that a live `serve` process owns says so on every page, naming
 * the owner; a run is refused saying why and what to do; once the owner stops, the next run
 * takes the store over and the banner goes. Screenshots in test/artifacts/studio-read-only*.png.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyContainerEnv, workflowEnvVars } from '../../src/cli/env-vars.js';
import { type RunningStudio, startStudio } from '../../src/studio/serve.js';
import { resolveStudioSettings } from '../../src/studio/settings.js';
import { THREE_STEPS_YAML } from '../server/helpers.js';
import { processFixture } from '../support/process-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/', import.meta.url).pathname;
const chromiumMissing = existsSync(CHROMIUM) ? '' : ` — skipped: no Chromium at ${CHROMIUM}`;
const WORKFLOW = `${THREE_STEPS_YAML}config:\n  llm: {provider: openai, model: mock-1}\n`;

const fx = processFixture('agentcrate-studio-read-only-', 'three.yaml', WORKFLOW);
let studio: RunningStudio | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

/** axe-core on the page: no serious or critical violation. */
async function axe(page: Page): Promise<void> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: Array<{ id: string; impact: string; help: string }>;
  };
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help}`)).toEqual([]);
}

describe.skipIf(chromiumMissing !== '')(`studio read-only banner in a browser${chromiumMissing}`, () => {
  it('names the store’s owner on every page, refuses a run saying what to do, and goes once the studio takes over', async () => {
    const store = join(fx.dir, 'served.db');
    const server = fx.serve(store);
    await server.url;
    studio = await startStudio({
      dir: fx.dir,
      settings: resolveStudioSettings({ port: '0', store }, {}),
      env: { OPENAI_API_KEY: 'test-key-not-secret', OPENAI_BASE_URL: fx.mock.url },
      deploy: { envVars: workflowEnvVars, verifyEnv: verifyContainerEnv },
    });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    // bypassCSP only lets the test inject axe-core.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const page = await context.newPage();
    mkdirSync(ARTIFACTS, { recursive: true });

    await page.goto(studio.openUrl);
    const banner = page.locator('main > p.banner.warn[role="status"]', { hasText: 'Read-only store' });
    await banner.waitFor();
    const owner = `owned by agentcrate pid ${server.child.pid}`;
    expect(await banner.textContent()).toContain(owner);
    await page.screenshot({ path: join(ARTIFACTS, 'studio-read-only.png'), fullPage: true });
    await axe(page);

    // On every page, history included; a run is refused saying who runs the store and what to do.
    await page.goto(`${studio.url}/#/history`);
    await banner.waitFor();
    await page.goto(`${studio.url}/#/edit/three.yaml`);
    await page.getByRole('tab', { name: 'Run' }).click();
    await page.fill('#in-n', '1');
    await page.getByRole('button', { name: 'Dry run' }).click();
    const refused = page.locator('p.banner.error[role="alert"]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain(owner);
    expect(await refused.textContent()).toContain('--store');
    expect(page.url()).toContain('#/edit/three.yaml');
    await banner.waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'studio-read-only-refused.png'), fullPage: true });

    // The owner stops: the next run takes the store over, and the banner goes with the state.
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.waitForURL(/#\/jobs\//);
    await page.locator('.badge.status-completed').waitFor({ timeout: 30_000 });
    await banner.waitFor({ state: 'detached', timeout: 15_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'studio-read-only-taken-over.png'), fullPage: true });
  }, 120_000);
});
