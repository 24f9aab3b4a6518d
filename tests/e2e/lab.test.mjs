// End-to-end tests of the Sifrian lab in Debian's Chromium: Figure 5, the exact spectrum against
// Eq. 62, inertia and radius both ways, the directions table, the slider, the cache, responsiveness
// on the paper's net, 360 px, both canvases sharp at 1x and 2x, a slider that keeps its box. Times
// to the exact spectrum go to test-output/e2e-metrics-lab.json.
// Run: node --test --test-concurrency=1 tests/e2e/   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { withPage, openReady, text, number, drawSeven, OUT, e2eSuite, withDevice, labReqs, labShown } from './harness.mjs';

let base;
const metrics = e2eSuite('e2e-metrics-lab.json', (b) => { base = b; });

/** Inertia the engine must find: S positive, S - s_n negative, P - 2S + s_n zero. */
function expectedInertia(sizes) {
  const n = sizes.length - 1;
  let S = 0, P = 0;
  for (let k = 1; k <= n; k++) { S += sizes[k]; P += sizes[k] * (sizes[k - 1] + 1); }
  return `${S}/${S - sizes[n]}/${P - 2 * S + sizes[n]}`;
}

const report = (page) => page.getAttribute('#lab', 'data-report').then((r) => (r ? JSON.parse(r) : null));

/**
 * Runs `action` (default: click Compute) and waits until a report requested after it is shown;
 * returns {ms (worker), wallMs, cached}.
 */
async function computeAndWait(page, action = () => page.click('[data-testid="lab-compute"]'), timeout = 60000) {
  const before = await labReqs(page);
  await action();
  return labShown(page, before, timeout);
}

/** Non-white pixels of a canvas, and how many are near the plotters blue / red. */
const inked = (page, id) => page.$eval(`[data-testid="${id}"]`, (c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let ink = 0, blue = 0, red = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) ink++;
    if (Math.abs(d[i] - 31) + Math.abs(d[i + 1] - 119) + Math.abs(d[i + 2] - 180) < 40) blue++;
    if (Math.abs(d[i] - 214) + Math.abs(d[i + 1] - 39) + Math.abs(d[i + 2] - 40) < 40) red++;
  }
  return { ink, blue, red };
});

/** The Eq. 65 value from the report the page exposes, against the printed one (6 significant digits). */
async function checkOptimal(page) {
  const r = await report(page);
  const crossing = Math.sqrt(r.curves.numerator / r.curves.slope);
  const shown = await text(page, 'lambda-optimal');
  assert.match(shown, /^[0-9.e+-]+$/, `a plain number: ${shown}`);
  assert.equal(Number(shown), Number(crossing.toPrecision(6)), `lambda-optimal ${shown} vs sqrt(numerator/slope) = ${crossing}`);
  assert.ok(Math.abs(Number(shown) - crossing) <= 5e-6 * crossing);
  return { r, crossing };
}

/** The norm column of the corrected Newton row of the directions table. */
const newtonNorm = (rows) => rows.find((x) => /sign corrected/.test(x[0]))[1];

