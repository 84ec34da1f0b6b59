/**
 * report.html in a real browser (headless Debian Chromium driven by playwright-core): every chart's inline SVG is
 * laid out with a non-zero size and drawn text, the raster and the trace charts are there with their marks, the
 * early-exit table has a row per converter, the page logs no console error and requests nothing but itself; and
 * at 1280 px and at 400 px the page does not scroll sideways (a wide table or chart scrolls inside its frame),
 * chart text stays at least 8 px on screen, and no number wraps.
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
import { readResults, renderReport } from '../../src/report/index.js';
import { FIXTURE_CONVERTERS, simulateFixture } from './report-fixture.js';
import { browserSkip, launchChromium } from '../chromium.js';

const skip = browserSkip('report.html');

/**
 * Evaluated in the page (a string: the project's tsconfig has no DOM types). Elements that must stay on one
 * line: numbers in cards and cells, table headers without a line break. An element wraps when its text's boxes
 * span more than 1.5 of its line height.
 */
const LAYOUT_PROBE = `(() => {
  const wrapped = [];
  const numeric = document.querySelectorAll('.num, table.numbers td:not(.name), table.numbers thead th:not(:has(br)), table.settings td.num');
  for (const el of numeric) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (rects.length === 0) continue;
    const style = getComputedStyle(el);
    const lineHeight = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
    const span = Math.max(...rects.map((r) => r.bottom)) - Math.min(...rects.map((r) => r.top));
    if (span > 1.5 * lineHeight || el.scrollWidth > el.clientWidth + 1) wrapped.push(el.textContent.trim());
  }
  const width = document.documentElement.clientWidth;
  const tables = [...document.querySelectorAll('table')].map((t) => {
    const frame = t.closest('.table-wrap');
    const box = (frame ?? t).getBoundingClientRect();
    return { table: t.className || 'table', right: Math.round(box.right), framed: frame !== null, overflows: t.scrollWidth > (frame ?? t).clientWidth };
  });
  // Each chart's frame, and the smallest text it draws as seen on screen (its font size times the SVG's scale).
  const charts = [...document.querySelectorAll('figure.chart .svg')].map((frame) => {
    const svg = frame.querySelector('svg');
    const scale = svg.getScreenCTM().a;
    const sizes = [...svg.querySelectorAll('text')].filter((t) => t.getBBox().width > 0).map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
    return { chart: frame.closest('figure').id, right: Math.round(frame.getBoundingClientRect().right), minText: Math.min(...sizes) };
  });
  return { checked: numeric.length, wrapped, pageOverflow: document.documentElement.scrollWidth - window.innerWidth, width, tables, charts };
})()`;

interface Layout {
  checked: number;
  wrapped: string[];
  pageOverflow: number;
  width: number;
  tables: { table: string; right: number; framed: boolean; overflows: boolean }[];
  charts: { chart: string; right: number; minText: number }[];
}

test('report.html in headless Chromium: every chart rendered with a size, no console errors, no requests', { skip, timeout: 240_000 }, async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'msat-report-browser-')), 'mnist-cnn');
  mkdirSync(dir, { recursive: true });
  // θ = λ traced too, so the raster has its two panels.
  const converters = FIXTURE_CONVERTERS.map((c) => (c.id === 'const-1' ? { ...c, traceNeurons: 2 } : c));
  writeFileSync(join(dir, 'results.json'), JSON.stringify(await simulateFixture({ every: 200, steps: 16, converters })));
  const results = await readResults(dir);
  const report = await renderReport(results, dir);
  const charts = report.figures.filter((f) => f.endsWith('.svg')).length;
  assert.equal(charts, 9, 'six charts, the raster and the traces of θ = λ and MSAT');

  // playwright's launch gives the browser a fresh temporary profile (user data dir) and removes it on close
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
    assert.equal(await tables.count(), 3, 'accuracy, cost and early exit');
    assert.equal(await tables.first().locator('tbody tr').count(), results.runs.length + 1, 'ANN row and one row per converter');
    assert.equal(await page.locator('table.exit tbody tr').count(), results.runs.length, 'early exit replayed on every converter');
    for (const href of await page.locator('figure.chart a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))) {
      assert.ok(existsSync(join(dir, href)), `link ${href} points at a written file`);
    }
    // The raster (two panels, a tick per spike) and a trace chart per traced converter.
    const raster = page.locator('#fig-raster svg');
    assert.equal(await raster.count(), 1, 'raster chart');
    assert.ok((await raster.locator('.child_layer_1_marks path').count()) > 0, 'raster: spike ticks');
    for (const label of ['θ = λ', 'MSAT DTT+DET']) assert.equal(await raster.locator('text', { hasText: label }).count(), 1, `raster panel ${label}`);
    for (const id of ['const-1', 'msat']) {
      const traces = page.locator(`#fig-traces-${id} svg`);
      assert.equal(await traces.count(), 1, `traces of ${id}`);
      assert.ok((await traces.locator('text', { hasText: 'activation units' }).count()) > 0, `traces of ${id}: y axis title`);
    }

    for (const width of [1280, 400]) {
      await page.setViewportSize({ width, height: 900 });
      const layout = (await page.evaluate(LAYOUT_PROBE)) as Layout;
      assert.ok(layout.pageOverflow <= 0, `${width} px: page is ${layout.pageOverflow} px wider than the window (tables scroll inside their frames)`);
      for (const t of layout.tables) {
        assert.ok(t.right <= layout.width, `${width} px: ${t.table} table reaches ${t.right} px of ${layout.width}`);
        assert.ok(!t.overflows || t.framed, `${width} px: ${t.table} table is wider than the page and not in a scrolling frame`);
      }
      assert.ok(layout.checked > 30, `${width} px: ${layout.checked} numeric elements checked`);
      assert.deepEqual(layout.wrapped, [], `${width} px: numbers that wrap`);
      const first = await svgs.first().boundingBox();
      assert.ok(first && first.width > 200, `${width} px: charts laid out: ${JSON.stringify(first)}`);
      assert.equal(layout.charts.length, charts);
      for (const c of layout.charts) {
        assert.ok(c.right <= layout.width, `${width} px: ${c.chart}'s frame reaches ${c.right} px of ${layout.width}`);
        // Vega's smallest labels are 10 px; on a phone a chart shrinks to four fifths at most, then scrolls in its frame.
        assert.ok(c.minText >= 7.9, `${width} px: ${c.chart}'s smallest text is ${c.minText.toFixed(1)} px on screen`);
      }
    }
    // On a phone the accuracy table is wider than the screen: it scrolls inside its frame.
    assert.ok(
      ((await page.evaluate(LAYOUT_PROBE)) as Layout).tables.some((t) => t.overflows && t.framed),
      '400 px: a table scrolls in its frame',
    );

    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [pathToFileURL(report.html).href], 'the page requests nothing but itself');
  } finally {
    await browser.close();
  }
});
