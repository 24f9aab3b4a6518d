// End-to-end tests of the look inside the network (www/inside.js) and the honest probabilities
// (www/predict.js) in Debian's Chromium: the confusion matrix sums to the test images validated and
// agrees with the validation accuracy, its gallery shows only misclassified images with both labels,
// the first layer's images change with training, "One step" shows its image, label and costs,
// the drawing's hidden activations and softmax, Fashion-MNIST's class names everywhere, and in a
// race the run whose matrix and gallery are shown chosen by the learner.
// Writes screenshots of the matrix and gallery to test-output/ (1280x900; 390x844 touch, DPR 2).
// Run: node --test tests/e2e/inside.test.mjs   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openReady, text, number, drawSeven, OUT, waitFor, e2eSuite, withPage } from './harness.mjs';

let base;
const metrics = e2eSuite('inside-metrics.json', (b) => { base = b; });

const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Trains until `samples` patterns, pauses, and waits for the matrix of the full validation. */
async function trainAndPause(page, samples) {
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= samples, 60000, `${samples} patterns`);
  await page.click('[data-testid="play"]');
  await page.waitForSelector('[data-testid="confusion-matrix"]:not([hidden])', { timeout: 60000 });
  await page.waitForFunction(() => /all 10,000 test images/.test(document.getElementById('val-note').textContent), null, { timeout: 60000 });
}

/** The matrix's cells as {t, p, count}. */
const cells = (page) => page.$$eval('[data-testid="confusion-matrix"] td', (tds) => tds.map((td) => ({ t: Number(td.dataset.true), p: Number(td.dataset.pred), count: Number(td.dataset.count) })));

/** The data URLs of the first layer's canvases. */
const firstLayerImages = (page) => page.$$eval('[data-testid="first-layer"] canvas', (cs) => cs.map((c) => c.toDataURL()));

/** Opens the largest off-diagonal cell's gallery; returns that cell. */
async function openWorstCell(page) {
  const worst = (await cells(page)).filter((c) => c.t !== c.p).sort((a, b) => b.count - a.count)[0];
  assert.ok(worst.count > 0, 'some test image is misclassified');
  await page.click(`[data-testid="confusion-matrix"] td[data-true="${worst.t}"][data-pred="${worst.p}"] button`);
  await page.waitForSelector(`[data-testid="gallery"][data-true="${worst.t}"][data-pred="${worst.p}"]:not([hidden])`);
  return worst;
}

