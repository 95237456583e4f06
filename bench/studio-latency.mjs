// Interaction latency of the studio page in headless Chromium (not a test: speed goals live
// here and in BENCHMARKS.md). Starts `agentcrate studio` on a temp folder with the research-brief
// example, then times, each 20 times, from the input event to the next frame after the page
// changed: switching sections (Workflows → History → Costs), switching the editor's tabs (Graph ↔
// Run), typing a character into the editor. Prints medians and p95 in ms as JSON.
//   flock /work/.bench.lock node bench/studio-latency.mjs
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'studio-bench-'));
copyFileSync(join(root, 'examples/research-brief.yaml'), join(dir, 'research-brief.yaml'));
const child = spawn(
  process.execPath,
  [join(root, 'bin/agentcrate.js'), 'studio', dir, '--port', '0', '--store', join(dir, 'a.db')],
  {
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
const openUrl = await new Promise((resolve, reject) => {
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
    const m = /(http:\/\/\S+\?token=\S+)/.exec(err);
    if (m) resolve(m[1]);
  });
  child.once('exit', () => reject(new Error(err)));
});
const base = openUrl.replace(/\/\?token=.*/, '');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await page.goto(openUrl);
await page.waitForSelector('table.table');

/** ms from the input (a hash change or a click on `click`) to the frame after `selector` exists. */
async function time(action, selector) {
  return page.evaluate(
    ([act, sel]) =>
      new Promise((resolve) => {
        const t0 = performance.now();
        if (act.hash !== undefined) location.hash = act.hash;
        else document.querySelectorAll(act.click)[act.index ?? 0].click();
        const check = () => {
          if (document.querySelector(sel)) requestAnimationFrame(() => resolve(performance.now() - t0));
          else requestAnimationFrame(check);
        };
        check();
      }),
    [action, selector],
  );
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    median: Math.round(s[Math.floor(s.length / 2)] * 10) / 10,
    p95: Math.round(s[Math.floor(s.length * 0.95)] * 10) / 10,
  };
};
const nav = [];
const tabs = [];
const typing = [];
for (let i = 0; i < 20; i++) {
  nav.push(await time({ hash: '#/history' }, '.page.history'));
  nav.push(await time({ hash: '#/costs' }, '.page.costs'));
  nav.push(await time({ hash: '#/workflows' }, '.page.workflows'));
}
await page.goto(`${base}/#/edit/research-brief.yaml`);
await page.waitForSelector('.graph g[data-node="plan"]');
for (let i = 0; i < 20; i++) {
  tabs.push(await time({ click: '.tabs button', index: 1 }, '.run-form'));
  tabs.push(await time({ click: '.tabs button', index: 0 }, '.graph svg'));
}
await page.click('.cm-content');
await page.keyboard.press('End');
for (let i = 0; i < 20; i++) {
  const before = await page.evaluate(() => document.querySelector('.cm-content').textContent.length);
  const t0 = Date.now();
  await page.keyboard.type('x');
  await page.waitForFunction((n) => document.querySelector('.cm-content').textContent.length > n, before);
  typing.push(Date.now() - t0);
}
console.log(
  JSON.stringify({ navigation: stats(nav), editorTabs: stats(tabs), typingRoundTripMs: stats(typing) }),
);
await browser.close();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });
