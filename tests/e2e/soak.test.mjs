// Soak test of the page in Debian's Chromium: the paper's net 784-512-256-32-10 trains 10 epochs'
// worth of real MNIST (600,000 patterns) with SGD at its default step, with a pause in the middle.
// It validates on a budget once an epoch (the page's "validate every 60,000 patterns", #val=60000):
// a validated image costs about a training step, so the default 5,000 would add 40 % to the time.
// It requires: the worker's wasm memory stops growing after the first epoch; intact curves (every
// point, monotone counts, finite values); > 90 % validation accuracy; a save/load round trip with
// the same parameters; the tab answers every click (within the 5 s of clickLatency). Task lengths
// and click latencies are measured and printed, not asserted: the benchmark owns time budgets.
// A second test races SGD against damped MK on the same net with the lab computing (below).
// The numbers are printed and written to test-output/e2e-metrics-soak.json.
// Run: node --test tests/e2e/soak.test.mjs   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, close, openReady, text, number, OUT, waitFor, e2eSuite, labReqs, labShown } from './harness.mjs';

const PATTERNS = 600_000; // 10 epochs of the 60,000 training images
const EPOCH = 60_000;
const POINT_EVERY = 1000; // www/worker.js: a curve point every 1,000 patterns
const VAL_EVERY = 60_000; // the page's setting (#val=60000): a budget validation every epoch

let base;
const metrics = e2eSuite('e2e-metrics-soak.json', (b) => { base = b; });


const memory = (page) => page.getAttribute('body', 'data-wasm-memory').then(Number);
const hashOf = (page) => page.evaluate(() => ({ hash: document.body.dataset.paramsHash, from: document.body.dataset.paramsHashFrom }));
/** Waits for the status to report a full validation after `first` (the status's first sentence). */
const fullValidation = (page, first) => page.waitForFunction((f) => new RegExp(`^${f}.* Validation accuracy on all 10000`).test(document.querySelector('[data-testid="status"]').textContent)
  && /all 10,000/.test(document.getElementById('val-note').textContent), first, { timeout: 30000 });

/**
 * Long tasks (> 50 ms, by definition of the entry) and, finer, the event loop's worst delay: a
 * 25 ms timer whose lateness bounds the longest task from below (window.__longTasks, __maxLag).
 */
const watchMainThread = (page) => page.evaluate(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push(Math.round(e.duration));
  }).observe({ type: 'longtask' });
  window.__maxLag = 0;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    window.__maxLag = Math.max(window.__maxLag, now - last - 25);
    last = now;
  }, 25);
});

/**
 * Clicks play/pause with the mouse and measures, in the page, from the click event to the button
 * showing `want` (the worker answered and the page redrew it): what a user waits for.
 */
async function clickLatency(page, want, timeoutMs = 5000) {
  await page.evaluate(([w, ms]) => {
    const btn = document.querySelector('[data-testid="play"]');
    window.__latency = new Promise((resolve, reject) => {
      let t0 = null;
      btn.addEventListener('click', (e) => { t0 = e.timeStamp; }, { once: true, capture: true });
      const mo = new MutationObserver(() => {
        if (t0 !== null && btn.textContent === w) { mo.disconnect(); resolve(performance.now() - t0); }
      });
      mo.observe(btn, { childList: true, characterData: true, subtree: true });
      setTimeout(() => reject(new Error(`the button did not show ${w} within ${ms} ms`)), ms);
    });
  }, [want, timeoutMs]);
  await page.click('[data-testid="play"]');
  return page.evaluate(() => window.__latency);
}

