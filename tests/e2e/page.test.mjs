// End-to-end tests of the page in Debian's Chromium: data, training, race, draw pad, teach,
// save/load, URL settings, the pad during a race, and that no request leaves 127.0.0.1. Behaviour
// only: time budgets (long tasks, time to an accuracy) are the benchmark's (tests/bench/run.mjs).
// Run: node --test --test-concurrency=1 tests/e2e/   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { withPage, openReady, text, number, drawSeven, probs, OUT, waitFor, e2eSuite } from './harness.mjs';

let base;
let failData = false; // the data-failure test turns this on
const metrics = e2eSuite('e2e-metrics.json', (b) => { base = b; }, {
  fail: (p) => (failData && p.endsWith('/mnist/train-labels-idx1-ubyte.gz') ? 404 : 0),
});

/** The harness's withPage on this server: every request of the page stays on it (or is data:/blob:), and there were some. */
const withLocalPage = (fn, opts = {}) => withPage(base, fn, { minRequests: 5, ...opts });

test('the data set loads: progress reaches 100, status ok, all requests local', () => withLocalPage(async ({ page }) => {
  const t0 = Date.now();
  await openReady(page, base);
  metrics.pageLoadToReadyMs = Number(await page.getAttribute('body', 'data-ready-ms'));
  metrics.wallToReadyMs = Date.now() - t0;
  assert.equal(await page.$eval('[data-testid="data-progress"]', (p) => p.value), 100);
  assert.equal(await page.getAttribute('[data-testid="status"]', 'data-state'), 'ok');
  assert.match(await text(page, 'status'), /60000 training and 10000 test images/);
  assert.equal(await text(page, 'samples-seen'), '0');
  assert.ok(await page.isHidden('#retry'));
}));

test('after the boot the lab is laid out and painted off screen too (it is left out of the first layout only)', () => withLocalPage(async ({ page }) => {
  await openReady(page, base);
  // www/style.css leaves the lab's parts out of layout until main.js shows them (one per frame) and sets body.booted;
  // after that a full-page screenshot must show it without scrolling to it.
  await page.waitForSelector('body.booted', { timeout: 30000 });
  const seen = await page.waitForFunction(() => {
    const h = document.querySelector('#lab h2');
    const top = document.getElementById('lab').getBoundingClientRect().top;
    return top > innerHeight && h.checkVisibility({ contentVisibilityAuto: true }) && h.getBoundingClientRect().height > 0 && { top, height: h.getBoundingClientRect().height };
  }, null, { timeout: 10000 }).then((h) => h.jsonValue());
  assert.ok(seen.top > 900 && seen.height > 0, `the lab below the screen (top ${seen.top} px > 900) has its heading laid out (height ${seen.height} px > 0)`);
  // Every part of it is shown, down to the last (the curvature of the data).
  const parts = await page.$$eval('#lab > :not([hidden])', (els) => els.map((e) => [e.id || e.className, Math.round(e.getBoundingClientRect().height)]));
  const empty = parts.filter(([, h]) => !(h > 0));
  assert.ok(parts.length >= 10 && empty.length === 0, `all ${parts.length} shown parts of the lab have a height; without: ${JSON.stringify(empty)}`);
  assert.equal(parts.at(-1)[0], 'batch-curvature-panel', `the lab's last part: ${parts.at(-1)}`);
}));

test('a failed download shows an error with a retry button, and retry loads', () => withLocalPage(async ({ page }) => {
  failData = true;
  try {
    await page.goto(`${base}/`);
    await page.waitForSelector('[data-testid="status"][data-state="error"]', { timeout: 30000 });
    assert.match(await text(page, 'status'), /Could not load the data set: .*train-labels-idx1-ubyte\.gz: HTTP 404/);
    assert.ok(await page.isVisible('#retry'));
    assert.ok(await page.isDisabled('[data-testid="play"]'));
  } finally {
    failData = false;
  }
  await page.click('#retry');
  await page.waitForSelector('body[data-loaded="mnist"]', { timeout: 60000 });
  await page.waitForSelector('[data-testid="status"][data-state="ok"]');
  assert.ok(await page.isHidden('#retry'));
  // Chromium logs the 404 itself as a console error: expected here, and only that.
}, { allow: /^console: Failed to load resource: the server responded with a status of 404/ }));

test('SGD on MNIST with the small net passes 90 % validation accuracy', () => withLocalPage(async ({ page }) => {
  await openReady(page, base);
  assert.equal(await page.inputValue('[data-testid="architecture"]'), 'small');
  assert.equal(await page.inputValue('[data-testid="optimizer"]'), 'sgd');
  const t0 = Date.now();
  await page.click('[data-testid="play"]');
  const acc = await waitFor(async () => {
    const v = Number(await text(page, 'validation-accuracy'));
    return v >= 90 ? v : null;
  }, 180000, 'validation accuracy >= 90'); // a hang guard (time to 97 % is the benchmark's)
  metrics.sgdSmallTimeTo90Ms = Date.now() - t0;
  metrics.sgdSmallSamplesAt90 = await number(page, 'samples-seen');
  metrics.sgdSmallValAt90 = acc;
  await page.waitForTimeout(1500);
  metrics.sgdSmallSamplesPerS = await number(page, 'throughput');
  metrics.pageLoadToFirstStepMs = Number(await page.getAttribute('body', 'data-first-step-ms'));
  assert.ok(metrics.sgdSmallSamplesPerS > 0);
  assert.ok(await number(page, 'train-accuracy') > 50);
  assert.ok(await number(page, 'cost') < 0.45);
  await page.click('[data-testid="play"]'); // pause: full validation
  await page.waitForFunction(() => /all 10,000/.test(document.getElementById('val-note').textContent), null, { timeout: 20000 });
  metrics.sgdSmallFullValidation = await number(page, 'validation-accuracy');
  assert.ok(metrics.sgdSmallFullValidation >= 90);
}));

test('a race runs SGD and MK side by side, both readouts advance, two coloured series', () => withLocalPage(async ({ page }) => {
  await openReady(page, base);
  await page.click('[data-testid="race"]');
  assert.equal(await page.getAttribute('[data-testid="race"]', 'aria-pressed'), 'true');
  assert.equal(await page.inputValue('[data-testid="optimizer"]'), 'mk-damped');
  await page.waitForSelector('[data-testid="samples-seen-mk"]', { state: 'visible' });
  await page.waitForSelector('[data-testid="play"]:not([disabled])');
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 6000 && (await number(page, 'samples-seen-mk')) >= 6000
    && Number.isFinite(Number(await text(page, 'validation-accuracy-mk'))), 30000, 'both runners past 6,000 patterns');
  await page.waitForTimeout(1200);
  metrics.raceSmall = {
    sgdSamplesPerS: await number(page, 'throughput'), mkDampedSamplesPerS: await number(page, 'throughput-mk'),
    sgdVal: await number(page, 'validation-accuracy'), mkVal: await number(page, 'validation-accuracy-mk'),
    samples: await number(page, 'samples-seen'),
  };
  assert.ok(metrics.raceSmall.sgdSamplesPerS > 0 && metrics.raceSmall.mkDampedSamplesPerS > 0);
  assert.ok(metrics.raceSmall.mkVal > 20, 'MK learns something');
  // Both colours of the plotters palette (series 0 blue, series 1 red) on the chart.
  const counts = await page.$eval('[data-testid="chart-curves"]', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const near = (i, r, g, b) => Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 60;
    let blue = 0, red = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (near(i, 31, 119, 180)) blue++;
      if (near(i, 214, 39, 40)) red++;
    }
    return { blue, red };
  });
  metrics.raceChartPixels = counts;
  assert.ok(counts.blue > 300 && counts.red > 300, `chart pixels ${JSON.stringify(counts)}`);
  await page.screenshot({ path: path.join(OUT, 'race-mid.png'), fullPage: true });
  const before = await number(page, 'samples-seen-mk');
  await page.waitForTimeout(1000);
  assert.ok(await number(page, 'samples-seen-mk') > before, 'MK keeps advancing');
  await page.click('[data-testid="play"]');
  await page.waitForSelector('[data-testid="play"]:has-text("Play")');
}));

test('drawing shows a prediction and 10 probabilities summing to 1; teach changes them', () => withLocalPage(async ({ page }) => {
  await openReady(page, base);
  await drawSeven(page);
  await page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="prediction"]').textContent));
  const p = await waitFor(async () => { const v = await probs(page); return v.every(Number.isFinite) ? v : null; }, 5000, 'probabilities');
  const sum = p.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-3, `sum ${sum}`);
  assert.ok(p.every((x) => x >= 0 && x <= 1));
  // All ten readouts in one evaluation: separate reads could straddle a re-render while drawing.
  const shown = await page.evaluate(() => Array.from({ length: 10 }, (_, i) => Number(document.querySelector(`[data-testid="prob-${i}"]`).textContent)));
  assert.ok(Math.abs(shown.reduce((a, b) => a + b, 0) - 1) < 0.01, `the text readouts sum to 1: ${shown}`);
  const inked = await page.$eval('[data-testid="preview"]', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  assert.ok(inked > 20 && inked < 400, `preview pixels ${inked}`);
  // Teach on the fresh network (seed 0): one step with label 3 moves the probabilities towards 3.
  // (They are the outputs clipped at 0 and normalised: on a trained network a saturated one-hot
  // answer can need several steps before it visibly moves.)
  await page.selectOption('[data-testid="teach-label"]', '3');
  await page.click('[data-testid="teach"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent.includes('Taught “3” (1)'));
  const q = await probs(page);
  const diff = Math.max(...q.map((x, i) => Math.abs(x - p[i])));
  metrics.teachOneStepMaxChange = diff;
  assert.ok(diff > 1e-4, `one teach step moved the probabilities by ${diff}`);
  assert.match(await text(page, 'status'), /cost before \d+\.\d+/);
  await page.waitForFunction(() => document.querySelector('[data-testid="samples-seen"]').textContent === '1');
  // After two epochs the drawn 7 gets a confident answer (after a third of an epoch a quick mouse
  // "7" can still be split between classes; measured: 0.39 at 38,000 patterns).
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 120000, 30000, '120,000 patterns');
  await page.click('[data-testid="play"]');
  const samplesAtPause = await number(page, 'samples-seen');
  let last = null;
  await waitFor(async () => { const v = await probs(page); last = v; return Math.max(...v) > 0.5 ? v : null; }, 5000, 'a confident prediction')
    .catch((e) => { throw new Error(`${e.message}; last probabilities ${JSON.stringify(last)} at ${samplesAtPause} patterns`); });
  metrics.drawnSevenPredictionAfter120k = await text(page, 'prediction');
  const r = await probs(page);
  assert.ok(Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-3);
  await page.screenshot({ path: path.join(OUT, 'draw.png'), fullPage: true });
  await page.click('[data-testid="clear-pad"]');
  assert.equal(await text(page, 'prediction'), '–');
}));

test('save then load restores the predictions', () => withLocalPage(async ({ page }) => {
  await openReady(page, base);
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 10000, 30000, '10,000 patterns');
  await page.click('[data-testid="play"]');
  await drawSeven(page);
  await page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="prediction"]').textContent));
  await page.waitForTimeout(300);
  const trained = await probs(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="save-model"]')]);
  const file = path.join(OUT, 'model.bin');
  await download.saveAs(file);
  assert.match(download.suggestedFilename(), /^sifrian-mnist-sgd-784-64-10-\d+\.bin$/);
  await page.click('[data-testid="reset"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="samples-seen"]').textContent === '0');
  const fresh = await waitFor(async () => { const v = await probs(page); return v.some((x, i) => Math.abs(x - trained[i]) > 1e-4) ? v : null; }, 5000, 'fresh-network probabilities');
  assert.ok(fresh);
  await page.setInputFiles('[data-testid="load-model"]', file);
  await page.waitForFunction(() => /Loaded model\.bin/.test(document.querySelector('[data-testid="status"]').textContent));
  const restored = await waitFor(async () => { const v = await probs(page); return v.every((x, i) => Math.abs(x - trained[i]) < 1e-6) ? v : null; }, 5000, 'restored probabilities');
  assert.ok(restored);
  // A file that is not a model: an error in the status, the page lives on.
  const junk = path.join(OUT, 'not-a-model.bin');
  writeFileSync(junk, 'hello');
  await page.setInputFiles('[data-testid="load-model"]', junk);
  await page.waitForSelector('[data-testid="status"][data-state="error"]');
  assert.match(await text(page, 'status'), /Could not load/);
}));