test('MNIST: one step, activations and softmax, first layer, confusion matrix and gallery', () => withPage(base, async ({ page }) => {
  await openReady(page, base);
  // The first layer of the fresh network: 8 images of 28x28 (painted while on screen).
  await page.locator('[data-testid="first-layer"]').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="first-layer"] canvas').length === 8);
  assert.deepEqual(await page.$$eval('[data-testid="first-layer"] canvas', (cs) => cs.map((c) => `${c.width}x${c.height}`)), Array(8).fill('28x28'));
  const fresh = await firstLayerImages(page);
  assert.equal(new Set(fresh).size, 8, 'eight different units');

  // One step: its image, label, prediction, and costs before and after, from the engine.
  assert.ok(await page.isHidden('[data-testid="one-step"]'));
  await page.click('[data-testid="step"]');
  await page.waitForSelector('[data-testid="one-step"]:not([hidden])');
  const label = await text(page, 'one-step-label');
  assert.match(label, /^\d$/, `label ${label}`);
  const before = Number(await text(page, 'one-step-cost-before'));
  const after = Number(await text(page, 'one-step-cost-after'));
  assert.ok(Number.isFinite(before) && Number.isFinite(after), `costs ${before} ${after}`);
  assert.ok(after < before, `SGD lowered the pattern's cost: ${before} -> ${after}`);
  assert.match(await text(page, 'one-step-prediction'), /^\d → \d$/);
  assert.match(await text(page, 'status'), new RegExp(`One step on training image #\\d+ \\(label “${label}”\\): predicted \\d, cost ${before.toFixed(4)} → ${after.toFixed(4)}`));
  const inked = await page.$eval('#one-step-image', (c) => { const d = c.getContext('2d').getImageData(0, 0, 28, 28).data; let n = 0; for (let i = 0; i < d.length; i += 4) n += d[i] > 0; return n; });
  assert.ok(inked > 30, `the training image has ${inked} inked pixels`);
  const first = await page.getAttribute('[data-testid="one-step"]', 'data-index');
  await page.click('[data-testid="step"]');
  await page.waitForFunction((i) => document.querySelector('[data-testid="one-step"]').dataset.index !== i, first);
  await waitFor(async () => (await number(page, 'samples-seen')) === 2, 10000, 'two patterns seen after two steps');

  // The drawing: its hidden activations (784-64-10: one layer of 64) and the softmax beside the bars.
  await drawSeven(page);
  await page.waitForSelector('[data-testid="activations"] figure[data-layer="1"][data-units="64"]');
  assert.equal(await page.$$eval('[data-testid="activations"] figure', (f) => f.length), 1);
  await page.waitForFunction(() => document.querySelector('[data-testid="softmax-0"]').dataset.value !== undefined);
  const soft = await page.evaluate(() => Array.from({ length: 10 }, (_, i) => Number(document.querySelector(`[data-testid="softmax-${i}"]`).dataset.value)));
  assert.ok(Math.abs(soft.reduce((a, b) => a + b, 0) - 1) < 1e-9, `softmax sums to ${soft.reduce((a, b) => a + b, 0)}`);
  assert.match(await text(page, 'probs-note'), /least squares.*clip them at 0 and divide by their sum.*softmax/s);
  assert.ok(await page.isHidden('[data-testid="test-truth"]'), 'no true label for a drawing');

  // A short SGD run, then the pause's validation on all 10,000 test images.
  await trainAndPause(page, 20000);
  const all = await cells(page);
  assert.equal(all.length, 100, '10x10 cells');
  const sum = all.reduce((a, c) => a + c.count, 0);
  const validated = Number(await page.getAttribute('[data-testid="confusion-matrix"]', 'data-count'));
  assert.equal(sum, 10000, `the cells sum to ${sum}`);
  assert.equal(validated, 10000, 'the matrix is of all test images');
  const diagonal = all.filter((c) => c.t === c.p).reduce((a, c) => a + c.count, 0);
  assert.equal((100 * diagonal / sum).toFixed(2), await text(page, 'validation-accuracy'), 'the diagonal is the validation accuracy');
  metrics.matrixSum = sum;
  metrics.matrixCorrect = diagonal;

  // The first layer moved with training.
  await page.locator('[data-testid="first-layer"]').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="first-layer"]').dataset.samples) >= 20000);
  const trained = await firstLayerImages(page);
  const changed = trained.filter((u, i) => u !== fresh[i]).length;
  assert.equal(changed, 8, `${changed} of 8 first-layer images changed`);

  // The gallery of the worst cell: only those misclassified images, both labels on each.
  const worst = await openWorstCell(page);
  const items = await page.$$eval('[data-testid="gallery"] figure', (fs) => fs.map((f) => ({ t: Number(f.dataset.true), p: Number(f.dataset.pred), caption: f.querySelector('figcaption').textContent })));
  assert.equal(items.length, Math.min(60, worst.count), `${items.length} images of ${worst.count}`);
  for (const it of items) {
    assert.deepEqual([it.t, it.p], [worst.t, worst.p], 'an image of another cell');
    assert.notEqual(it.t, it.p, 'a correctly classified image');
    assert.match(it.caption, new RegExp(`${worst.t} → ${worst.p}$`), `caption ${it.caption}`);
  }
  assert.match(await page.textContent('#gallery-title'), new RegExp(`True “${worst.t}”, predicted “${worst.p}”: ${worst.count} test image`));
  metrics.galleryCell = worst;
  // The viewport (1280x900) with the panel's top just below the sticky status line.
  await page.evaluate(() => window.scrollTo(0, document.getElementById('inside').getBoundingClientRect().top + window.scrollY - 70));
  await page.screenshot({ path: path.join(OUT, 'inside-1280.png') });
}));