test('soak: the paper net, SGD, 10 epochs of MNIST: flat memory, curves, accuracy, save/load, clicks', { timeout: 900000 }, async () => {
  const b = await launch();
  const { page } = b;
  try {
    const tStart = Date.now();
    await openReady(page, base, `#arch=paper&opt=sgd&val=${VAL_EVERY}`);
    const step = await page.inputValue('[data-testid="step-size"]');
    assert.equal(step, '0.01', 'the preset default step of SGD');
    assert.equal(await page.inputValue('[data-testid="val-every"]'), String(VAL_EVERY));
    await watchMainThread(page);
    metrics.memoryAtStart = await memory(page);
    const tTrain = Date.now();
    await page.click('[data-testid="play"]');

    // Epoch 1: the wasm memory's size then is the size it must keep.
    await waitFor(async () => (await number(page, 'samples-seen')) >= EPOCH, 120000, 'the first epoch');
    metrics.memoryAfterEpoch1 = await memory(page);
    metrics.samplesAtEpoch1Reading = await number(page, 'samples-seen');
    metrics.epoch1Seconds = (Date.now() - tTrain) / 1000;

    // Halfway: pause and play again, timing both clicks.
    await waitFor(async () => (await number(page, 'samples-seen')) >= PATTERNS / 2, 180000, 'half of the soak');
    metrics.pauseLatencyMidMs = Math.round(await clickLatency(page, 'Play'));
    metrics.samplesAtMidPause = await number(page, 'samples-seen');
    await page.waitForTimeout(300);
    metrics.playLatencyMidMs = Math.round(await clickLatency(page, 'Pause'));

    // The end: 10 epochs' worth, then pause (timed) and the full validation.
    await waitFor(async () => (await number(page, 'samples-seen')) >= PATTERNS, 180000, '600,000 patterns', 100);
    metrics.pauseLatencyEndMs = Math.round(await clickLatency(page, 'Play'));
    metrics.trainSeconds = (Date.now() - tTrain) / 1000;
    await fullValidation(page, 'Paused at');
    const samples = await number(page, 'samples-seen');
    metrics.samples = samples;
    metrics.epoch = Number(await page.textContent('#epoch-r0'));
    metrics.validationAccuracy = await number(page, 'validation-accuracy');
    metrics.samplesPerS = Math.round(samples / metrics.trainSeconds);
    metrics.memoryAtEnd = await memory(page);

    // The tab answered quickly throughout.
    metrics.longTasksOver50Ms = await page.evaluate(() => window.__longTasks);
    metrics.longestTaskMs = metrics.longTasksOver50Ms.length ? Math.max(...metrics.longTasksOver50Ms) : 'none';
    metrics.maxEventLoopDelayMs = Math.round(await page.evaluate(() => window.__maxLag));
    metrics.chartMaxMs = Number(await page.getAttribute('body', 'data-chart-max-ms'));

    // The curves, as the page exports them.
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    const csvFile = path.join(OUT, 'soak-curves.csv');
    await csvDownload.saveAs(csvFile);
    const rows = readFileSync(csvFile, 'utf8').trim().split('\n').slice(1).map((l) => {
      const c = l.split(',');
      return { samples: Number(c[1]), seconds: Number(c[2]), cost: Number(c[3]), acc: Number(c[4]), val: c[5] === '' ? null : Number(c[5]) };
    });
    metrics.curvePoints = rows.length;
    metrics.curveValidations = rows.filter((r) => r.val !== null).length;
    metrics.lastCurveCost = rows.at(-1).cost;

    // The model file's round trip: save, load, the same parameters and the same validation.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="save-model"]')]);
    await page.waitForFunction(() => document.body.dataset.paramsHashFrom === 'exported');
    const saved = await hashOf(page);
    const file = path.join(OUT, 'soak-model.bin');
    await download.saveAs(file);
    metrics.modelFileBytes = readFileSync(file).length;
    await page.setInputFiles('[data-testid="load-model"]', file);
    await page.waitForFunction(() => document.body.dataset.paramsHashFrom === 'imported');
    const loaded = await hashOf(page);
    await fullValidation(page, 'Loaded soak-model\\.bin');
    const reloadedAccuracy = await number(page, 'validation-accuracy');
    metrics.memoryAfterRoundTrip = await memory(page);
    // A second load of the same file: importing leaks nothing (the memory's size holds).
    const again = path.join(OUT, 'soak-model-again.bin');
    copyFileSync(file, again);
    await page.setInputFiles('[data-testid="load-model"]', again);
    await fullValidation(page, 'Loaded soak-model-again\\.bin');
    metrics.memoryAfterSecondLoad = await memory(page);

    // The autosave kept up: its size and cost for the paper's net.
    const auto = await page.evaluate(() => ({ ...document.querySelector('[data-testid="autosave-status"]').dataset }));
    metrics.autosave = { bytes: Number(auto.bytes), exportMs: Number(auto.exportMs), writeMs: Number(auto.writeMs), samples: Number(auto.samples) };

    // One more click after it all: still answering.
    metrics.playLatencyAfterMs = Math.round(await clickLatency(page, 'Pause'));
    metrics.pauseLatencyAfterMs = Math.round(await clickLatency(page, 'Play'));
    metrics.soakSeconds = (Date.now() - tStart) / 1000;

    console.log(`soak: ${samples} patterns (epoch ${metrics.epoch}) in ${metrics.trainSeconds.toFixed(1)} s of training (${metrics.samplesPerS}/s), ${metrics.soakSeconds.toFixed(1)} s in all`);
    console.log(`soak: wasm memory at the start ${metrics.memoryAtStart} B, after epoch 1 ${metrics.memoryAfterEpoch1} B, at the end ${metrics.memoryAtEnd} B; after a save/load round trip ${metrics.memoryAfterRoundTrip} B, after a second load ${metrics.memoryAfterSecondLoad} B`);
    console.log(`soak: longest main-thread task over 50 ms: ${metrics.longestTaskMs}; worst event-loop delay ${metrics.maxEventLoopDelayMs} ms; slowest chart draw ${metrics.chartMaxMs} ms`);
    console.log(`soak: click to new state: pause ${metrics.pauseLatencyMidMs} ms / play ${metrics.playLatencyMidMs} ms mid-soak, pause ${metrics.pauseLatencyEndMs} ms at the end, play ${metrics.playLatencyAfterMs} ms / pause ${metrics.pauseLatencyAfterMs} ms after`);
    console.log(`soak: validation accuracy ${metrics.validationAccuracy} % (all 10,000), after reload ${reloadedAccuracy} %; ${metrics.curvePoints} curve points, ${metrics.curveValidations} validations; last cost ${metrics.lastCurveCost}`);
    console.log(`soak: model file ${metrics.modelFileBytes} B, hash ${saved.hash} -> ${loaded.hash}; autosave ${metrics.autosave.bytes} B at ${metrics.autosave.samples} patterns, export ${metrics.autosave.exportMs} ms + write ${metrics.autosave.writeMs} ms (in the worker)`);

    assert.ok(samples >= PATTERNS, `trained ${samples} patterns`);
    assert.ok(metrics.memoryAfterEpoch1 > 0);
    assert.equal(metrics.memoryAtEnd, metrics.memoryAfterEpoch1, 'the wasm memory grew after the first epoch');
    assert.equal(metrics.memoryAfterSecondLoad, metrics.memoryAfterRoundTrip, 'a second load of the model grew the wasm memory');
    for (const k of ['pauseLatencyMidMs', 'playLatencyMidMs', 'pauseLatencyEndMs', 'playLatencyAfterMs', 'pauseLatencyAfterMs']) {
      assert.ok(Number.isFinite(metrics[k]), `${k} = ${metrics[k]}: the click was answered`);
    }
    assert.ok(metrics.validationAccuracy > 90, `validation accuracy ${metrics.validationAccuracy} %`);
    // A point every 1,000 patterns, plus at most one at each of the two pauses.
    const expected = Math.floor(samples / POINT_EVERY);
    assert.ok(rows.length >= expected && rows.length <= expected + 2, `${rows.length} curve points for ${samples} patterns`);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      assert.ok(Number.isFinite(r.cost) && r.cost >= 0 && r.acc >= 0 && r.acc <= 1 && Number.isFinite(r.seconds), `point ${i}: ${JSON.stringify(r)}`);
      if (i > 0) assert.ok(r.samples > rows[i - 1].samples && r.seconds >= rows[i - 1].seconds, `point ${i} goes back: ${JSON.stringify(r)}`);
    }
    assert.ok(metrics.curveValidations >= Math.floor(samples / VAL_EVERY), `${metrics.curveValidations} validations on the curve`);
    assert.ok(rows.at(-1).cost < rows[0].cost / 5, 'the cost came down');
    assert.equal(saved.from, 'exported');
    assert.equal(loaded.from, 'imported');
    assert.equal(loaded.hash, saved.hash, 'the same parameters after a save/load round trip');
    assert.equal(reloadedAccuracy, metrics.validationAccuracy, 'the same validation accuracy after the round trip');
    assert.ok(metrics.autosave.bytes > 4_000_000 && metrics.autosave.samples > 0, 'the paper net was autosaved');
    assert.deepEqual(b.problems, [], 'page errors or console errors');
  } finally {
    await close(b);
  }
});