test('the URL hash restores the settings; a malformed hash shows a notice and keeps defaults', () => withLocalPage(async ({ page }) => {
  await openReady(page, base, '#dataset=mnist&arch=medium&opt=mk-unreg&step=0.02&mu=0.5&seed=7&race=1&sgdstep=0.005&x=seconds&lambda=eq65+eq68&val=20000');
  assert.equal(await page.inputValue('[data-testid="architecture"]'), 'medium');
  assert.equal(await page.inputValue('[data-testid="optimizer"]'), 'mk-unreg');
  assert.equal(await page.inputValue('[data-testid="step-size"]'), '0.02');
  assert.equal(await page.inputValue('[data-testid="mu"]'), '0.5');
  assert.equal(await page.inputValue('[data-testid="seed"]'), '7');
  assert.equal(await page.inputValue('[data-testid="step-size-sgd"]'), '0.005');
  assert.equal(await page.inputValue('[data-testid="x-axis"]'), 'seconds');
  assert.equal(await page.inputValue('[data-testid="lambda"]'), 'eq65+eq68');
  assert.equal(await page.inputValue('[data-testid="val-every"]'), '20000');
  assert.equal(await page.getAttribute('[data-testid="race"]', 'aria-pressed'), 'true');
  assert.ok(await page.isVisible('[data-testid="samples-seen-mk"]'));
  assert.match(await text(page, 'status'), /784-128-64-10, seed 7/);
  // A change is written back to the hash (shareable) and autosaved.
  await page.fill('[data-testid="seed"]', '11');
  await page.press('[data-testid="seed"]', 'Enter');
  await page.waitForFunction(() => /seed=11/.test(location.hash));
  assert.match(await page.evaluate(() => localStorage.getItem('sifrian.settings.v1')), /"seed":11/);
  // Malformed values: a notice, the defaults kept (a fresh storage first).
  await page.evaluate(() => localStorage.clear());
  await page.goto('about:blank');
  await openReady(page, base, '#step=abc&seed=-3&opt=adam&arch=huge&bogus=1&val=7');
  const status = await text(page, 'status');
  assert.match(status, /Ignored in the address: /);
  for (const bad of ['step=abc', 'seed=-3', 'opt=adam', 'arch=huge', 'bogus', 'val=7']) assert.ok(status.includes(bad), `notice names ${bad}`);
  assert.equal(await page.inputValue('[data-testid="val-every"]'), '5000');
  assert.equal(await page.inputValue('[data-testid="step-size"]'), '0.01');
  assert.equal(await page.inputValue('[data-testid="seed"]'), '0');
  assert.equal(await page.inputValue('[data-testid="optimizer"]'), 'sgd');
  assert.equal(await page.inputValue('[data-testid="architecture"]'), 'small');
}));

test('a rejected value is named beside its field with its valid range; Play, One step and Race wait until it is fixed', () => withLocalPage(async ({ page }) => {
  await openReady(page, base, '#opt=mk-damped&race=1&arch=custom&sizes=784,32,10');
  // The limits as the engine's catalog gives them (the messages must quote these, not others).
  const limits = await page.evaluate(async () => {
    const m = await import('/www/pkg/sifrian.js');
    await m.default();
    return m.catalog();
  });
  const range = (...xs) => new RegExp(xs.map((x) => String(x).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  const cases = [
    ['sizes', '784,0,10', range('outside 1..', limits.max_layer_size)],
    ['sizes', '784,5000000,10', range(limits.max_layer_size)],
    ['step-size', '0', range('> 0, at most', limits.max_step_size)],
    ['step-size', '1e9', range('at most', limits.max_step_size)],
    ['step-size-sgd', '-0.5', range('> 0, at most', limits.max_step_size)],
    ['mu', '-1', range('≥ 0, at most', limits.max_mu)],
    ['seed', '1.5', range('from 0 to', limits.max_seed)],
    ['seed', String(limits.max_seed + 1), range('from 0 to', limits.max_seed)],
    ['alpha', '0', range('> 0 and <', limits.max_leak_slope)],
    ['alpha', '', range('> 0 and <', limits.max_leak_slope)],
  ];
  const buttons = () => page.evaluate(() => ['play', 'step', 'race'].map((id) => document.querySelector(`[data-testid="${id}"]`).disabled));
  for (const [id, bad, expected] of cases) {
    const good = await page.inputValue(`[data-testid="${id}"]`);
    await page.fill(`[data-testid="${id}"]`, bad);
    await page.press(`[data-testid="${id}"]`, 'Enter');
    assert.equal(await page.getAttribute(`[data-testid="${id}"]`, 'aria-invalid'), 'true', `${id}=${bad} is marked invalid`);
    const message = await page.textContent(`#${await page.getAttribute(`[data-testid="${id}"]`, 'id')}-error`);
    assert.match(message, expected, `${id}=${bad}: the message beside the field, ${message}`);
    assert.ok(message.includes(`${bad}`), `${id}: the message names the value "${bad}": ${message}`);
    assert.equal(await page.inputValue(`[data-testid="${id}"]`), bad, `${id} still shows what was typed`);
    assert.deepEqual(await buttons(), [true, true, true], `${id}=${bad}: Play, One step, Race disabled`);
    const status = await text(page, 'status');
    assert.doesNotMatch(status, /[.%][A-Z]/, `the status's sentences are apart: ${status}`);
    await page.fill(`[data-testid="${id}"]`, good);
    await page.press(`[data-testid="${id}"]`, 'Enter');
    assert.equal(await page.getAttribute(`[data-testid="${id}"]`, 'aria-invalid'), 'false', `${id}=${good} is valid again`);
    await page.waitForSelector('[data-testid="play"]:not([disabled])');
    assert.deepEqual(await buttons(), [false, false, false], `${id}=${good}: the buttons are back`);
  }
  // A fixed lambda list of the wrong length: beside its field too.
  await page.selectOption('[data-testid="lambda"]', 'fixed');
  await page.waitForSelector('[data-testid="play"]:not([disabled])');
  await page.fill('[data-testid="lambda-list"]', '1,2');
  await page.press('[data-testid="lambda-list"]', 'Enter');
  assert.match(await page.textContent('#lambda-list-error'), /needs 3 values/);
  assert.deepEqual(await buttons(), [true, true, true], 'a bad lambda list disables the buttons');
  // Hiding the field (back to Eq. 65) drops its rejected value: nothing hidden holds training back.
  await page.selectOption('[data-testid="lambda"]', 'eq65');
  await page.waitForSelector('[data-testid="play"]:not([disabled])');
  // Starting a run while a field is invalid is impossible, and a run going on is paused.
  await page.click('[data-testid="play"]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="samples-seen"]').textContent.replace(/,/g, '')) > 0);
  await page.fill('[data-testid="seed"]', '-4');
  await page.press('[data-testid="seed"]', 'Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid="play"]').textContent === 'Play');
  assert.equal(await page.isDisabled('[data-testid="play"]'), true, 'Play waits for the seed');
  metrics.fieldErrorCases = cases.length + 1;
}));

