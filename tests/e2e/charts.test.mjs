// End-to-end tests of the training chart in Debian's Chromium: a backing store of CSS size x
// devicePixelRatio at 1x and 2x, the log x toggle kept in the address, the PNG download, the
// hover readout, the divergence mark, numbers that fit their cells, no horizontal scroll on a
// 390 px phone, and the system's dark scheme followed by every canvas (the curves, Figure 5, the
// spectrum strip, the first layer's images). Screenshots go to test-output/ (not committed).
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

/** Asks for a redraw and waits for it (a draw the page was going to make may be over already). */
async function redraw(page) {
  const before = await draws(page);
  await page.evaluate(async () => (await import('/www/charts.js')).scheduleChart());
  await drawAfter(page, before);
}

/** Trains until `id` shows at least `n` patterns, then pauses; then one more draw. */
async function trainTo(page, n, id = 'samples-seen') {
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, id)) >= n, 60000, `${n} patterns`);
  await page.click('[data-testid="play"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="play"]').textContent === 'Play');
  await redraw(page);
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
  // Written and measured in one task: the readouts' next frame (a late validation) rewrites the cell.
  const [cost, fits] = await page.evaluate(async () => {
    const { fmtCost } = await import('/www/format.js');
    const td = document.querySelector('[data-testid="cost-mk"]');
    td.textContent = fmtCost(4.554447070636897e+27);
    return [td.textContent, td.scrollWidth <= td.clientWidth];
  });
  assert.match(cost, /^\d\.\d{1,3}e\d+$/, 'exponent notation past 1e6');
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
  const cell = await page.evaluate(async () => {
    const { fmtCost } = await import('/www/format.js');
    const td = document.querySelector('[data-testid="cost"]');
    td.textContent = fmtCost(4.554447070636897e+27);
    return [td.textContent, td.scrollWidth, td.clientWidth];
  });
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

// ---------- dark mode (www/theme.js, src/plot/theme.rs) ----------

/**
 * Each canvas's pixels: the luminance (WCAG 2, 0..1) of its most common colour (the background)
 * and that colour, and how many grey pixels (channels within 40) are light (luminance > 0.5) or
 * dark (< 0.2): text, axes and ticks are grey ink. The first layer's images: their mean luminance.
 */
const canvasPixels = (page) => page.evaluate(() => {
  const lum = (r, g, b) => {
    const lin = (v) => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const read = (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const count = new Map();
    let light = 0, dark = 0, sum = 0;
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
      const key = (r << 16) | (g << 8) | b;
      count.set(key, (count.get(key) || 0) + 1);
      const l = lum(r, g, b);
      sum += l;
      if (Math.max(r, g, b) - Math.min(r, g, b) <= 40) { if (l > 0.5) light++; if (l < 0.2) dark++; }
    }
    let mode = 0, most = -1;
    for (const [k, n] of count) if (n > most) { most = n; mode = k; }
    const rgb = [mode >> 16, (mode >> 8) & 255, mode & 255];
    return { background: rgb, backgroundLum: lum(...rgb), light, dark, meanLum: sum / (d.length / 4), url: c.toDataURL() };
  };
  const out = {};
  for (const id of ['chart', 'figure5', 'spectrum']) out[id] = read(document.getElementById(id));
  out.firstLayer = [...document.querySelectorAll('[data-testid="first-layer"] canvas')].map(read);
  out.diagonal = getComputedStyle(document.querySelector('[data-testid="confusion-matrix"] td.diag')).backgroundColor;
  return out;
});

/** Trains a little, pauses (its validation on all test images draws the matrix), computes the lab. */
async function everyCanvasDrawn(page) {
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 3000, 60000, '3000 patterns');
  await page.click('[data-testid="play"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="play"]').textContent === 'Play');
  await page.waitForSelector('[data-testid="confusion-matrix"]:not([hidden])', { timeout: 90000 });
  await page.waitForFunction(() => /all 10,000 test images/.test(document.getElementById('val-note').textContent), null, { timeout: 90000 });
  await page.locator('#lab').scrollIntoViewIfNeeded();
  // The lab computes when it comes into view while idle; if it was in view already, Compute.
  const started = () => page.evaluate(() => Number(document.getElementById('lab').dataset.reqs || 0) > 0
    || document.getElementById('lab').getAttribute('aria-busy') === 'true');
  try {
    await waitFor(started, 5000, 'the lab started');
  } catch {
    await page.click('[data-testid="lab-compute"]');
  }
  try {
    await page.waitForFunction(() => Number(document.getElementById('lab').dataset.reqs || 0) > 0
      && document.getElementById('lab').getAttribute('aria-busy') === 'false'
      && document.getElementById('lab').dataset.figureMaxMs
      && /^The exact eigenvalues/.test(document.getElementById('spectrum').getAttribute('aria-label')), null, { timeout: 120000 });
  } catch (e) {
    const lab = await page.evaluate(() => [document.getElementById('lab-info').textContent, document.getElementById('lab').getAttribute('aria-busy'),
      { ...document.getElementById('lab').dataset }, document.getElementById('spectrum').getAttribute('aria-label')]);
    throw new Error(`${e.message}; lab: ${JSON.stringify(lab).slice(0, 1500)}`);
  }
  await page.locator('[data-testid="first-layer"]').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="first-layer"] canvas').length === 8);
  // One more draw of the chart, after the pause's validation.
  await redraw(page);
  assert.doesNotMatch(await page.textContent('[data-testid="status"]'), /failed/, 'a drawing failed');
}