/** The page's CSV as rows by run label (the label is quoted; it may hold commas). */
function curvesByRun(csv) {
  const out = {};
  for (const line of csv.trim().split('\n').slice(1)) {
    const m = /^"([^"]*)",(.*)$/.exec(line);
    const c = m[2].split(',');
    (out[m[1]] ||= []).push({ samples: Number(c[0]), seconds: Number(c[1]), cost: Number(c[2]), acc: Number(c[3]), val: c[4] === '' ? null : Number(c[4]) });
  }
  return out;
}

// The race: SGD against damped MK on the paper's net, 10 epochs' worth each (600,000 patterns; the
// MK side may diverge first: the divergence watch pauses it and the SGD side goes on, which the
// test reports, not fails), with the lab open: it computes the exact spectrum (2S = 1,620,
// eigenpairs) of each side's current weights twice in epoch 1 (so that its memory is in epoch 1's
// size), then of alternate sides every LAB_EVERY patterns. Requires: the worker's wasm memory
// stops growing after the first epoch while both sides train (after a divergence, the lab's next
// computation may raise it once; then it stays); every click answered (the play/pause latency, measured
// from the click to the button's new state, is printed; a click during a lab computation waits
// for it: the lab runs in the training worker); intact curves for both sides.
const LAB_EVERY = 150_000;

