// End-to-end tests of the training chart in Debian's Chromium: a backing store of CSS size x
// devicePixelRatio at 1x and 2x, the log x toggle kept in the address, the PNG download, the
// hover readout, the divergence mark, numbers that fit their cells, and no horizontal scroll on a
// 390 px phone. Screenshots go to test-output/ (not committed).
// Run: node --test tests/e2e/charts.test.mjs   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openReady, number, OUT, waitFor, e2eSuite, withDevice as withPage } from './harness.mjs';

let base;
const metrics = e2eSuite('e2e-charts.json', (b) => { base = b; });

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };

const draws = (page) => page.$eval('#chart', (c) => Number(c.dataset.draws || 0));

/** Waits for a draw of the chart after the `n`th (one showing at least one run). */
async function drawAfter(page, n) {
  await page.waitForFunction((k) => Number(document.getElementById('chart').dataset.draws) > k
    && Number(document.getElementById('chart').dataset.series) > 0, n, { timeout: 90000 });
}

/** The chart's CSS size, its backing store and the ratio, once a draw has sized it. */
async function chartSizes(page) {
  await drawAfter(page, 0);
  return page.$eval('[data-testid="chart-curves"]', (c) => {
    const r = c.getBoundingClientRect();
    return { css: [r.width, r.height], store: [c.width, c.height], dpr: window.devicePixelRatio };
  });
}

function assertSharp({ css, store, dpr }, want) {
  assert.equal(dpr, want, 'devicePixelRatio');
  assert.deepEqual(store, css.map((v) => Math.round(v * dpr)), `backing store ${store} = CSS size ${css} x ${dpr}`);
}

/** Trains until `id` shows at least `n` patterns, then pauses. */
async function trainTo(page, n, id = 'samples-seen') {
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, id)) >= n, 60000, `${n} patterns`);
  await page.click('[data-testid="play"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="play"]').textContent === 'Play');
  await drawAfter(page, await draws(page));
}

test('at 1x the backing store is the CSS size; the PNG download is that image', () => withPage(DESKTOP, async (page) => {
  await openReady(page, base);
  const sizes = await chartSizes(page);
  assertSharp(sizes, 1);
  metrics.desktopChart = sizes;
  await page.screenshot({ path: path.join(OUT, 'charts-desktop-first-load.png') });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-png"]')]);
  assert.match(download.suggestedFilename(), /^sifrian-curves-mnist-seed0\.png$/);
  const png = readFileSync(await download.path());
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  // IHDR: width and height, big-endian, at bytes 16..24.
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], sizes.store, 'the PNG is the backing store');
}));