test('390x844 touch, DPR 2: the matrix and gallery fit (no horizontal overflow of the page)', () => withPage(base, async ({ page }) => {
  await openReady(page, base);
  await trainAndPause(page, 10000);
  const worst = await openWorstCell(page);
  assert.ok(worst.count > 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page wider than the 390 px viewport by ${overflow}px`);
  await page.locator('[data-testid="confusion-matrix"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(OUT, 'inside-390-matrix.png') });
  await page.locator('[data-testid="gallery"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(OUT, 'inside-390-gallery.png') });
}, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }));

test('Fashion-MNIST uses its class names: prediction, pad wording, test image, matrix axes, gallery', () => withPage(base, async ({ page }) => {
  await openReady(page, base, '#dataset=fashion', 'fashion');
  assert.match(await page.textContent('#draw-hint'), /^Draw a piece of clothing/);
  assert.deepEqual(await page.$$eval('[data-testid="teach-label"] option', (os) => os.map((o) => o.textContent)), FASHION);
  await trainAndPause(page, 10000);
  const heads = await page.$$eval('[data-testid="confusion-matrix"] thead th.pred', (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(heads, FASHION, 'the predicted axis');
  const rows = await page.$$eval('[data-testid="confusion-matrix"] tbody th', (ths) => ths.map((t) => t.textContent));
  assert.deepEqual(rows, FASHION, 'the true axis');
  const worst = await openWorstCell(page);
  const caption = await page.textContent('[data-testid="gallery"] figure figcaption');
  assert.match(caption, new RegExp(`${FASHION[worst.t]} → ${FASHION[worst.p]}$`.replace('/', '\\/')), caption);
  // A test image: the big prediction is a class name, the true label and right/wrong are shown.
  await page.click('#test-image');
  await page.waitForSelector('[data-testid="test-truth"]:not([hidden])');
  const predicted = await text(page, 'prediction');
  assert.ok(FASHION.includes(predicted), `prediction “${predicted}” is a class name`);
  const truth = await text(page, 'test-truth');
  const m = truth.match(/^True label: (.+)\. The prediction is (right|wrong)\.$/);
  assert.ok(m && FASHION.includes(m[1]), `truth “${truth}”`);
  assert.equal(m[2] === 'right', m[1] === predicted, `${truth} with prediction ${predicted}`);
  assert.equal(await page.inputValue('[data-testid="teach-label"]'), String(FASHION.indexOf(m[1])), 'the teach label is the true label');
}));

test('a race: the learner picks whose confusion matrix and gallery are shown; each sums to the images validated', () => withPage(base, async ({ page }) => {
  await openReady(page, base, '#race=1&opt=mk-damped');
  assert.ok(await page.isVisible('[data-testid="confusion-run"]'), 'a run selector in a race');
  const options = await page.$$eval('[data-testid="confusion-run"] option', (os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options.map((o) => o[0]), ['r0', 'r1'], `options ${JSON.stringify(options)}`);
  await trainAndPause(page, 10000);
  // Both sides' validations on all test images are in (the MK side's accuracy shown too).
  await page.waitForFunction(() => /^\d+\.\d\d$/.test(document.querySelector('[data-testid="validation-accuracy-mk"]').textContent.trim()), null, { timeout: 60000 });
  const diagonals = {};
  for (const [[id, label], accuracy] of options.map((o, i) => [o, i === 0 ? 'validation-accuracy' : 'validation-accuracy-mk'])) {
    await page.selectOption('[data-testid="confusion-run"]', id);
    await page.waitForSelector(`[data-testid="confusion-matrix"][data-run="${id}"]:not([hidden])`);
    const all = await cells(page);
    const sum = all.reduce((a, c) => a + c.count, 0);
    const validated = Number(await page.getAttribute('[data-testid="confusion-matrix"]', 'data-count'));
    assert.equal(sum, validated, `${id}: the cells sum to ${sum}, ${validated} images validated`);
    assert.equal(validated, 10000, `${id}: the matrix is of all test images`);
    const diagonal = all.filter((c) => c.t === c.p).reduce((a, c) => a + c.count, 0);
    assert.equal((100 * diagonal / sum).toFixed(2), await text(page, accuracy), `${id}: the diagonal is its validation accuracy`);
    assert.ok((await text(page, 'confusion-note')).startsWith(label), `${id}: the note names ${label}`);
    diagonals[id] = diagonal;
    // Its gallery: that run's misclassified images.
    assert.ok(await page.isHidden('[data-testid="gallery"]'), `${id}: another run's gallery closed`);
    const worst = await openWorstCell(page);
    assert.equal(await page.getAttribute('[data-testid="gallery"]', 'data-run'), id, `${id}: the gallery is of this run`);
    const items = await page.$$eval('[data-testid="gallery"] figure', (fs) => fs.map((f) => [Number(f.dataset.true), Number(f.dataset.pred)]));
    assert.equal(items.length, Math.min(60, worst.count), `${id}: ${items.length} images of ${worst.count}`);
    for (const it of items) assert.deepEqual(it, [worst.t, worst.p], `${id}: an image of another cell`);
    metrics[`race_${id}`] = { diagonal, worst };
  }
  assert.notEqual(diagonals.r0, diagonals.r1, `SGD and damped MK got the same number right (${diagonals.r0}): one matrix shown twice?`);
  await page.selectOption('[data-testid="confusion-run"]', 'r1');
  await page.locator('#inside').scrollIntoViewIfNeeded();
  await page.locator('#inside').screenshot({ path: path.join(OUT, 'inside-1280-race.png') });
  // One run: no selector.
  await page.goto('about:blank');
  await openReady(page, base, '#race=0');
  assert.ok(await page.isHidden('[data-testid="confusion-run"]'), 'no run selector for one run');
}));

test('390x844 touch, DPR 2: the race\'s run selector and its matrix fit (no horizontal overflow of the page)', () => withPage(base, async ({ page }) => {
  await openReady(page, base, '#race=1&opt=mk-damped');
  await trainAndPause(page, 5000);
  await page.selectOption('[data-testid="confusion-run"]', 'r1');
  await page.waitForSelector('[data-testid="confusion-matrix"][data-run="r1"]:not([hidden])');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page wider than the 390 px viewport by ${overflow}px`);
  const select = await page.locator('[data-testid="confusion-run"]').boundingBox();
  assert.ok(select.x >= 0 && select.x + select.width <= 390, `the selector spans ${select.x}..${select.x + select.width} px`);
  await page.locator('[data-testid="confusion-run"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(OUT, 'inside-390-race.png') });
}, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }));