test('soak: a race of SGD and damped MK on the paper net with the lab computing, 10 epochs: flat memory, clicks, curves', { timeout: 1200000 }, async () => {
  const b = await launch();
  const { page } = b;
  const m = (metrics.race = { labs: [] });
  try {
    const tStart = Date.now();
    await openReady(page, base, `#arch=paper&opt=mk-damped&race=1&val=${VAL_EVERY}`);
    assert.equal(await page.getAttribute('[data-testid="race"]', 'aria-pressed'), 'true', 'the race is on');
    m.mkStep = Number(await page.inputValue('[data-testid="step-size"]'));
    m.mu = Number(await page.inputValue('[data-testid="mu"]'));
    m.sgdStep = Number(await page.inputValue('[data-testid="step-size-sgd"]'));
    await watchMainThread(page);
    // The lab open: scrolled into view (paused, it computes test pattern 0 for the first side).
    const before0 = await labReqs(page);
    await page.locator('#lab').scrollIntoViewIfNeeded();
    const lab0 = await labShown(page, before0, 120000);
    m.labs.push({ at: 0, run: 'r0', ms: Math.round(lab0.ms), wallMs: Math.round(lab0.wallMs) });
    m.memoryAtStart = await memory(page);
    const tTrain = Date.now();
    await page.click('[data-testid="play"]');

    const seen = async () => ({ r0: await number(page, 'samples-seen'), r1: await number(page, 'samples-seen-mk') });
    const diverged = () => page.isVisible('[data-testid="divergence"]');
    /** The lab on side `run`'s current weights (selecting the side computes), timed. */
    const labNow = async (run) => {
      const before = await labReqs(page);
      const at = await seen();
      const clickedMs = Date.now();
      await page.selectOption('[data-testid="figure5-run"]', run);
      const r = await labShown(page, before, 180000);
      m.labs.push({ at: at.r0, run, ms: Math.round(r.ms), wallMs: Date.now() - clickedMs, cached: r.cached, memory: await memory(page), afterDivergence: !!m.divergedSeen });
    };
    // The lab within epoch 1 on each side (so that its memory is in epoch 1's size), then every
    // LAB_EVERY patterns on alternate sides; the memory at each 60,000 patterns is recorded.
    const labAt = [[20_000, 'r1'], [40_000, 'r0']];
    for (let k = 1; k * LAB_EVERY <= PATTERNS; k++) labAt.push([k * LAB_EVERY, k % 2 ? 'r1' : 'r0']);
    m.memoryByEpoch = [];
    const until = async (want, what) => waitFor(async () => {
      const s = await seen();
      if (!m.divergedSeen && await diverged()) m.divergedSeen = { r0: s.r0, r1: s.r1, memory: await memory(page) };
      if (labAt.length && s.r0 >= labAt[0][0] && labAt[0][0] <= want) await labNow(labAt.shift()[1]);
      if (s.r0 >= (m.memoryByEpoch.length + 1) * EPOCH) m.memoryByEpoch.push({ r0: s.r0, memory: await memory(page), afterDivergence: !!m.divergedSeen });
      return s.r0 >= want && (s.r1 >= want || await diverged()) ? s : null;
    }, 600000, what, 250);

    // Epoch 1 (both sides, or the SGD side if MK paused): the memory's size it must keep.
    await until(EPOCH, 'the first epoch of both sides');
    m.memoryAfterEpoch1 = await memory(page);
    m.epoch1Seconds = (Date.now() - tTrain) / 1000;

    // Halfway: pause and play (timed), and a pause clicked while the lab computes (it waits for it).
    await until(PATTERNS / 2, 'half of the race');
    m.pauseLatencyMidMs = Math.round(await clickLatency(page, 'Play'));
    await page.waitForTimeout(300);
    m.playLatencyMidMs = Math.round(await clickLatency(page, 'Pause'));
    const beforeBusy = await labReqs(page);
    await page.click('[data-testid="lab-compute"]');
    await page.waitForSelector('#lab[aria-busy="true"]', { timeout: 10000 });
    m.pauseDuringLabMs = Math.round(await clickLatency(page, 'Play', 180000));
    await labShown(page, beforeBusy, 180000);
    m.playAfterLabMs = Math.round(await clickLatency(page, 'Pause'));

    // The end: 10 epochs' worth of the SGD side (and of MK unless it diverged), then pause.
    const end = await until(PATTERNS, '600,000 patterns on each side (or MK paused by the divergence watch)');
    m.pauseLatencyEndMs = Math.round(await clickLatency(page, 'Play'));
    m.trainSeconds = (Date.now() - tTrain) / 1000;
    await page.waitForTimeout(1000); // the last stats after the pause
    m.samples = await seen();
    m.memoryAtEnd = await memory(page);
    m.mkDiverged = await diverged();
    m.divergence = m.mkDiverged ? (await text(page, 'divergence')).slice(0, 300) : null;
    m.validation = { sgd: await text(page, 'validation-accuracy'), mk: await text(page, 'validation-accuracy-mk') };
    m.longTasksOver50Ms = await page.evaluate(() => window.__longTasks.length);
    m.longestTaskMs = await page.evaluate(() => (window.__longTasks.length ? Math.max(...window.__longTasks) : 0));
    m.maxEventLoopDelayMs = Math.round(await page.evaluate(() => window.__maxLag));
    m.chartMaxMs = Number(await page.getAttribute('body', 'data-chart-max-ms'));

    // Two more lab computations (test patterns 1 and 2 of the side the last one showed, its final
    // weights): the memory they find is the memory they leave.
    m.memoryBeforeLastLabs = await memory(page);
    m.lastLabs = [];
    for (const index of ['1', '2']) {
      const before = await labReqs(page);
      // One change event (the lab computes on it), as a typed value and Enter would send.
      await page.$eval('[data-testid="figure5-index"]', (el, v) => { el.value = v; el.dispatchEvent(new Event('change')); }, index);
      const r = await labShown(page, before, 180000);
      m.lastLabs.push({ index, ms: r.ms, cached: r.cached, memory: await memory(page) });
    }

    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    const csvFile = path.join(OUT, 'soak-race-curves.csv');
    await csvDownload.saveAs(csvFile);
    const runs = curvesByRun(readFileSync(csvFile, 'utf8'));
    m.curvePoints = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.length]));
    m.playLatencyAfterMs = Math.round(await clickLatency(page, 'Pause'));
    m.pauseLatencyAfterMs = Math.round(await clickLatency(page, 'Play'));
    m.soakSeconds = (Date.now() - tStart) / 1000;
    await page.screenshot({ path: path.join(OUT, 'soak-race.png'), fullPage: true });
    console.log(`race soak: ${JSON.stringify(m)}`);

    assert.ok(end.r0 >= PATTERNS, `the SGD side trained ${end.r0} patterns`);
    assert.ok(m.mkDiverged || m.samples.r1 >= PATTERNS, `the MK side trained ${m.samples.r1} patterns and was not paused by the divergence watch`);
    assert.ok(m.labs.length >= 3 + Math.floor(PATTERNS / LAB_EVERY), `${m.labs.length} lab computations`);
    assert.ok(m.labs.slice(1).every((l) => !l.cached), `every lab computation during training was of new weights: ${JSON.stringify(m.labs)}`);
    assert.ok(m.memoryAfterEpoch1 > 0);
    // Flat after epoch 1 while both sides train; after the MK side's divergence the lab's next
    // computation was seen to raise the memory once (by 21,757,952 B in both runs of 2026-12-02:
    // README), so from there the test requires only that it stays at that size.
    const healthy = [...m.memoryByEpoch, ...m.labs.slice(1)].filter((x) => !x.afterDivergence).map((x) => x.memory);
    assert.ok(healthy.length >= 3, `${healthy.length} memory readings before any divergence`);
    for (const v of healthy) assert.equal(v, m.memoryAfterEpoch1, `the wasm memory grew after the first epoch, before any divergence: ${JSON.stringify(m.memoryByEpoch)}`);
    if (!m.mkDiverged) assert.equal(m.memoryAtEnd, m.memoryAfterEpoch1, 'the wasm memory grew after the first epoch');
    m.memoryStepAfterDivergence = m.memoryBeforeLastLabs - m.memoryAfterEpoch1;
    for (const l of m.lastLabs) {
      assert.equal(l.cached, false, `lab of test pattern ${l.index} computed`);
      assert.equal(l.memory, m.memoryBeforeLastLabs, `the lab of test pattern ${l.index} grew the wasm memory`);
    }
    for (const k of ['pauseLatencyMidMs', 'playLatencyMidMs', 'pauseDuringLabMs', 'playAfterLabMs', 'pauseLatencyEndMs', 'playLatencyAfterMs', 'pauseLatencyAfterMs']) {
      assert.ok(Number.isFinite(m[k]), `${k} = ${m[k]}: the click was answered`);
    }
    // Both sides' curves: a point every 1,000 patterns of each (plus pauses), finite, in order.
    assert.equal(Object.keys(runs).length, 2, `two runs in the CSV: ${Object.keys(runs)}`);
    for (const [label, rows] of Object.entries(runs)) {
      const last = rows.at(-1).samples;
      assert.ok(rows.length >= Math.floor(last / POINT_EVERY) && rows.length <= Math.floor(last / POINT_EVERY) + 8, `${label}: ${rows.length} curve points for ${last} patterns`);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        assert.ok(Number.isFinite(r.cost) && r.cost >= 0 && r.acc >= 0 && r.acc <= 1 && Number.isFinite(r.seconds), `${label} point ${i}: ${JSON.stringify(r)}`);
        if (i > 0) assert.ok(r.samples > rows[i - 1].samples && r.seconds >= rows[i - 1].seconds, `${label} point ${i} goes back: ${JSON.stringify(r)}`);
      }
    }
    const sgdRows = Object.values(runs).find((rows) => rows.at(-1).samples >= PATTERNS);
    assert.ok(sgdRows && sgdRows.at(-1).cost < sgdRows[0].cost / 5, 'the SGD side\'s cost came down');
    assert.deepEqual(b.problems, [], 'page errors or console errors');
  } finally {
    await close(b);
  }
});