/** Waits until every canvas shows `scheme` (its background's luminance on that side of 0.5). */
async function waitForScheme(page, scheme) {
  await waitFor(async () => {
    const px = await canvasPixels(page);
    const dark = [px.chart, px.figure5, px.spectrum].map((c) => c.backgroundLum < 0.5);
    return dark.every((d) => d === (scheme === 'dark'));
  }, 60000, `every canvas redrawn ${scheme}`, 500);
}

/** Screenshots of the training panel, the lab and the inside panel, as `charts-<tag>-<part>.png`. */
async function shoot(page, tag) {
  for (const id of ['training', 'lab', 'inside']) {
    await page.locator(`#${id}`).scrollIntoViewIfNeeded();
    await page.locator(`#${id}`).screenshot({ path: path.join(OUT, `charts-${tag}-${id}.png`) });
  }
  for (const id of ['figure5', 'spectrum']) await page.locator(`#${id}`).screenshot({ path: path.join(OUT, `charts-${tag}-${id}.png`) });
}

for (const [name, device, tag] of [['1280x900', DESKTOP, 'desktop'], ['390x844 touch, DPR 2', PHONE, 'phone']]) {
  test(`${name}: the system's dark scheme redraws every canvas light on dark; back to light, the same pixels as before`, () => withPage(device, async (page) => {
    await page.emulateMedia({ colorScheme: 'light' });
    await openReady(page, base);
    await everyCanvasDrawn(page);
    const light = await canvasPixels(page);
    const white = [255, 255, 255];
    for (const id of ['chart', 'figure5', 'spectrum']) {
      const c = light[id];
      assert.deepEqual(c.background, white, `light ${id}: background ${c.background}`);
      assert.ok(c.dark > 200, `light ${id}: ${c.dark} dark grey (ink) pixels`);
    }
    for (const [u, c] of light.firstLayer.entries()) assert.ok(c.meanLum > 0.5, `light first-layer unit ${u}: mean luminance ${c.meanLum}`);
    await shoot(page, `${tag}-light`);

    await page.emulateMedia({ colorScheme: 'dark' });
    await waitForScheme(page, 'dark');
    // The first layer repaints in the next frame.
    await page.locator('[data-testid="first-layer"]').scrollIntoViewIfNeeded();
    await waitFor(async () => (await canvasPixels(page)).firstLayer.every((c) => c.meanLum < 0.25), 20000, 'the first layer repainted dark');
    const dark = await canvasPixels(page);
    // The engine's dark background (src/plot/theme.rs), the page's dark --panel.
    const panel = [31, 34, 38];
    for (const id of ['chart', 'figure5', 'spectrum']) {
      const c = dark[id];
      assert.deepEqual(c.background, panel, `dark ${id}: background ${c.background}`);
      assert.ok(c.backgroundLum < 0.05, `dark ${id}: background luminance ${c.backgroundLum}`);
      assert.ok(c.light > 200, `dark ${id}: ${c.light} light grey (ink) pixels`);
      assert.ok(c.dark > light[id].light, `dark ${id}: mostly dark (${c.dark} dark grey pixels vs ${light[id].light} light ones in light mode)`);
    }
    for (const [u, c] of dark.firstLayer.entries()) assert.ok(c.meanLum < 0.25, `dark first-layer unit ${u}: mean luminance ${c.meanLum}`);
    const diag = dark.diagonal.match(/\d+/g).map(Number);
    assert.ok(Math.max(...diag) < 90, `the matrix's diagonal cells are dark: ${dark.diagonal}`);
    await shoot(page, `${tag}-dark`);

    // Back to light: every canvas exactly as it was.
    await page.emulateMedia({ colorScheme: 'light' });
    await waitForScheme(page, 'light');
    await page.locator('[data-testid="first-layer"]').scrollIntoViewIfNeeded();
    await waitFor(async () => (await canvasPixels(page)).firstLayer.every((c) => c.meanLum > 0.5), 20000, 'the first layer repainted light');
    const again = await canvasPixels(page);
    // A theme other than light or dark is an Error naming it, at each of the three wasm calls.
    const refused = await page.evaluate(async () => {
      const w = await import('/www/pkg/sifrian.js');
      const c = document.createElement('canvas');
      const why = (f) => { try { f(); return 'accepted'; } catch (e) { return e.message; } };
      return [
        why(() => w.draw_curves(c, [], 'samples', { theme: 'blue' })),
        why(() => w.draw_figure5(c, {
          layer: 1, curves: { slope: 4, numerator: 9 }, current: 0.7, sweep: [],
          spectrum: { eigenvalues: [2, -1], positive: 1, negative: 1, zero: 3, radius: 2 },
        }, { theme: 'Dark' })),
        why(() => w.chart_colors('')),
      ];
    });
    assert.match(refused[0], /options\.theme.*"blue".*light or dark/, refused[0]);
    assert.match(refused[1], /options\.theme.*"Dark"/, refused[1]);
    assert.match(refused[2], /theme.*""/, refused[2]);
    for (const id of ['chart', 'figure5', 'spectrum']) assert.equal(again[id].url === light[id].url, true, `light ${id} redrawn with other pixels`);
    assert.deepEqual(again.firstLayer.map((c) => c.url), light.firstLayer.map((c) => c.url), 'the first layer repainted with other pixels');
  }));
}