test('screenshots of the first load and of a rejected field, at 1280x900 and at 390x844 (touch, DPR 2)', async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    for (const [name, opts] of [['1280x900', { viewport: { width: 1280, height: 900 } }],
      ['390x844', { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 }]]) {
      const ctx = await browser.newContext(opts);
      const page = await ctx.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await openReady(page, base, '#opt=mk-damped&seed=0');
      await page.screenshot({ path: path.join(OUT, `form-first-load-${name}.png`) });
      await page.fill('[data-testid="step-size"]', '0');
      await page.press('[data-testid="step-size"]', 'Enter');
      await page.$eval('[data-testid="step-size"]', (el) => el.scrollIntoView({ block: 'center' }));
      const box = await page.locator('#step-size-error').boundingBox();
      assert.ok(box && box.height > 0 && box.y >= 0 && box.y + box.height <= opts.viewport.height, `${name}: the message beside the field is on screen: ${JSON.stringify(box)}`);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, `${name}: no sideways scrolling`);
      await page.screenshot({ path: path.join(OUT, `form-invalid-field-${name}.png`) });
      assert.deepEqual(problems, [], `${name}: page errors`);
      await ctx.close();
    }
  } finally {
    await browser.close();
  }
});

test('a race trains while the pad is used: every stroke gets a prediction, the runners advance', () => withLocalPage(async ({ page }) => {
  // How long the main thread's tasks are meanwhile is measured by the benchmark (`make bench`,
  // responsiveness.race_with_pad), not asserted here: on a busy machine it says nothing about the page.
  await openReady(page, base, '#race=1&opt=mk-damped');
  await page.click('[data-testid="play"]');
  let strokes = 0;
  while (strokes < 4) {
    await drawSeven(page);
    await page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="prediction"]').textContent), null, { timeout: 10000 });
    strokes++;
    await page.waitForTimeout(700);
    await page.click('[data-testid="clear-pad"]');
    assert.equal(await text(page, 'prediction'), '–', 'clear empties the prediction');
  }
  const sgd = await number(page, 'samples-seen');
  const mk = await number(page, 'samples-seen-mk');
  await page.click('[data-testid="play"]');
  await page.waitForSelector('[data-testid="play"]:has-text("Play")');
  metrics.raceWithPad = { strokes, sgd, mk };
  assert.ok(sgd > 10000 && mk > 1000, `it trained: SGD ${sgd}, MK ${mk} patterns`);
}));

