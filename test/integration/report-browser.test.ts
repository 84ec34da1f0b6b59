/**
 * report.html in a real browser (headless Debian Chromium driven by playwright-core): every chart's inline SVG is
 * laid out with a non-zero size and drawn text, the page logs no console error, requests nothing but itself, and
 * does not overflow sideways on a desktop or a phone-sized window.
 *
 * Needs Chromium at /usr/bin/chromium (Debian package `chromium`; `.ci/run` installs it) or at $MSAT_CHROMIUM.
 * Without it the test fails; set MSAT_SKIP_BROWSER=1 to skip it on a machine without a browser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { readResults, renderReport } from '../../src/report/index.js';
import { simulateFixture } from './report-fixture.js';

const CHROMIUM = process.env.MSAT_CHROMIUM ?? '/usr/bin/chromium';
const skip = process.env.MSAT_SKIP_BROWSER === '1' ? 'MSAT_SKIP_BROWSER=1: browser test of report.html skipped' : false;
// Without the networking flags Chromium's background connections are refused on machines without network access.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

test('report.html in headless Chromium: every chart rendered with a size, no console errors, no requests', { skip, timeout: 240_000 }, async () => {
  if (!existsSync(CHROMIUM)) {
    assert.fail(`Chromium not found at ${CHROMIUM}: install it (Debian: apt-get install chromium) or set MSAT_SKIP_BROWSER=1 to skip this test`);
  }
  const dir = join(mkdtempSync(join(tmpdir(), 'msat-report-browser-')), 'mnist-cnn');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(await simulateFixture({ every: 200, steps: 16 })));
  const results = await readResults(dir);
  const report = await renderReport(results, dir);
  const charts = report.figures.filter((f) => f.endsWith('.svg')).length;
  assert.equal(charts, 6, 'five charts and the MSAT traces');

  // playwright's launch gives the browser a fresh temporary profile (user data dir) and removes it on close
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await context.route('**/*', async (route) => {
      requests.push(route.request().url());
      await (route.request().url() === pathToFileURL(report.html).href ? route.continue() : route.abort());
    });
    await page.goto(pathToFileURL(report.html).href, { waitUntil: 'load' });

    assert.equal(await page.title(), `msat experiment: ${results.preset}`);
    assert.equal((await page.locator('h1').textContent())?.trim(), results.preset);
    const svgs = page.locator('figure.chart svg');
    assert.equal(await svgs.count(), charts);
    for (let i = 0; i < charts; i++) {
      const svg = svgs.nth(i);
      const name = await svg.evaluate((el) => el.closest('figure')?.id ?? '?');
      const box = await svg.boundingBox();
      assert.ok(box && box.width > 300 && box.height > 150, `${name}: laid out at ${JSON.stringify(box)}`);
      // text is drawn: the chart's title and axis labels have a size of their own
      const texts = await svg.evaluate((el) => [...el.querySelectorAll('text')].filter((t) => t.getBBox().width > 0).length);
      assert.ok(texts > 5, `${name}: ${texts} visible text elements`);
    }
    const tables = page.locator('table.numbers');
    assert.equal(await tables.count(), 2);
    assert.equal(await tables.first().locator('tbody tr').count(), results.runs.length + 1, 'ANN row and one row per converter');
    for (const href of await page.locator('figure.chart a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))) {
      assert.ok(existsSync(join(dir, href)), `link ${href} points at a written file`);
    }
    // (no DOM lib in tsconfig: the page's globals are typed here by hand)
    type PageGlobals = { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
    const overflow = () => page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
    assert.ok((await overflow()) <= 0, `desktop: page is ${await overflow()} px wider than the window`);
    await page.setViewportSize({ width: 400, height: 800 });
    assert.ok((await overflow()) <= 0, `phone: page is ${await overflow()} px wider than the window (tables scroll inside their frames)`);
    const narrow = await svgs.first().boundingBox();
    assert.ok(narrow && narrow.width > 200 && narrow.width <= 400, `charts shrink with the window: ${JSON.stringify(narrow)}`);

    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [pathToFileURL(report.html).href], 'the page requests nothing but itself');
  } finally {
    await browser.close();
  }
});
