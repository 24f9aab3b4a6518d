// End-to-end: a run that diverges is paused and explained (src/train/divergence.rs, www/training.js),
// a race's other side goes on; the speed control paces training (www/worker.js).
// Run: node --test tests/e2e/divergence.test.mjs   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { withPage, openReady, number, text, waitFor, e2eSuite } from './harness.mjs';

let base;
const metrics = e2eSuite('e2e-divergence.json', (b) => { base = b; });
const SHOTS = path.join('/tmp', 'shots-train');
mkdirSync(SHOTS, { recursive: true });

test('MK as printed at step 0.001 on the small net diverges: paused, explained with numbers, SGD goes on', () => withPage(base, async ({ page }) => {
  // The race: SGD (r0) against MK as printed (r1) at step 0.001, seed 0: the page's default before
  // the scan of tests/experiments/defaults.sh (which chose 0.0003) and the setting issue 12 reports.
  await openReady(page, base, '#race=1&opt=mk&step=0.001&seed=0');
  assert.equal(await page.inputValue('[data-testid="step-size"]'), '0.001');
  assert.equal(await page.isHidden('[data-testid="divergence"]'), true, 'no explanation before training');
  await page.click('[data-testid="play"]');
  const box = page.locator('[data-testid="divergence"]');
  await box.waitFor({ state: 'visible', timeout: 240000 });
  const words = await box.textContent();
  metrics.explanation = words;
  // What happened, and why, with the engine's numbers.
  assert.match(words, /MK step 0\.001 diverged/, words);
  assert.match(words, /costs ½‖d−x‖² = [\d.e]+, over the bound 50/, words);
  assert.match(words, /paused where it was, at [\d,]+ patterns; the other run goes on/, words);
  assert.match(words, /Eq\. 65 chose λ = [\d.e-]+, [\d.e-]+, 1/, words);
  assert.match(words, /‖Δθ‖ = [\d.e-]+/, words);
  assert.match(words, /\d+ % of layer 1's units/, words);
  assert.match(words, /at step [\d.e-]+ instead of 0\.001|did not keep them under the bound/, words);
  const atMk = await number(page, 'samples-seen-mk');
  const atSgd = await number(page, 'samples-seen');
  assert.ok(atMk > 1000, `MK paused after ${atMk} patterns`);
  await page.waitForTimeout(3000);
  const laterMk = await number(page, 'samples-seen-mk');
  const laterSgd = await number(page, 'samples-seen');
  metrics.race = { atMk, laterMk, atSgd, laterSgd };
  assert.equal(laterMk, atMk, 'the diverged side stays paused');
  assert.ok(laterSgd > atSgd + 1000, `SGD goes on: ${atSgd} -> ${laterSgd}`);
  assert.equal(await text(page, 'play'), 'Pause', 'the race as a whole still plays');
  assert.match(await text(page, 'status'), /diverged and paused/);
  await page.screenshot({ path: path.join(SHOTS, 'diverged-race.png'), fullPage: false });
  await box.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'diverged-box.png') });
}));

test('at the slowest speed the pattern count advances about one per second; full speed is unchanged', () => withPage(base, async ({ page }) => {
  await openReady(page, base, '#speed=1');
  assert.equal(await page.inputValue('[data-testid="speed"]'), '1');
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 1, 10000, 'the first pattern');
  const t0 = Date.now();
  const n0 = await number(page, 'samples-seen');
  await page.waitForTimeout(6000);
  const n1 = await number(page, 'samples-seen');
  const perS = (n1 - n0) / ((Date.now() - t0) / 1000);
  metrics.slowest = { n0, n1, perS };
  assert.ok(perS > 0.5 && perS < 1.6, `${perS.toFixed(2)} patterns/s at speed 1 (${n0} -> ${n1})`);
  // Full speed: thousands of patterns a second again, and the choice is in the address.
  await page.selectOption('[data-testid="speed"]', '0');
  await page.waitForFunction(() => !/speed=/.test(location.hash));
  const m0 = await number(page, 'samples-seen');
  await page.waitForTimeout(3000);
  const m1 = await number(page, 'samples-seen');
  metrics.full = { m0, m1 };
  assert.ok(m1 - m0 > 10000, `full speed: ${m0} -> ${m1} in 3 s`);
  await page.selectOption('[data-testid="speed"]', '100');
  await page.waitForFunction(() => /speed=100/.test(location.hash));
}));