test('a trained run: the readout under the pointer names each value; log x stays in the address', () => withPage(DESKTOP, async (page) => {
  await openReady(page, base);
  await trainTo(page, 8000);
  const box = await page.locator('[data-testid="chart-curves"]').boundingBox();
  // The middle of the first (cost) panel.
  await page.mouse.move(box.x + box.width / 6, box.y + box.height / 2);
  const readout = await page.textContent('[data-testid="chart-readout"]');
  assert.match(readout, /^SGD step 0\.01 at [\d,]+ patterns: cost \d\.\d+, training \d+\.\d\d %/, readout);
  assert.equal(await page.locator('.chart-dot').count(), 1, 'one dot on the point read');
  await page.screenshot({ path: path.join(OUT, 'charts-desktop-trained.png') });
  await page.mouse.move(box.x + box.width / 2, box.y - 40);
  assert.equal(await page.locator('.chart-dot').count(), 0, 'the dot goes with the pointer');

  const linear = await draws(page);
  await page.click('[data-testid="log-x"]');
  await page.waitForFunction(() => /(^|[#&])logx=1(&|$)/.test(location.hash));
  await drawAfter(page, linear);
  assert.match(await page.getAttribute('[data-testid="chart-curves"]', 'aria-label'), /log scale/);
  await page.screenshot({ path: path.join(OUT, 'charts-desktop-log-x.png') });
  const hash = await page.evaluate(() => location.hash);
  await page.goto('about:blank');
  await openReady(page, base, hash);
  assert.equal(await page.isChecked('[data-testid="log-x"]'), true, `log x from ${hash}`);
  await page.click('[data-testid="log-x"]');
  await page.waitForFunction(() => !/logx=/.test(location.hash));

  // A new run keeps the trained one as a faint curve, which the toggle hides and shows.
  assert.equal(await page.isDisabled('[data-testid="earlier-runs"]'), true, 'nothing earlier yet');
  await trainTo(page, 3000);
  await page.click('[data-testid="reset"]');
  await page.waitForSelector('[data-testid="earlier-runs"]:not([disabled])');
  // (A redraw waits up to 12 times the last draw's time: long on a busy machine.)
  await page.waitForFunction(() => document.getElementById('chart').dataset.earlier === '1', null, { timeout: 90000 });
  await page.screenshot({ path: path.join(OUT, 'charts-desktop-earlier-run.png') });
  await page.click('[data-testid="earlier-runs"]');
  await page.waitForFunction(() => document.getElementById('chart').dataset.earlier === '0', null, { timeout: 90000 });
}));

test('a diverged run: paused and marked on the chart, not rescaling the healthy one; huge costs fit', () => withPage(DESKTOP, async (page) => {
  // MK as printed at step 0.001 (seed 0) is stopped by the divergence watch after ~177k patterns
  // (README "Reliability") while SGD, the race's other side, learns on.
  await openReady(page, base, '#opt=mk&step=0.001&race=1&seed=0');
  await page.click('[data-testid="play"]');
  await page.waitForSelector('[data-testid="divergence"]:not([hidden])', { timeout: 240000 });
  await page.click('[data-testid="play"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="play"]').textContent === 'Play');
  const samples = await number(page, 'samples-seen-mk');
  const before = await draws(page);
  await page.evaluate(async () => (await import('/www/charts.js')).scheduleChart());
  await drawAfter(page, before);
  const marked = await page.evaluate(async () => (await import('/www/charts.js')).lastDrawn().series.map((s) => s.diverged_at ?? null));
  assert.deepEqual(marked, [null, samples], `the MK side is marked where it paused (${samples}), SGD is not: ${marked}`);
  const refused = await page.evaluate(async () => {
    const charts = await import('/www/charts.js');
    try { charts.markDivergence('r1', -1); } catch (e) { return e.message; }
    return '';
  });
  assert.match(refused, /samples -1/, 'a bad mark is refused by name');
  // The healthy run is not flattened: the cost panel's drawn SGD points span over 30 px.
  const spread = await page.evaluate(async () => {
    const { lastDrawn } = await import('/www/charts.js');
    const ys = lastDrawn().maps[0].points[0].map((q) => q[2]);
    return Math.max(...ys) - Math.min(...ys);
  });
  assert.ok(spread > 30, `SGD's cost curve spans ${spread} px`);
  // A cost past 1e6 (as a run without the watch reached: 4.554e27) fits its cell in exponent notation.
  await page.evaluate(async () => {
    const { fmtCost } = await import('/www/format.js');
    document.querySelector('[data-testid="cost-mk"]').textContent = fmtCost(4.554447070636897e+27);
  });
  const cost = await page.textContent('[data-testid="cost-mk"]');
  assert.match(cost, /^\d\.\d{1,3}e\d+$/, 'exponent notation past 1e6');
  const fits = await page.$eval('[data-testid="cost-mk"]', (td) => td.scrollWidth <= td.clientWidth);
  assert.ok(fits, `the cost ${cost} fits its cell`);
  await page.locator('#training').screenshot({ path: path.join(OUT, 'charts-desktop-diverged.png') });
}));

test('on a 390 px phone at 2x: sharp, stacked, no horizontal scroll, a huge cost fits', () => withPage(PHONE, async (page) => {
  await openReady(page, base);
  const sizes = await chartSizes(page);
  assertSharp(sizes, 2);
  assert.ok(sizes.css[1] > sizes.css[0], `the panels stack: ${sizes.css}`);
  metrics.phoneChart = sizes;
  const overflow = await page.evaluate(() => [document.scrollingElement.scrollWidth, innerWidth]);
  assert.ok(overflow[0] <= overflow[1], `page ${overflow[0]} px wide in a ${overflow[1]} px window`);
  // The x axis label stays on the line of its select.
  const [label, select] = await Promise.all(['label[for="x-axis"]', '[data-testid="x-axis"]'].map((s) => page.locator(s).boundingBox()));
  assert.ok(Math.abs((label.y + label.height / 2) - (select.y + select.height / 2)) < select.height / 2, 'label beside its select');
  await page.screenshot({ path: path.join(OUT, 'charts-phone-first-load.png') });
  await page.locator('#training').screenshot({ path: path.join(OUT, 'charts-phone-training-panel.png') });
  await page.evaluate(async () => {
    const { fmtCost } = await import('/www/format.js');
    document.querySelector('[data-testid="cost"]').textContent = fmtCost(4.554447070636897e+27);
  });
  const cell = await page.$eval('[data-testid="cost"]', (td) => [td.textContent, td.scrollWidth, td.clientWidth]);
  assert.equal(cell[0], '4.554e27');
  assert.ok(cell[1] <= cell[2], `the cost cell ${cell[1]} px of content in ${cell[2]} px`);
  // Counts are grouped as toLocaleString('en') groups them (fmtCount writes it without ICU).
  const grouped = await page.evaluate(async () => {
    const { fmtCount } = await import('/www/format.js');
    return [0, 7, 999, 1000, 9999, 60000, 436000.4, 1234567, -1234, 1e9].map((n) => [n, fmtCount(n), Math.round(n).toLocaleString('en')]);
  });
  for (const [n, ours, icu] of grouped) assert.equal(ours, icu, `fmtCount(${n}) = ${ours}, toLocaleString('en') = ${icu}`);
  await trainTo(page, 6000);
  const box = await page.locator('[data-testid="chart-curves"]').boundingBox();
  await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height * 0.2);
  assert.match(await page.textContent('[data-testid="chart-readout"]'), /patterns: cost/);
  const after = await page.evaluate(() => [document.scrollingElement.scrollWidth, innerWidth]);
  assert.ok(after[0] <= after[1], `after training: page ${after[0]} px wide in ${after[1]} px`);
  await page.locator('#training').screenshot({ path: path.join(OUT, 'charts-phone-trained.png') });
}));