test('small net 784-64-10: Figure 5, exact spectrum vs Eq. 62, verdict, directions; the slider moves the radius; cache', () => withPage(base, async ({ page }) => {
  await openReady(page, base);
  // Scrolling the lab into view computes once by itself (test pattern 0, layer 1, the run's lambda).
  const first = await computeAndWait(page, () => page.locator('#lab').scrollIntoViewIfNeeded());
  metrics.smallNet = { sizes: '784-64-10', timeToExactSpectrumMs: Math.round(first.ms), shownAfterMs: Math.round(first.wallMs) };
  assert.equal(first.cached, false);
  const { r, crossing } = await checkOptimal(page);
  // The default policy is Eq. 65: the current lambda_1 is the crossing itself.
  assert.ok(Math.abs(r.current - crossing) <= 1e-12 * crossing, `current ${r.current} vs ${crossing}`);
  assert.equal(await text(page, 'inertia-exact'), expectedInertia([784, 64, 10]));
  assert.equal(await text(page, 'inertia-exact'), '74/64/50752');
  assert.equal(await text(page, 'inertia-paper'), '74/64/50752');
  assert.equal(await text(page, 'radius-exact'), String(Number(r.radius.toPrecision(3))));
  assert.equal(Number(await text(page, 'radius-paper')), Number(r.paper_radius.eq66.toPrecision(3)));
  assert.ok(Number(await text(page, 'radius-exact')) > 10 * Number(await text(page, 'radius-paper')), 'Eq. 66 underestimates');
  assert.match(await text(page, 'verdict'), /^Counts agree: the Hessian has 74 positive and 64 negative eigenvalues.*Values differ.*Eq\. 66 underestimates it\.$/);
  const rows = await page.$$eval('[data-testid="directions"] tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent)));
  // The Gauss-Newton part: S positive, none negative, P - S zero (784-64-10: S = 74, P = 50890), and its largest eigenvalue.
  assert.match(await text(page, 'gauss-newton'), /^74\/0\/50816, [0-9.e+-]+$/);
  assert.equal(rows.length, 9);
  assert.match(rows[0][0], /^SGD/);
  // Each row carries inspect's name for its direction and a cell with its curvature vᵀHv/‖v‖².
  const keyed = await page.$$eval('[data-testid="directions"] tbody tr', (trs) => trs.map((tr) => [tr.dataset.direction, tr.querySelector('[data-curvature]')?.dataset.curvature]));
  assert.deepEqual(keyed.map((k) => k[0]), ['sgd', 'mk', 'mk_damped', 'mk_unreg', 'newton', 'newton_printed', 'gradient', 'pinv_newton', 'saddle_free_newton']);
  assert.ok(keyed.every((k) => Number.isFinite(Number(k[1]))), `curvatures ${JSON.stringify(keyed)}`);
  const pinv = rows[7];
  assert.ok(Number(pinv[3]) < 1e-8, `minimum-norm Newton residual ${pinv[3]}`);
  assert.ok(Number(pinv[1]) <= Number(newtonNorm(rows)) * (1 + 1e-3), `||H+ g|| ${pinv[1]} vs ||Eq. 35|| ${newtonNorm(rows)}`);
  assert.equal(rows[0][2], '1', 'SGD has cosine 1 with the gradient');
  const newton = rows.find((x) => /sign corrected/.test(x[0]));
  assert.ok(Number(newton[3]) < 1e-10, `corrected Newton residual ${newton[3]}`);
  assert.equal(await page.$$eval('#cosines tbody tr', (t) => t.length), 9);
  const fig = await inked(page, 'figure5');
  assert.ok(fig.ink > 2000 && fig.blue > 100 && fig.red > 100, `figure 5 pixels ${JSON.stringify(fig)}`);
  const strip = await inked(page, 'spectrum');
  assert.ok(strip.blue > 50 && strip.red > 50, `spectrum pixels ${JSON.stringify(strip)}`);
  assert.match(await page.getAttribute('[data-testid="spectrum"]', 'aria-label'), /Exact: 74 positive eigenvalues .* 64 negative/);

  // The slider: keyboard End -> lambda_1 = 1e4; the marker and readout move at once, radius-exact after the recompute.
  const radius0 = await text(page, 'radius-exact');
  await page.focus('[data-testid="lambda-slider"]');
  await computeAndWait(page, async () => {
    await page.keyboard.press('End');
    assert.match(await text(page, 'lambda-value'), /^1\.000e\+4$/);
  });
  const r1 = await report(page);
  assert.equal(r1.current, 1e4);
  assert.equal(r1.lambdas[1], 1e4);
  const radius1 = await text(page, 'radius-exact');
  assert.notEqual(radius1, radius0, 'moving the slider changes radius-exact');
  metrics.smallNet.radiusAtOptimal = Number(radius0);
  metrics.smallNet.radiusAtLambda1e4 = Number(radius1);
  // Inertia does not depend on lambda (all lambda_k > 0).
  assert.equal(await text(page, 'inertia-exact'), '74/64/50752');
  // A drag (several input events) recomputes once, after the drag stops.
  const reqs1 = await labReqs(page);
  await computeAndWait(page, async () => {
    for (let i = 0; i < 8; i++) { await page.keyboard.press('PageDown'); await page.waitForTimeout(30); }
  });
  assert.equal(await labReqs(page), reqs1 + 1, 'eight slider moves in a row: one recompute');
  // "optimal" snaps back to the crossing; the same lambda again comes from the cache.
  await computeAndWait(page, () => page.click('[data-testid="lambda-snap"]'));
  const r2 = await report(page);
  assert.ok(Math.abs(r2.current - crossing) <= 1e-12 * crossing);
  assert.equal(await text(page, 'radius-exact'), radius0);
  const again = await computeAndWait(page);
  assert.equal(again.cached, true, 'the same (run, weights, pattern, layer, lambda) comes from the cache');
  metrics.smallNet.cachedShownAfterMs = Math.round(again.wallMs);
  // Another test pattern: a new spectrum, same inertia.
  await page.fill('[data-testid="figure5-index"]', '7');
  await computeAndWait(page, () => page.press('[data-testid="figure5-index"]', 'Enter'));
  assert.equal(await text(page, 'inertia-exact'), '74/64/50752');
  assert.notEqual(await text(page, 'radius-exact'), radius0);
  await checkOptimal(page);
}));

test('current training pattern needs a step; the drawn digit with its label; 360 px wide', () => withPage(base, async ({ page }) => {
  await openReady(page, base, '#arch=medium');
  await computeAndWait(page, () => page.locator('#lab').scrollIntoViewIfNeeded());
  assert.equal(await text(page, 'inertia-exact'), expectedInertia([784, 128, 64, 10]));
  assert.equal(await page.$$eval('[data-testid="figure5-layer"] option', (o) => o.map((x) => x.value).join(',')), '1,2');
  await page.selectOption('[data-testid="figure5-pattern"]', 'current');
  await page.waitForSelector('#lab-info[data-state="error"]');
  assert.match(await text(page, 'lab-info'), /no training pattern yet \(take a step first\)/);
  await page.click('[data-testid="step"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="samples-seen"]').textContent === '1');
  await computeAndWait(page, () => page.selectOption('[data-testid="figure5-layer"]', '2'));
  assert.equal(await text(page, 'inertia-exact'), expectedInertia([784, 128, 64, 10]));
  assert.equal((await report(page)).layer, 2);
  await checkOptimal(page);
  // The drawn digit: its teach label is the target.
  await drawSeven(page);
  await page.selectOption('[data-testid="teach-label"]', '7');
  await page.locator('#lab').scrollIntoViewIfNeeded();
  await computeAndWait(page, () => page.selectOption('[data-testid="figure5-pattern"]', 'drawn'));
  assert.match(await text(page, 'lab-info'), /your drawing/);
  assert.equal(await text(page, 'inertia-exact'), expectedInertia([784, 128, 64, 10]));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page wider than the 360 px viewport by ${overflow}px`);
  const box = await page.locator('[data-testid="figure5"]').boundingBox();
  assert.ok(box.width <= 340 && box.height > 0.8 * box.width, `figure 5 at 360 px: ${JSON.stringify(box)}`);
  await page.locator('#lab').screenshot({ path: path.join(OUT, 'lab-360.png') });
  // While training runs, the lab (current pattern) computes between chunks and training goes on after.
  await page.click('[data-testid="play"]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="samples-seen"]').textContent) > 2000);
  await computeAndWait(page, () => page.selectOption('[data-testid="figure5-pattern"]', 'current'));
  assert.equal(await text(page, 'inertia-exact'), expectedInertia([784, 128, 64, 10]));
  const seen = await number(page, 'samples-seen');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="samples-seen"]').textContent) > n + 1000, seen, { timeout: 20000 });
  await page.click('[data-testid="play"]');
}, { viewport: { width: 360, height: 740 } }));

test("the paper's net 784-512-256-32-10: 810/800/540192, computed off the main thread, screenshot", () => withPage(base, async ({ page }) => {
  // The main thread's task lengths meanwhile are the benchmark's (`make bench`, responsiveness.lab_paper).
  await openReady(page, base, '#arch=paper');
  const lab = page.locator('#lab');
  const before = await labReqs(page);
  await lab.scrollIntoViewIfNeeded();
  // Scrolling here starts the computation: the busy indicator shows, with elapsed time.
  await page.waitForSelector('[data-testid="lab-busy"]', { state: 'visible', timeout: 5000 });
  assert.match(await text(page, 'lab-busy'), /Computing the exact spectrum… \d+\.\d s/);
  // The page keeps answering while the worker computes: a timer keeps firing on time.
  const gaps = await page.evaluate(() => new Promise((resolve) => {
    const out = [];
    let last = performance.now();
    const id = setInterval(() => {
      const now = performance.now();
      out.push(now - last);
      last = now;
      if (document.getElementById('lab').getAttribute('aria-busy') === 'false' || out.length > 600) { clearInterval(id); resolve(out); }
    }, 20);
  }));
  const first = await labShown(page, before, 120000);
  metrics.paperNet = { sizes: '784-512-256-32-10', timeToExactSpectrumMs: Math.round(first.ms), shownAfterMs: Math.round(first.wallMs) };
  metrics.paperNet.maxTimerGapMsWhileComputing = Math.round(Math.max(...gaps));
  assert.equal(await text(page, 'inertia-exact'), '810/800/540192');
  assert.equal(await text(page, 'inertia-paper'), '810/800/540192');
  assert.equal(expectedInertia([784, 512, 256, 32, 10]), '810/800/540192');
  await checkOptimal(page);
  assert.match(await text(page, 'verdict'), /^Counts agree: the Hessian has 810 positive and 800 negative/);
  // Under the lab's eigenpair cap (order 1,610 <= 2,048): the eigenvector rows too, each with a
  // finite curvature, and no note that they are missing.
  const paperRows = await page.$$eval('[data-testid="directions"] tbody tr', (trs) => trs.map((tr) => [tr.dataset.direction, tr.querySelector('[data-curvature]')?.dataset.curvature]));
  assert.deepEqual(paperRows.map((r) => r[0]), ['sgd', 'mk', 'mk_damped', 'mk_unreg', 'newton', 'newton_printed', 'gradient', 'pinv_newton', 'saddle_free_newton']);
  for (const [key, c] of paperRows) assert.ok(Number.isFinite(Number(c)), `${key}: curvature ${c} is a number`);
  assert.doesNotMatch(await page.textContent('#directions-note'), /Not in the table/);
  // Layer 2 (the README's Figure 5), then lambda moved: another exact spectrum each time.
  const second = await computeAndWait(page, () => page.selectOption('[data-testid="figure5-layer"]', '2'), 120000);
  metrics.paperNet.layer2TimeToExactSpectrumMs = Math.round(second.ms);
  await checkOptimal(page);
  const radius0 = await text(page, 'radius-exact');
  await page.focus('[data-testid="lambda-slider"]');
  await computeAndWait(page, () => page.keyboard.press('Home'), 120000);
  assert.equal((await report(page)).current, 1e-4);
  assert.notEqual(await text(page, 'radius-exact'), radius0);
  assert.equal(await text(page, 'inertia-exact'), '810/800/540192');
  await computeAndWait(page, () => page.click('[data-testid="lambda-snap"]'), 120000);
  metrics.paperNet.figure5DrawMaxMs = Number(await page.getAttribute('#lab', 'data-figure-max-ms'));
  // Off the main thread: a 20 ms timer kept firing while the worker computed (one spectrum takes
  // about a second; computed on this thread, the timer would fire once, after it).
  assert.ok(gaps.length >= 5, `the timer fired ${gaps.length} times while the spectrum was computed`);
  await lab.screenshot({ path: path.join(OUT, 'lab.png') });
}));

/** The slider's box and its readout's text and fit (scrollWidth <= clientWidth: nothing cut off). */
const sliderState = (page) => page.evaluate(() => {
  const r = document.querySelector('[data-testid="lambda-slider"]').getBoundingClientRect();
  const out = document.querySelector('[data-testid="lambda-value"]');
  return { box: [r.x, r.width, r.height], text: out.textContent, fits: out.scrollWidth <= out.clientWidth };
});

for (const [name, device] of [
  ['1x desktop', { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 }],
  ['2x phone', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
]) {
  test(`${name}: both lab canvases have a backing store of CSS size x devicePixelRatio; the λ slider keeps its box while it moves`, () => withDevice(device, async (page) => {
    await openReady(page, base);
    await computeAndWait(page, () => page.locator('#lab').scrollIntoViewIfNeeded());
    // Both drawings are done when Figure 5's draw time and the strip's text alternative are set.
    await page.waitForFunction(() => document.getElementById('lab').dataset.figureMaxMs
      && /^The exact eigenvalues/.test(document.getElementById('spectrum').getAttribute('aria-label')));
    const sizes = await page.evaluate(() => ['figure5', 'spectrum'].map((id) => {
      const c = document.getElementById(id);
      const r = c.getBoundingClientRect();
      return { id, css: [r.width, r.height], store: [c.width, c.height], dpr: window.devicePixelRatio };
    }));
    for (const { id, css, store, dpr } of sizes) {
      assert.equal(dpr, device.deviceScaleFactor, 'devicePixelRatio');
      assert.deepEqual(store, css.map((v) => Math.round(v * dpr)), `${id}: backing store ${store} = CSS size ${css} x ${dpr}`);
    }
    // Not stretched: Figure 5's CSS width is the one it was drawn for, inside its frame.
    const wrap = await page.$eval('#figure5', (c) => c.parentElement.clientWidth);
    assert.ok(sizes[0].css[0] <= wrap, `figure 5 ${sizes[0].css[0]} px wide in a ${wrap} px frame`);
    // The readout changes from "… (run's policy)" to a bare number and back; the slider's box does not.
    await page.locator('[data-testid="lambda-slider"]').scrollIntoViewIfNeeded();
    const before = await sliderState(page);
    assert.match(before.text, /\(run's policy\)$/);
    assert.ok(before.fits, `the readout "${before.text}" fits its box`);
    await page.focus('[data-testid="lambda-slider"]');
    const states = [];
    for (const key of ['Home', 'ArrowRight', 'End', 'ArrowLeft']) {
      await page.keyboard.press(key);
      states.push(await sliderState(page));
    }
    // Dragging the thumb with the pointer (mouse on the desktop, touch-emulated mouse events on the phone).
    const r = await page.locator('[data-testid="lambda-slider"]').boundingBox();
    await page.mouse.move(r.x + 4, r.y + r.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 6; i++) {
      await page.mouse.move(r.x + (r.width * i) / 7, r.y + r.height / 2);
      states.push(await sliderState(page));
    }
    await page.mouse.up();
    const texts = new Set(states.map((s) => s.text));
    assert.ok(texts.size >= 4, `the readout changed while the slider moved: ${[...texts].join(' | ')}`);
    for (const s of states) {
      assert.deepEqual(s.box, before.box, `slider box with "${s.text}" vs with "${before.text}"`);
      assert.ok(s.fits, `the readout "${s.text}" fits its box`);
    }
  }));
}

/** The directions table's marked cells: [{direction, column, mark, text}]. */
const marked = (page) => page.$$eval('[data-testid="directions"] tbody td[data-mark]', (tds) => tds.map((td) => ({
  direction: td.parentElement.dataset.direction, column: td.cellIndex, mark: td.dataset.mark, text: td.textContent,
})));

/** The number a directions cell starts with ("0.4521 best" -> 0.4521; "a / b" -> b, the actual change). */
const cellValue = (t) => Number((t.includes('/') ? t.split('/')[1] : t).trim().split(' ')[0]);

test('plain loss (λ = 0): the exact spectrum of ½‖d − x_n‖², family 2 undefined and no claim; the table marks best and worst', () => withPage(base, async ({ page }) => {
  await openReady(page, base);
  await page.locator('#lab').scrollIntoViewIfNeeded();
  await computeAndWait(page);
  // Best and worst: one of each per ranked column (cost after = 4, J_R after = 6, ΔJ_R at t* = 11), and
  // the best cell's value is the column's lowest, the worst's the highest (as printed, 4 digits).
  const marks = await marked(page);
  const rows = await page.$$eval('[data-testid="directions"] tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent)));
  for (const column of [4, 6, 11]) {
    const here = marks.filter((m) => m.column === column);
    assert.deepEqual(here.map((m) => m.mark).sort(), ['best', 'worst'], `column ${column}: ${JSON.stringify(here)}`);
    const values = rows.map((r) => r[column]).filter((t) => t !== '—').map(cellValue);
    const best = cellValue(here.find((m) => m.mark === 'best').text), worst = cellValue(here.find((m) => m.mark === 'worst').text);
    assert.equal(best, Math.min(...values), `column ${column}: best ${best} of ${values}`);
    assert.equal(worst, Math.max(...values), `column ${column}: worst ${worst} of ${values}`);
    assert.ok(here.every((m) => / (best|worst)$/.test(m.text)), `the mark is written in the cell: ${JSON.stringify(here)}`);
  }
  // The plain loss.
  await computeAndWait(page, () => page.check('[data-testid="plain-loss"]'));
  const r = await report(page);
  assert.equal(r.plain_loss, true);
  assert.deepEqual(r.lambdas, [0, 0, 1], 'every hidden λ 0, λ_n = 1');
  assert.equal(r.current, 0);
  assert.equal(r.family2, 0, 'no family 2 values');
  assert.match(r.family2_undefined, /lambda\[1\].*undefined for lambda = 0/);
  assert.equal(r.radius_claim, null);
  assert.equal(r.inertia_paper, null);
  assert.equal(await text(page, 'lambda-value'), '0 (plain loss)');
  assert.equal(await text(page, 'inertia-paper'), 'no claim (family 2 undefined)');
  assert.equal(await text(page, 'radius-paper'), 'no claim at λ = 0');
  // The exact spectrum shown is the report's: its counts, its radius (the largest |eigenvalue|).
  const ev = r.eigenvalues;
  assert.ok(Array.isArray(ev) && ev.length > 0, `eigenvalues ${JSON.stringify(ev)}`);
  assert.equal(await text(page, 'inertia-exact'), `${ev.filter((v) => v > 0).length}/${ev.filter((v) => v < 0).length}/${r.zero}`);
  assert.equal(r.positive + r.negative + r.zero, 50890);
  const rho = Math.max(...ev.map(Math.abs));
  assert.equal(r.radius, rho);
  assert.equal(await text(page, 'radius-exact'), String(Number(rho.toPrecision(3))));
  // At the plain loss the Gauss-Newton part is J_nᵀJ_n: rank s_n = 10 (one per output), none negative.
  assert.match(await text(page, 'gauss-newton'), /^10\/0\/50880, /);
  const verdict = await text(page, 'verdict');
  assert.match(verdict, /^λ = 0: this is the plain loss ½‖d − xₙ‖² that SGD minimises .*The paper makes no claim here/);
  assert.ok(verdict.includes(`${r.positive} positive, ${r.negative} negative and ${r.zero} zero eigenvalues`), verdict);
  assert.ok(verdict.includes(`spectral radius (the largest |eigenvalue|) is ${Number(rho.toPrecision(3))}.`), verdict);
  // The strip labels family 2 undefined and draws no family 2 (red) bars; Figure 5 still draws.
  await page.waitForFunction(() => /family 2 is undefined at λ = 0/.test(document.getElementById('spectrum').getAttribute('aria-label')));
  const fig = await inked(page, 'figure5');
  assert.ok(fig.ink > 2000, `figure 5 pixels ${JSON.stringify(fig)}`);
  await page.locator('#lab').screenshot({ path: path.join(OUT, 'lab-plain.png') });
  await page.locator('.lab-lambda').screenshot({ path: path.join(OUT, 'lab-plain-lambda.png') });
  await page.locator('#verdict').screenshot({ path: path.join(OUT, 'lab-plain-verdict.png') });
  // Unchecking goes back to the run's policy, and the paper's claims with it.
  await computeAndWait(page, () => page.uncheck('[data-testid="plain-loss"]'));
  assert.match(await text(page, 'verdict'), /^Counts agree: the Hessian has 74 positive/);
  assert.match(await text(page, 'lambda-value'), /\(run's policy\)$/);
  // A slider move leaves the plain loss too.
  await computeAndWait(page, () => page.check('[data-testid="plain-loss"]'));
  await page.focus('[data-testid="lambda-slider"]');
  await computeAndWait(page, () => page.keyboard.press('End'));
  assert.equal(await page.isChecked('[data-testid="plain-loss"]'), false);
  assert.equal((await report(page)).current, 1e4);
}));

test("the paper's net on a 390 px phone (touch, 2x): the lab fits the width, screenshot", () => withDevice(
  { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  async (page) => {
    await openReady(page, base, '#arch=paper');
    await computeAndWait(page, () => page.locator('#lab').scrollIntoViewIfNeeded(), 180000);
    assert.equal(await text(page, 'inertia-exact'), '810/800/540192');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page wider than the 390 px viewport by ${overflow}px`);
    await page.waitForFunction(() => /^The exact eigenvalues/.test(document.getElementById('spectrum').getAttribute('aria-label')));
    await page.locator('#lab').screenshot({ path: path.join(OUT, 'lab-paper-390.png') });
    // The parts one at a time (the whole lab is ~7000 px tall on a phone).
    const parts = [['words', '.lab-words'], ['controls', '.lab-lambda'], ['figure5', '.lab-figure >> nth=0'], ['numbers', '.lab-figure >> nth=1'], ['table', '.lab-table']];
    for (const [name, sel] of parts) await page.locator(sel).screenshot({ path: path.join(OUT, `lab-paper-390-${name}.png`) });
  },
));
