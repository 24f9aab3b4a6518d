// End-to-end: curvature over training (src/train/instruments.rs, www/instruments.js). A race on
// the small preset shows one small-multiples canvas per run under the curves, each with samples
// that keep coming while it trains, drawn (the canvas is not blank); on a phone too.
// Run: node --test tests/e2e/instruments.test.mjs   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { launch, close, openReady, waitFor, e2eSuite, OUT } from './harness.mjs';

let base;
const metrics = e2eSuite('e2e-instruments.json', (b) => { base = b; });
mkdirSync(OUT, { recursive: true });

/** Samples drawn per run, from the figures' probes. */
const counts = (page) => page.evaluate(() => Object.fromEntries(
  [...document.querySelectorAll('[data-testid="instruments"] figure')].map((f) => [f.dataset.run, Number(f.dataset.samples)])));

/** Distinct colours in a run's canvas (a blank or failed draw has one or two). */
const colours = (page, id) => page.evaluate((run) => {
  const c = document.querySelector(`[data-testid="instruments-${run}"] canvas`);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length; i += 4 * 7) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  return seen.size;
}, id);

async function race(opts, shot) {
  const b = await launch(opts);
  try {
    const { page } = b;
    await openReady(page, base, '#race=1&opt=mk&arch=small&seed=0');
    assert.equal(await page.isHidden('[data-testid="instruments"]'), true, 'no instruments before training');
    await page.click('[data-testid="play"]');
    await waitFor(async () => {
      const c = await counts(page);
      return c.r0 >= 3 && c.r1 >= 3;
    }, 180000, 'three samples of both runs');
    const first = await counts(page);
    await waitFor(async () => {
      const c = await counts(page);
      return c.r0 > first.r0 && c.r1 > first.r1;
    }, 120000, 'more samples of both runs while they train');
    await page.click('[data-testid="play"]'); // pause
    const last = await counts(page);
    metrics[shot] = { first, last };
    for (const id of ['r0', 'r1']) {
      const fig = page.locator(`[data-testid="instruments-${id}"]`);
      assert.match(await fig.locator('figcaption').textContent(), /\d+ samples, the last at [\d,]+ patterns/);
      const n = await colours(page, id);
      assert.ok(n > 8, `run ${id}: the canvas has ${n} colours (blank?)`);
    }
    const box = page.locator('[data-testid="instruments"]');
    await box.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(OUT, `${shot}.png`) });
    assert.deepEqual(b.problems, [], 'page errors or console errors');
  } finally {
    await close(b);
  }
}

test('a race shows the instruments of both runs under the curves, sampled while they train', () =>
  race({}, 'instruments-race'));

test('on a phone the instruments of both runs are drawn too', () =>
  race({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true }, 'instruments-race-phone'));
