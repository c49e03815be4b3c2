/**
 * End to end, in real Chromium (Debian's /usr/bin/chromium driven by playwright-core): a study held in
 * SQLite, run with a JavaScript objective, opened in the dashboard; its trials and charts render, a
 * trial added through the library appears without a reload, hostile strings stay text, and a
 * screenshot is saved to test-artifacts/dashboard.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../storage/index.ts';
import type { Storage } from '../storage/storage.ts';
import { type RunningDashboard, startDashboard } from './server.ts';
import { addTrial, type Fixture, makeFixture, XSS } from './testing/fixture.ts';

// The browser globals that the functions run in the page use (the project's `lib` has no DOM).
interface PageElement {
  readonly textContent: string | null;
  readonly innerHTML: string;
  readonly classList: { contains(c: string): boolean };
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
};
declare const window: Record<string, unknown>;

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `dashboard e2e test skipped: ${CHROMIUM} is absent (apt-get install chromium; CI installs it)`,
  );
}
const artifacts = join(import.meta.dirname, '../../test-artifacts');
const N = 10;

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  let f: Fixture;
  let storage: Storage;
  let server: RunningDashboard;
  let browser: Browser;

  beforeAll(async () => {
    f = await makeFixture(N);
    storage = await openStorage(f.url);
    server = await startDashboard({ storage, port: 0, token: 'e2e-token-0123', pollMs: 200 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await storage?.close();
    await f?.cleanup();
  });

  it('shows a study live: trials, charts, a new trial without reload; hostile strings stay text', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));

    // the study list, with the hostile study name as text
    await page.goto(server.url);
    await page.waitForSelector('#studies tr.study-row >> nth=1');
    expect(await page.locator('#studies tr.study-row').count()).toBe(2);
    expect(await page.locator('#studies tr.study-row a').allTextContents()).toEqual(['snn-mo', XSS]);
    await page.click(`#studies a:text-is("${XSS}")`);
    await page.waitForSelector('#study-name');
    expect(await page.textContent('#study-name')).toBe(XSS);
    expect(await page.locator('img').count()).toBe(0);

    // the multi-objective study
    await page.goto(`${server.url}#/study/snn-mo`);
    await page.waitForFunction((n) => document.querySelectorAll('#trials tr.trial-row').length === n, N);
    expect(await page.textContent('#study-name')).toBe('snn-mo');
    for (const id of ['history', 'history-time', 'feasibility', 'pareto', 'parallel', 'timeline', 'spikes']) {
      await page.waitForSelector(`#chart-${id} canvas`);
      const box = await page.locator(`#chart-${id} canvas`).first().boundingBox();
      expect(box?.width, id).toBeGreaterThan(200);
    }
    expect(await page.isVisible('#card-pareto')).toBe(true);
    // the failed trial's error and the categorical value are text in the table, not markup
    expect(await page.locator('#trials td', { hasText: XSS }).count()).toBeGreaterThan(0);
    expect(await page.locator('img').count()).toBe(0);

    // filters: by state, then by param text
    await page.selectOption('#filter-state', 'stopped');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#trials tr.trial-row')].every((r) =>
        r.classList.contains('state-stopped'),
      ),
    );
    const nStopped = await page.locator('#trials tr.trial-row').count();
    expect(nStopped).toBeGreaterThan(0);
    expect(nStopped).toBeLessThan(N);
    await page.selectOption('#filter-state', '');
    await page.fill('#filter-text', 'surrogate=fast-sigmoid');
    await page.waitForFunction((n) => document.querySelectorAll('#trials tr.trial-row').length < n, N);
    const texts = await page.locator('#trials tr.trial-row').allTextContents();
    expect(texts.every((t) => t.includes('fast-sigmoid'))).toBe(true);
    await page.fill('#filter-text', '');
    await page.waitForFunction((n) => document.querySelectorAll('#trials tr.trial-row').length === n, N);

    // sorting (by number, ascending, at first): click the "#" header → descending
    await page.click('#trials th[data-key="number"]');
    await page.waitForFunction(
      (n) => document.querySelector('#trials tbody tr')?.getAttribute('data-number') === String(n - 1),
      N,
    );

    // select a stopped trial: its spike curves and the stop step
    const stopped = (await f.storage.getTrials(f.study.id, { states: ['stopped'] }))[0];
    await page.click(`#trials tr[data-number="${stopped.number}"]`);
    await page.waitForFunction(
      (n) => document.querySelector('#trial-detail h3')?.textContent === `Trial #${n}`,
      stopped.number,
    );

    // live: a trial added through the library appears without a reload
    await page.evaluate(() => {
      window.marker = 42;
    });
    const added = await addTrial(f.storage, f.study, XSS);
    expect(added.number).toBe(N);
    await page.waitForSelector(`#trials tr[data-number="${N}"]`, { timeout: 20_000 });
    expect(await page.evaluate(() => window.marker)).toBe(42);
    expect(await page.locator('#trials tr.trial-row').count()).toBe(N + 1);
    await page.waitForFunction(() => document.querySelector('#best-value')?.textContent?.startsWith('0.97'));

    // back to ascending order for the screenshot, the new best trial selected
    await page.click('#trials th[data-key="number"]');
    await page.click(`#trials tr[data-number="${N}"]`);
    await page.waitForFunction(
      (n) => document.querySelector('#trial-detail h3')?.textContent === `Trial #${n}`,
      N,
    );
    await page.click(`#trials tr[data-number="${stopped.number}"]`);
    await page.waitForTimeout(500);

    // a tooltip (echarts writes it as HTML): show the first feasible point's, whose categorical value and
    // worker are hostile; the shared formatter escaped them
    await page.locator('#chart-feasibility').scrollIntoViewIfNeeded();
    await page.evaluate(() => {
      const ec = window.echarts as { getInstanceByDom(el: unknown): { dispatchAction(a: unknown): void } };
      ec.getInstanceByDom(document.querySelector('#chart-feasibility')).dispatchAction({
        type: 'showTip',
        seriesIndex: 0,
        dataIndex: 0,
      });
    });
    const tip = page.locator('#chart-feasibility div', { hasText: 'trial #0' }).last();
    await tip.waitFor();
    expect(await tip.textContent()).toContain(XSS);
    expect(await tip.innerHTML()).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(await page.locator('#chart-feasibility img').count()).toBe(0);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
    expect(await page.locator('img').count()).toBe(0);
    expect(problems).toEqual([]);
    // nothing but the dashboard itself was requested
    expect(
      requests.every((u) => u.startsWith(`http://127.0.0.1:${server.port}/`) || u.startsWith('data:')),
    ).toBe(true);
    await page.close();
  }, 120_000);
});