test('speeds on the paper net 784-512-256-32-10 (SGD vs damped MK, and MK as printed)', () => withLocalPage(async ({ page }) => {
  await openReady(page, base, '#arch=paper&race=1&opt=mk-damped');
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 4000, 40000, '4,000 patterns on the paper net');
  await page.waitForTimeout(2000);
  metrics.paperRace = { sgdSamplesPerS: await number(page, 'throughput'), mkDampedSamplesPerS: await number(page, 'throughput-mk') };
  await page.click('[data-testid="play"]');
  await page.selectOption('[data-testid="optimizer"]', 'mk');
  await page.waitForSelector('[data-testid="play"]:not([disabled])');
  await page.waitForFunction(() => document.querySelector('[data-testid="samples-seen"]').textContent === '0');
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen-mk')) >= 3000, 40000, '3,000 MK patterns');
  await page.waitForTimeout(1500);
  metrics.paperRace.mkSamplesPerS = await number(page, 'throughput-mk');
  assert.ok(metrics.paperRace.sgdSamplesPerS > 100 && metrics.paperRace.mkDampedSamplesPerS > 100 && metrics.paperRace.mkSamplesPerS > 100,
    JSON.stringify(metrics.paperRace));
  await page.click('[data-testid="play"]');
}));

test('MK alone on the small net, and usable at 360 px wide', () => withLocalPage(async ({ page }) => {
  await openReady(page, base, '#opt=mk');
  // The step size shown is MK's default from the engine's catalog (chosen by the README's scan).
  const mkDefault = await page.evaluate(async () => {
    const m = await import('/www/pkg/sifrian.js');
    await m.default();
    return m.catalog().optimizers.find((o) => o.name === 'mk').default_step_size;
  });
  assert.equal(await page.inputValue('[data-testid="step-size"]'), String(mkDefault));
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 10000, 30000, '10,000 MK patterns');
  await page.waitForTimeout(1500);
  metrics.mkSmallSamplesPerS = await number(page, 'throughput');
  await page.click('[data-testid="play"]');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page wider than the 360 px viewport by ${overflow}px`);
  await drawSeven(page);
  await page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="prediction"]').textContent));
  await page.screenshot({ path: path.join(OUT, 'narrow-360.png'), fullPage: true });
}, { viewport: { width: 360, height: 740 } }));

test('Fashion-MNIST loads on demand, a test image is shown and classified with class names', () => withLocalPage(async ({ page }) => {
  await openReady(page, base);
  await page.selectOption('[data-testid="dataset"]', 'fashion');
  await page.waitForSelector('body[data-loaded="fashion"]', { timeout: 60000 });
  await page.waitForSelector('[data-testid="status"][data-state="ok"]');
  assert.match(await text(page, 'status'), /Fashion-MNIST: 60000 training and 10000 test images/);
  assert.match(await page.evaluate(() => location.hash), /dataset=fashion/);
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 5000, 30000, '5,000 Fashion patterns');
  await page.click('[data-testid="play"]');
  await page.click('#test-image');
  // The prediction is a class name ("Coat", not "4"; www/inside.test.mjs checks the rest).
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]').textContent.length > 2);
  assert.match(await page.textContent('#bars'), /Ankle boot/);
  const p = await probs(page);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-3);
  // Keyboard: Tab reaches the play button and Space/Enter operate it.
  await page.focus('[data-testid="play"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="play"]:has-text("Pause")');
  await page.keyboard.press('Space');
  await page.waitForSelector('[data-testid="play"]:has-text("Play")');
}));

test('a Content-Security-Policy blocks inline script (no eval allowed); the page has none', () => withLocalPage(async ({ page }) => {
  await openReady(page, base);
  const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /'unsafe-eval'|script-src[^;]*unsafe-inline/);
  const inline = await page.$$eval('script', (ss) => ss.filter((s) => !s.src).length);
  assert.equal(inline, 0, 'no inline <script>');
  // The policy is in force, not just present: an injected inline script is refused and reported.
  const blocked = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.append(s);
    setTimeout(() => resolve(window.__inlineRan ? 'ran' : 'no report'), 1000);
  }));
  assert.match(blocked, /^script-src/, `an inline script must be blocked by script-src, got ${blocked}`);
}, { allow: /Content Security Policy|unsafe-eval/ }));
